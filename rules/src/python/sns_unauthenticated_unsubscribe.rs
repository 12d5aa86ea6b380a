use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for boto3 SNS `confirm_subscription(TopicArn=..., Token=...)` calls that do
    /// not pass `AuthenticateOnUnsubscribe="true"`, or pass it as false.
    ///
    /// ## Why is this bad?
    /// Without that flag the subscription can be cancelled by anyone holding the
    /// unsubscribe link, which is in every message the endpoint receives and travels in
    /// forwarded mail, logs and proxies. An attacker who sees one notification can
    /// silently stop the delivery of alerts, orders or audit events. With the flag set,
    /// unsubscribing requires signed AWS credentials.
    ///
    /// ## Example
    /// ```python
    /// def confirm(sns, message):
    ///     sns.confirm_subscription(TopicArn=message["TopicArn"], Token=message["Token"])
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def confirm(sns, message):
    ///     sns.confirm_subscription(
    ///         TopicArn=message["TopicArn"],
    ///         Token=message["Token"],
    ///         AuthenticateOnUnsubscribe="true",
    ///     )
    /// ```
    pub SnsUnauthenticatedUnsubscribe {
        id: "py-sns-unauthenticated-unsubscribe",
        title: "SNS subscription confirmed without authenticated unsubscribe",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [306],
        precision: High,
        kinds: ["call"],
        fix: "Pass `AuthenticateOnUnsubscribe=\"true\"` to `confirm_subscription`",
    }
}

impl Rule for SnsUnauthenticatedUnsubscribe {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("confirm_subscription") {
            return;
        }
        // boto3 takes keyword arguments only; the topic and token mark the SNS client.
        if call::keyword(node, "TopicArn", cx.source()).is_none()
            || call::keyword(node, "Token", cx.source()).is_none()
            || call::has_keyword_splat(node)
        {
            return;
        }
        let message = match call::keyword(node, "AuthenticateOnUnsubscribe", cx.source()) {
            None => "without `AuthenticateOnUnsubscribe`, anyone with the unsubscribe link in a message can cancel this subscription",
            Some(value) if is_false(value, cx) => {
                "`AuthenticateOnUnsubscribe` is false, so anyone with the unsubscribe link in a message can cancel this subscription"
            }
            Some(_) => return,
        };
        cx.report(node, message)
            .help("Pass `AuthenticateOnUnsubscribe=\"true\"` so only signed requests can unsubscribe");
    }
}

/// `False`, `"false"`, `"False"` or `"0"`.
fn is_false(value: Node<'_>, cx: &Checker<'_>) -> bool {
    let value = ast::unparenthesize(value);
    value.kind() == "false"
        || cx
            .python()
            .constant_str(value)
            .is_some_and(|s| s.eq_ignore_ascii_case("false") || s == "0")
}
