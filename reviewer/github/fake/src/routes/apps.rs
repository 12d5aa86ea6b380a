//! GitHub App endpoints, called with the app's JWT: the app itself, its installations,
//! a repository's installation, and minting installation access tokens.

use std::time::{Duration, UNIX_EPOCH};

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::auth::Caller;
use crate::model::Access;
use crate::reply::{Reply, page_reply};
use crate::server::Call;
use crate::shapes;
use crate::state::{State, Token, TokenKind, timestamp};

const APP_DOCS: &str = "https://docs.github.com/rest/apps/apps";
const TOKEN_DOCS: &str =
    "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app";

/// How long an installation token lives, as on GitHub.
const TOKEN_LIFETIME_SECS: u64 = 3600;

pub(crate) fn route(state: &mut State, call: &Call, app_id: u64, rest: &[&str]) -> Reply {
    let Some(app) = state.apps.get(&app_id) else {
        return Reply::jwt_required();
    };
    let installation_id = |text: &str| {
        text.parse::<u64>()
            .ok()
            .and_then(|id| state.installations.get(&id))
            .filter(|i| i.app_id == app_id)
            .cloned()
    };
    match (&call.method, rest) {
        (&Method::GET, []) => Reply::ok(&shapes::app(&state.urls, app)),
        (&Method::GET, ["installations"]) => {
            let listed: Vec<Value> = state
                .installations
                .values()
                .filter(|i| i.app_id == app_id)
                .map(|i| shapes::installation(&state.urls, i, app))
                .collect();
            page_reply(&listed, &call.query, &state.urls.api("/app/installations"))
        }
        (&Method::GET, ["installations", id]) => match installation_id(id) {
            Some(installation) => Reply::ok(&shapes::installation(&state.urls, &installation, app)),
            None => Reply::not_found(APP_DOCS),
        },
        (&Method::POST, ["installations", id, "access_tokens"]) => match installation_id(id) {
            Some(installation) => mint(state, call, app_id, installation.id),
            None => Reply::not_found(TOKEN_DOCS),
        },
        _ => Reply::not_found(APP_DOCS),
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    #[serde(default)]
    repositories: Option<Vec<String>>,
    #[serde(default)]
    repository_ids: Option<Vec<u64>>,
}

/// `POST /app/installations/{id}/access_tokens`: a token for the installation's
/// repositories, or for the subset the body names.
fn mint(state: &mut State, call: &Call, app_id: u64, installation_id: u64) -> Reply {
    let request: TokenRequest = match call.json(TOKEN_DOCS) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let (Some(app), Some(installation)) = (
        state.apps.get(&app_id).cloned(),
        state.installations.get(&installation_id).cloned(),
    ) else {
        return Reply::not_found(TOKEN_DOCS);
    };
    let owner = installation.account.login.clone();
    let mut wanted: Vec<String> = Vec::new();
    for name in request.repositories.iter().flatten() {
        wanted.push(if name.contains('/') {
            name.clone()
        } else {
            format!("{owner}/{name}")
        });
    }
    for id in request.repository_ids.iter().flatten() {
        match state.repo_by_id(*id) {
            Some(repo) => wanted.push(repo.full_name()),
            None => wanted.push(format!("#{id}")),
        }
    }
    let asked = !wanted.is_empty();
    if wanted.iter().any(|r| !installation.repos.contains(r)) {
        return Reply::unprocessable(
            &[
                "There is at least one repository that does not exist or is not accessible to the parent installation.",
            ],
            TOKEN_DOCS,
        );
    }
    let scope = if asked {
        wanted
    } else {
        installation.repos.clone()
    };

    let minted = state.tokens.len() as u64 + state.requests_seen;
    let digest = Sha1::digest(format!("{app_id}:{installation_id}:{minted}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let token = format!("ghs_{}", &hex[..36]);
    let expires_at = call.now + TOKEN_LIFETIME_SECS;
    state.tokens.insert(
        token.clone(),
        Token {
            access: Access::Write,
            account: app.bot(),
            kind: TokenKind::Installation {
                app_id,
                installation_id,
            },
            expires_at: Some(expires_at),
            scope: Some(scope.clone()),
        },
    );
    let mut answer = json!({
        "token": token,
        "expires_at": timestamp(UNIX_EPOCH + Duration::from_secs(expires_at)),
        "permissions": shapes::app_permissions(),
        "repository_selection": "selected",
    });
    if asked && let Some(map) = answer.as_object_mut() {
        let repositories: Vec<Value> = scope
            .iter()
            .filter_map(|name| state.repos.get(name))
            .map(|repo| shapes::repo(&state.urls, repo))
            .collect();
        map.insert("repositories".to_owned(), Value::Array(repositories));
    }
    Reply::created(&answer)
}

/// `GET /repos/{o}/{r}/installation`: the calling app's installation on the repository.
pub(crate) fn repo_installation(state: &State, call: &Call, repo: &str) -> Reply {
    let docs = "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app";
    let Caller::App { app_id } = call.caller else {
        return Reply::jwt_required();
    };
    let Some(app) = state.apps.get(&app_id) else {
        return Reply::jwt_required();
    };
    match state
        .installations
        .values()
        .find(|i| i.app_id == app_id && i.repos.iter().any(|r| r == repo))
    {
        Some(installation) => Reply::ok(&shapes::installation(&state.urls, installation, app)),
        None => Reply::not_found(docs),
    }
}
