//! How a Java taint rule reports: the flows the analysis found at the node being
//! checked, one finding per sink and kind however many callers reach it.

use tree_sitter::Node;

use crate::Checker;
use crate::taint::{Flow, Label, SinkKind};

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

/// Reports the flows of `kind` found at `node`, the node a rule is checking.
pub fn check<'t>(node: Node<'t>, cx: &Checker<'t>, kind: SinkKind) -> Outcome {
    let taint = cx.java_taint();
    if !taint.is_active() || !taint.is_candidate(node, kind) {
        return Outcome::Unknown;
    }
    let Some(method) = taint.enclosing(cx.ancestors()) else {
        return Outcome::Unknown;
    };
    let result = taint.analysis(cx.java(), method);
    let key = (node.start_byte(), node.end_byte());
    let mut any = false;
    for (_, flow) in result
        .flows
        .iter()
        .filter(|(k, f)| *k == key && f.kind == kind)
    {
        any = true;
        if taint.mark_reported(kind, flow.sink) {
            report(flow, cx);
        }
    }
    if any {
        return Outcome::Reported;
    }
    let mut reached = result
        .reach
        .iter()
        .filter(|(k, sk, _)| *k == key && *sk == kind)
        .peekable();
    if reached.peek().is_none() {
        return Outcome::Unknown;
    }
    // Parameters of a method called in this file are judged at its call sites.
    let called = method
        .child_by_field_name("name")
        .is_some_and(|n| taint.is_called(cx.text(n)));
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
