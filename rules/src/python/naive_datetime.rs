use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `datetime` values created without a time zone:
    /// `datetime.now()` and `datetime.fromtimestamp(ts)` without `tz=`,
    /// `datetime.today()`, and the deprecated `datetime.utcnow()` and
    /// `datetime.utcfromtimestamp(ts)`. A call followed directly by `.astimezone()` or
    /// `.replace(tzinfo=...)` is fine, and so is local time that is only formatted
    /// (`now().strftime(...)`) or subtracted from another reading to time something.
    ///
    /// ## Why is this bad?
    /// A naive datetime carries no time zone, so Python assumes whatever the reader
    /// assumes. `utcnow()` returns UTC wall-clock time that `.timestamp()` and
    /// `.astimezone()` then treat as local time, shifting it by the server's offset.
    /// Comparing naive and aware values raises `TypeError`; storing naive values mixes
    /// zones as soon as two servers, a daylight-saving change or a user abroad are
    /// involved.
    ///
    /// ## Example
    /// ```python
    /// from datetime import datetime
    ///
    /// def expires_at(ttl):
    ///     return datetime.utcnow() + ttl
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import datetime, timezone
    ///
    /// def expires_at(ttl):
    ///     return datetime.now(timezone.utc) + ttl
    /// ```
    pub NaiveDatetime {
        id: "py-naive-datetime",
        title: "Datetime without a time zone",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["call"],
        fix: "Pass a time zone: `datetime.now(timezone.utc)`, `datetime.fromtimestamp(ts, tz=timezone.utc)`",
    }
}

impl Rule for NaiveDatetime {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(method) = call::callee_name(node, cx.source()) else {
            return;
        };
        if !matches!(
            method,
            "now" | "today" | "utcnow" | "fromtimestamp" | "utcfromtimestamp"
        ) {
            return;
        }
        if cx.python().resolve_call(node).as_deref() != Some(&format!("datetime.datetime.{method}"))
        {
            return;
        }
        let tz = match method {
            "now" => call::argument(node, 0, "tz", cx.source()),
            "fromtimestamp" => call::argument(node, 1, "tz", cx.source()),
            _ => None,
        };
        if tz.is_some_and(|t| ast::unparenthesize(t).kind() != "none") || call::has_keyword_splat(node) {
            return;
        }
        if made_aware(cx) || local_clock_use(node, cx) {
            return;
        }
        let (message, help) = match method {
            "utcnow" | "utcfromtimestamp" => (
                format!("`datetime.{method}()` returns a naive datetime that later code takes for local time"),
                if method == "utcnow" {
                    "Use `datetime.now(timezone.utc)`"
                } else {
                    "Use `datetime.fromtimestamp(ts, tz=timezone.utc)`"
                },
            ),
            "today" => (
                "`datetime.today()` returns a naive local datetime".to_string(),
                "Use `datetime.now(tz)` with an explicit time zone",
            ),
            _ => (
                format!("`datetime.{method}()` without `tz` returns a naive local datetime"),
                "Pass a time zone, e.g. `tz=timezone.utc`",
            ),
        };
        cx.report(node, message).help(help);
    }
}

/// `datetime.now().astimezone()`, `datetime.utcnow().replace(tzinfo=timezone.utc)`.
fn made_aware(cx: &Checker<'_>) -> bool {
    let mut ancestors = cx.ancestors();
    let (Some(attribute), Some(outer)) = (ancestors.next(), ancestors.next()) else {
        return false;
    };
    if attribute.kind() != "attribute" || outer.kind() != "call" {
        return false;
    }
    match attribute
        .child_by_field_name("attribute")
        .map(|a| cx.text(a))
    {
        Some("astimezone") => true,
        Some("replace") => call::keyword(outer, "tzinfo", cx.source())
            .is_some_and(|t| ast::unparenthesize(t).kind() != "none"),
        _ => false,
    }
}

/// Whether the naive value is only read as local wall-clock time or subtracted from
/// another reading: `now().strftime(...)`, `now() - start`, or `start = now()` whose
/// every use is a subtraction. Such code measures or prints local time and never mixes
/// it with aware values.
fn local_clock_use(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let mut ancestors = cx.ancestors();
    let Some(parent) = ancestors.next() else {
        return false;
    };
    match parent.kind() {
        "attribute" => parent
            .child_by_field_name("attribute")
            .is_some_and(|a| matches!(cx.text(a), "strftime" | "ctime")),
        "binary_operator" => is_subtraction(parent, cx),
        "assignment" => {
            let Some(left) = parent.child_by_field_name("left") else {
                return false;
            };
            if left.kind() != "identifier" {
                return false;
            }
            let name = cx.text(left);
            let scope = ancestors
                .find(|a| a.kind() == "function_definition")
                .unwrap_or_else(|| cx.root());
            let mut uses = ast::descendants(scope)
                .filter(|n| n.kind() == "identifier" && cx.text(*n) == name && *n != left)
                .filter(|n| n.start_byte() > node.end_byte())
                .peekable();
            uses.peek().is_some()
                && uses.all(|u| u.parent().is_some_and(|p| is_subtraction(p, cx)))
        }
        _ => false,
    }
}

fn is_subtraction(node: Node<'_>, cx: &Checker<'_>) -> bool {
    node.kind() == "binary_operator"
        && node
            .child_by_field_name("operator")
            .is_some_and(|o| cx.text(o) == "-")
}
