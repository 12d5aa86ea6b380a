//! How a Python taint rule reports: the flows the analysis found at the node being
//! checked, one finding per sink and kind however many callers reach it.

use tree_sitter::Node;

use crate::Checker;
use crate::taint::{Flow, Label, SinkKind};

/// What the taint analysis says about a node for one sink kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A source reaches the sink; reported (now or from another caller).
    Reported,
    /// The node is a sink of this kind and only values fixed by the program reach it, or
    /// it sits in code that never runs.
    Clean,
    /// The node is not such a sink, the file has no sources, or a parameter or opaque
    /// value reaches it: the older non-constant rules decide.
    Unknown,
}

/// Reports the flows of `kind` found at `node`, the node a rule is checking.
pub fn check<'t>(node: Node<'t>, cx: &Checker<'t>, kind: SinkKind) -> Outcome {
    let taint = cx.python_taint();
    if !taint.is_active() {
        return Outcome::Unknown;
    }
    let function = taint.enclosing(cx.ancestors());
    let result = taint.analysis(cx.python(), function);
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
        // Code under a constant false condition never runs, whatever it would do.
        return if result.is_dead(node) {
            Outcome::Clean
        } else {
            Outcome::Unknown
        };
    }
    // Parameters of a function called in this file are judged at its call sites.
    let called = function.kind() == "function_definition"
        && function
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

/// Whether only values the program computed itself (fields, results of unknown calls)
/// reach `node` as a sink of `kind`: no parameter and no source. The non-constant rules
/// stay silent then, because nothing shows the value comes from outside. Runs the
/// analysis of the enclosing function even in a file without sources.
pub fn only_internal_values_reach<'t>(node: Node<'t>, cx: &Checker<'t>, kind: SinkKind) -> bool {
    let taint = cx.python_taint();
    let function = taint.enclosing(cx.ancestors());
    let result = taint.analysis(cx.python(), function);
    let key = (node.start_byte(), node.end_byte());
    let mut reached = result
        .reach
        .iter()
        .filter(|(k, sk, _)| *k == key && *sk == kind)
        .peekable();
    reached.peek().is_some()
        && reached.all(|(_, _, v)| {
            v.all_origins()
                .iter()
                .all(|o| o.safe.contains(kind) || matches!(o.label, Label::Opaque))
        })
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
