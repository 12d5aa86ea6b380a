//! How a Java taint rule reports: the flows the analysis found at the node being
//! checked, one finding per sink and kind however many callers reach it.

use tree_sitter::Node;

use crate::Checker;
use crate::taint::SinkKind;
pub use crate::taint::outcome::Outcome;
use crate::taint::outcome::{self, Recorded};

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
    // Parameters of a method called in this file are judged at its call sites.
    let called = method
        .child_by_field_name("name")
        .is_some_and(|n| taint.is_called(cx.text(n)));
    let recorded = Recorded {
        flows: &result.flows,
        reach: &result.reach,
        dead: false,
    };
    outcome::judge(&recorded, key, kind, called, cx, |flow| {
        taint.mark_reported(kind, flow.sink)
    })
}
