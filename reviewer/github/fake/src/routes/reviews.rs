//! Pull request reviews: create (pending or submitted, with inline comments), list, get,
//! submit a pending one, delete a pending one.
//!
//! A review is created whole or not at all: if any comment cannot be placed on the diff of
//! its commit, GitHub answers 422 and creates nothing, which is what lets a client find
//! the refused comments by trying subsets as pending reviews.

use serde::Deserialize;
use serde_json::Value;

use crate::diff::{FileChange, LineKind, Side};
use crate::model::{Account, Review, ReviewComment, ReviewState};
use crate::reply::{Reply, page_reply};
use crate::routes::{find_pull, list_url};
use crate::server::Call;
use crate::shapes;
use crate::state::{State, now_timestamp, refresh_positions, served_patch};

const CREATE_DOCS: &str =
    "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request";
const DELETE_DOCS: &str =
    "https://docs.github.com/rest/pulls/reviews#delete-a-pending-review-for-a-pull-request";
const SUBMIT_DOCS: &str =
    "https://docs.github.com/rest/pulls/reviews#submit-a-review-for-a-pull-request";
const REVIEWS_DOCS: &str = "https://docs.github.com/rest/pulls/reviews";

/// Where a new comment asks to sit, as the reviews and comments endpoints take it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Anchor {
    pub(crate) path: String,
    #[serde(default)]
    pub(crate) line: Option<u64>,
    #[serde(default)]
    pub(crate) side: Option<String>,
    #[serde(default)]
    pub(crate) start_line: Option<u64>,
    #[serde(default)]
    pub(crate) start_side: Option<String>,
    /// The legacy way: the line's index in the file's patch.
    #[serde(default)]
    pub(crate) position: Option<u64>,
}

/// Where a comment was placed on a diff.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub(crate) path: String,
    pub(crate) line: u64,
    pub(crate) side: Side,
    pub(crate) start_line: Option<u64>,
    pub(crate) start_side: Option<Side>,
    pub(crate) position: u64,
    pub(crate) diff_hunk: String,
}

impl Placement {
    /// The comment this placement makes on `commit_id`; its ids are the caller's to set.
    pub(crate) fn into_comment(
        self,
        commit_id: &str,
        body: String,
        user: &Account,
        now: &str,
    ) -> ReviewComment {
        ReviewComment {
            id: 0,
            review_id: 0,
            path: self.path,
            line: Some(self.line),
            original_line: self.line,
            side: self.side,
            start_line: self.start_line,
            start_side: self.start_side,
            position: Some(self.position),
            original_position: self.position,
            commit_id: commit_id.to_owned(),
            original_commit_id: commit_id.to_owned(),
            diff_hunk: self.diff_hunk,
            body,
            in_reply_to_id: None,
            user: user.clone(),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }
}

/// Why a comment cannot be placed, in the words of GitHub's 422.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misplaced {
    Path,
    Line,
    StartLine,
    Side,
}

impl Misplaced {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Misplaced::Path => "Path could not be resolved",
            Misplaced::Line => "Line could not be resolved",
            Misplaced::StartLine => "Start line must precede the end line",
            Misplaced::Side => "Side must be LEFT or RIGHT",
        }
    }
}

/// Places a comment like GitHub: the path must be one of the PR's files, and the line must
/// be shown in a hunk of its served patch, on the RIGHT side (added or context lines of the
/// new file) or the LEFT side (removed or context lines of the old file). A multi-line
/// comment's start must come before its end, in the same hunk.
pub(crate) fn place(
    changes: &[FileChange],
    max_patch_bytes: usize,
    anchor: &Anchor,
) -> Result<Placement, Misplaced> {
    let change = changes
        .iter()
        .find(|c| c.filename == anchor.path)
        .ok_or(Misplaced::Path)?;
    let patch = served_patch(change, max_patch_bytes).ok_or(Misplaced::Line)?;
    let parse_side = |side: &Option<String>, default: Side| match side {
        None => Ok(default),
        Some(text) => Side::parse(text).ok_or(Misplaced::Side),
    };
    let (line, side, index) = match (anchor.line, anchor.position) {
        (Some(line), _) => {
            let side = parse_side(&anchor.side, Side::Right)?;
            let index = patch.find(side, line).ok_or(Misplaced::Line)?;
            (line, side, index)
        }
        (None, Some(position)) => {
            let index = usize::try_from(position).map_err(|_| Misplaced::Line)?;
            let shown = patch.lines.get(index).ok_or(Misplaced::Line)?;
            match shown.kind {
                LineKind::Removed => (shown.old.unwrap_or(0), Side::Left, index),
                LineKind::Added | LineKind::Context => (shown.new.unwrap_or(0), Side::Right, index),
                LineKind::Header | LineKind::NoNewline => return Err(Misplaced::Line),
            }
        }
        (None, None) => return Err(Misplaced::Line),
    };
    let (start_line, start_side) = match anchor.start_line {
        None => (None, None),
        Some(start) => {
            let start_side = parse_side(&anchor.start_side, side)?;
            let start_index = patch.find(start_side, start).ok_or(Misplaced::Line)?;
            if start_index >= index {
                return Err(Misplaced::StartLine);
            }
            if patch.lines.get(start_index).map(|l| l.header)
                != patch.lines.get(index).map(|l| l.header)
            {
                return Err(Misplaced::Line);
            }
            (Some(start), Some(start_side))
        }
    };
    Ok(Placement {
        path: anchor.path.clone(),
        line,
        side,
        start_line,
        start_side,
        position: index as u64,
        diff_hunk: patch.diff_hunk(index),
    })
}

