use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `datetime` values created without a time zone:
    /// `datetime.now()` and `datetime.fromtimestamp(ts)` without `tz=`,
    /// `datetime.today()`, and the deprecated `datetime.utcnow()` and
    /// `datetime.utcfromtimestamp(ts)`. A call followed directly by `.astimezone()` or
    /// `.replace(tzinfo=...)` is fine.
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
        if made_aware(cx) {
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
