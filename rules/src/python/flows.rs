//! How a Python taint rule reports: the flows the analysis found at the node being
//! checked, one finding per sink and kind however many callers reach it.

use tree_sitter::Node;

use crate::Checker;
pub use crate::taint::outcome::Outcome;
use crate::taint::outcome::{self, Recorded};
use crate::taint::{Label, SinkKind};

/// Reports the flows of `kind` found at `node`, the node a rule is checking.
pub fn check<'t>(node: Node<'t>, cx: &Checker<'t>, kind: SinkKind) -> Outcome {
    let taint = cx.python_taint();
    if !taint.is_active() {
        return Outcome::Unknown;
    }
    let function = taint.enclosing(cx.ancestors());
    let result = taint.analysis(cx.python(), function);
    let key = (node.start_byte(), node.end_byte());
    let called = function.kind() == "function_definition"
        && function
            .child_by_field_name("name")
            .is_some_and(|n| taint.is_called(cx.text(n)));
    let recorded = Recorded {
        flows: &result.flows,
        reach: &result.reach,
        dead: result.is_dead(node),
    };
    outcome::judge(&recorded, key, kind, called, cx, |flow| {
        taint.mark_reported(kind, flow.sink)
    })
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
