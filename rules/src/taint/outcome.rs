//! How a taint rule turns one function's analysis into findings, the same for every
//! front end: the flows recorded at the checked node are reported once per sink, and a
//! sink without flows is judged clean or left to the older non-constant rules.

use crate::Checker;
use crate::taint::{Flow, Label, SinkKind, Value};

/// A range of a node, used to key what is recorded at a node.
pub type Key = (usize, usize);

/// What the taint analysis says about a node for one sink kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A source reaches the sink; reported (now or from another caller).
    Reported,
    /// The node is a sink of this kind and only values fixed by the program reach it.
    Clean,
    /// The node is not such a sink, the file has no sources, or a parameter or opaque
    /// value reaches it: the older non-constant rules decide.
    Unknown,
}

/// What one function's analysis recorded, as the rules read it.
pub struct Recorded<'a> {
    pub flows: &'a [(Key, Flow)],
    pub reach: &'a [(Key, SinkKind, Value)],
    /// Whether the node is in code a constant false condition never runs.
    pub dead: bool,
}

/// Judges the node `key` for `kind`: reports each flow through `first_report` (which says
/// whether this sink was not reported yet), and otherwise decides between clean and
/// unknown. Parameters of a function called in this file (`called`) are judged at its
/// call sites, so they leave a sink clean here.
pub fn judge(
    recorded: &Recorded<'_>,
    key: Key,
    kind: SinkKind,
    called: bool,
    cx: &Checker<'_>,
    mut first_report: impl FnMut(&Flow) -> bool,
) -> Outcome {
    let mut any = false;
    for (_, flow) in recorded
        .flows
        .iter()
        .filter(|(k, f)| *k == key && f.kind == kind)
    {
        any = true;
        if first_report(flow) {
            report(flow, cx);
        }
    }
    if any {
        return Outcome::Reported;
    }
    let mut reached = recorded
        .reach
        .iter()
        .filter(|(k, sk, _)| *k == key && *sk == kind)
        .peekable();
    if reached.peek().is_none() {
        return if recorded.dead {
            Outcome::Clean
        } else {
            Outcome::Unknown
        };
    }
    let unresolved = reached.any(|(_, _, v)| {
        v.all_origins().iter().any(|o| {
            !o.safe.contains(kind)
                && match o.label {
                    Label::Opaque => true,
                    Label::Param(_) => !called,
                    Label::Source { .. } => false,
                }
        })
    });
    if unresolved {
        Outcome::Unknown
    } else {
        Outcome::Clean
    }
}

fn report(flow: &Flow, cx: &Checker<'_>) {
    let (what, line) = flow.source();
    let message = format!(
        "untrusted input from `{what}` (line {line}) reaches `{}` as {}",
        flow.sink_name,
        flow.kind.with_article()
    );
    let notes = flow.path().into_iter().map(|s| (s.span, s.note)).collect();
    cx.report_span(flow.sink, message).path(notes);
}