/// The account a write acts as. Anonymous and app callers never get this far: the
/// gateway refuses their writes to repositories.
pub(crate) fn writer(call: &Call) -> Account {
    match &call.caller {
        crate::auth::Caller::Token { account, .. } => account.clone(),
        _ => Account::user("ghost"),
    }
}

#[derive(Deserialize)]
struct NewComment {
    #[serde(flatten)]
    anchor: Anchor,
    body: String,
}

#[derive(Deserialize)]
struct NewReview {
    #[serde(default)]
    commit_id: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    comments: Vec<NewComment>,
}

fn parse_event(event: &str) -> Option<ReviewState> {
    match event {
        "COMMENT" => Some(ReviewState::Commented),
        "REQUEST_CHANGES" => Some(ReviewState::ChangesRequested),
        "APPROVE" => Some(ReviewState::Approved),
        _ => None,
    }
}

fn bad_event(event: &str, docs: &str) -> Reply {
    Reply::invalid_request(
        &format!("\"{event}\" is not a member of [\"APPROVE\", \"REQUEST_CHANGES\", \"COMMENT\"]."),
        docs,
    )
}

/// GitHub's refusal of an author reviewing their own pull request, if it applies.
fn own_pull_request(
    state: ReviewState,
    author: &Account,
    reviewer: &Account,
) -> Option<&'static str> {
    if author.login != reviewer.login {
        return None;
    }
    match state {
        ReviewState::Approved => Some("Can not approve your own pull request"),
        ReviewState::ChangesRequested => Some("Can not request changes on your own pull request"),
        _ => None,
    }
}

pub(crate) fn create(state: &mut State, call: &Call, repo_name: &str, number: u64) -> Reply {
    let request: NewReview = match call.json(CREATE_DOCS) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let user = writer(call);
    let review_state = match request.event.as_deref() {
        None | Some("") => ReviewState::Pending,
        Some(event) => match parse_event(event) {
            Some(review_state) => review_state,
            None => return bad_event(event, CREATE_DOCS),
        },
    };
    let (commit_id, placements) = {
        let (_, pull) = match find_pull(state, repo_name, number, CREATE_DOCS) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if let Some(refusal) = own_pull_request(review_state, &pull.author, &user) {
            return Reply::unprocessable(&[refusal], CREATE_DOCS);
        }
        if review_state == ReviewState::Pending
            && pull
                .reviews
                .iter()
                .any(|r| r.state == ReviewState::Pending && r.user.login == user.login)
        {
            return Reply::unprocessable(
                &["User can only have one pending review per pull request"],
                CREATE_DOCS,
            );
        }
        let commit_id = request
            .commit_id
            .clone()
            .unwrap_or_else(|| pull.head().to_owned());
        let Some(changes) = pull.changes.get(&commit_id) else {
            return Reply::unprocessable(
                &["commit_id is not part of the pull request"],
                CREATE_DOCS,
            );
        };
        let mut placements = Vec::new();
        let mut errors: Vec<&'static str> = Vec::new();
        for comment in &request.comments {
            let refused = comment.anchor.line.is_some_and(|line| {
                state.refused_lines.contains(&(
                    repo_name.to_owned(),
                    number,
                    comment.anchor.path.clone(),
                    line,
                ))
            });
            let placed = if refused {
                Err(Misplaced::Line)
            } else {
                place(changes, state.max_patch_bytes, &comment.anchor)
            };
            match placed {
                Ok(placement) => placements.push((placement, comment.body.clone())),
                Err(misplaced) if !errors.contains(&misplaced.message()) => {
                    errors.push(misplaced.message());
                }
                Err(_) => {}
            }
        }
        if !errors.is_empty() {
            return Reply::unprocessable(&errors, CREATE_DOCS);
        }
        (commit_id, placements)
    };

    let review_id = state.next_id();
    let now = now_timestamp();
    let comments: Vec<ReviewComment> = placements
        .into_iter()
        .map(|(placement, body)| ReviewComment {
            id: state.next_id(),
            review_id,
            ..placement.into_comment(&commit_id, body, &user, &now)
        })
        .collect();
    let review = Review {
        id: review_id,
        user,
        body: request.body.unwrap_or_default(),
        state: review_state,
        commit_id,
        submitted_at: (review_state != ReviewState::Pending).then(|| now.clone()),
        comments,
    };
    add_review(state, repo_name, number, review);
    get(state, repo_name, number, review_id)
}

/// Stores a review and moves its comments to the head when they were made on an earlier
/// commit whose file the head did not change.
pub(crate) fn add_review(state: &mut State, repo_name: &str, number: u64, review: Review) {
    let max = state.max_patch_bytes;
    if let Some(repo) = state.repos.get_mut(repo_name) {
        if let Some(pull) = repo.pulls.get_mut(&number) {
            pull.reviews.push(review);
            pull.updated_at = now_timestamp();
        }
        refresh_positions(repo, number, max);
    }
}

/// Whether `review` is visible to `viewer`: a pending review only to its author.
fn visible(review: &Review, viewer: Option<&Account>) -> bool {
    review.state != ReviewState::Pending || viewer.is_some_and(|v| v.login == review.user.login)
}

fn viewer(call: &Call) -> Option<Account> {
    match &call.caller {
        crate::auth::Caller::Token { account, .. } => Some(account.clone()),
        _ => None,
    }
}

pub(crate) fn list(state: &State, call: &Call, repo_name: &str, number: u64) -> Reply {
    let (repo, pull) = match find_pull(state, repo_name, number, REVIEWS_DOCS) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let viewer = viewer(call);
    let reviews: Vec<Value> = pull
        .reviews
        .iter()
        .filter(|r| visible(r, viewer.as_ref()))
        .map(|r| shapes::review(&state.urls, repo, number, r))
        .collect();
    page_reply(
        &reviews,
        &call.query,
        &list_url(state, repo, &format!("pulls/{number}/reviews")),
    )
}

pub(crate) fn get(state: &State, repo_name: &str, number: u64, id: u64) -> Reply {
    let (repo, pull) = match find_pull(state, repo_name, number, REVIEWS_DOCS) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    match pull.reviews.iter().find(|r| r.id == id) {
        Some(review) => Reply::ok(&shapes::review(&state.urls, repo, number, review)),
        None => Reply::not_found(REVIEWS_DOCS),
    }
}

pub(crate) fn comments(state: &State, call: &Call, repo_name: &str, number: u64, id: u64) -> Reply {
    let (repo, pull) = match find_pull(state, repo_name, number, REVIEWS_DOCS) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let viewer = viewer(call);
    let Some(review) = pull
        .reviews
        .iter()
        .find(|r| r.id == id && visible(r, viewer.as_ref()))
    else {
        return Reply::not_found(REVIEWS_DOCS);
    };
    let listed: Vec<Value> = review
        .comments
        .iter()
        .map(|c| shapes::review_comment(&state.urls, repo, number, c))
        .collect();
    page_reply(
        &listed,
        &call.query,
        &list_url(
            state,
            repo,
            &format!("pulls/{number}/reviews/{id}/comments"),
        ),
    )
}

pub(crate) fn delete_pending(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    number: u64,
    id: u64,
) -> Reply {
    let user = writer(call);
    let reply = get(state, repo_name, number, id);
    let Some(pull) = state.pull_mut(repo_name, number) else {
        return Reply::not_found(DELETE_DOCS);
    };
    let Some(index) = pull.reviews.iter().position(|r| r.id == id) else {
        return Reply::not_found(DELETE_DOCS);
    };
    let review = &pull.reviews[index];
    if review.state != ReviewState::Pending {
        return Reply::unprocessable(
            &["Can not delete a non-pending pull request review"],
            DELETE_DOCS,
        );
    }
    if review.user.login != user.login {
        return Reply::not_found(DELETE_DOCS);
    }
    pull.reviews.remove(index);
    reply
}

#[derive(Deserialize)]
struct SubmitReview {
    #[serde(default)]
    body: Option<String>,
    event: String,
}

pub(crate) fn submit(
    state: &mut State,
    call: &Call,
    repo_name: &str,
    number: u64,
    id: u64,
) -> Reply {
    let request: SubmitReview = match call.json(SUBMIT_DOCS) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let Some(review_state) = parse_event(&request.event) else {
        return bad_event(&request.event, SUBMIT_DOCS);
    };
    let user = writer(call);
    let Some(pull) = state.pull_mut(repo_name, number) else {
        return Reply::not_found(SUBMIT_DOCS);
    };
    let author = pull.author.clone();
    let Some(review) = pull.review_mut(id).filter(|r| r.user.login == user.login) else {
        return Reply::not_found(SUBMIT_DOCS);
    };
    if review.state != ReviewState::Pending {
        return Reply::unprocessable(&["Can not submit a non-pending review"], SUBMIT_DOCS);
    }
    if let Some(refusal) = own_pull_request(review_state, &author, &user) {
        return Reply::unprocessable(&[refusal], SUBMIT_DOCS);
    }
    review.state = review_state;
    review.submitted_at = Some(now_timestamp());
    if let Some(body) = request.body {
        review.body = body;
    }
    get(state, repo_name, number, id)
}
