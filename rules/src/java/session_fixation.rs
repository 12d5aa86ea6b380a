use tree_sitter::Node;

use crate::java::calls::Call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for Spring Security configured to keep the session across login:
    /// `sessionManagement().sessionFixation().none()`, and the lambda form
    /// `sessionFixation(fixation -> fixation.none())` or
    /// `sessionFixation(SessionFixationConfigurer::none)`.
    ///
    /// ## Why is this bad?
    /// With no protection, the session id a visitor had before logging in stays valid
    /// after. An attacker who plants a known session id in the victim's browser (through
    /// a link, a subdomain cookie or an XSS) is logged in as the victim the moment the
    /// victim signs in. Spring's default, `changeSessionId()`, issues a new id at login.
    ///
    /// ## Example
    /// ```java
    /// http.sessionManagement(session -> session.sessionFixation(fixation -> fixation.none()));
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// http.sessionManagement(session -> session.sessionFixation(fixation -> fixation.changeSessionId()));
    /// ```
    pub SessionFixation {
        id: "java-session-fixation",
        title: "Session fixation protection disabled",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [384],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Keep Spring's default `changeSessionId()`, or use `migrateSession()`",
    }
}

impl Rule for SessionFixation {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name != "sessionFixation" {
            return;
        }
        let disables = match call.arg(0) {
            // `sessionFixation().none()`
            None => cx
                .ancestors()
                .next()
                .and_then(|p| Call::of(p, cx))
                .is_some_and(|next| {
                    next.name == "none"
                        && next.args.is_empty()
                        && next.object.is_some_and(|o| o.id() == node.id())
                }),
            // `sessionFixation(f -> f.none())`, `sessionFixation(Configurer::none)`
            Some(arg) => match arg.kind() {
                "method_reference" => cx.text(arg).ends_with("::none"),
                "lambda_expression" => arg.child_by_field_name("body").is_some_and(|body| {
                    ast::descendants(body).any(|n| {
                        Call::of(n, cx).is_some_and(|c| c.name == "none" && c.args.is_empty())
                    })
                }),
                _ => false,
            },
        };
        if disables {
            cx.report(
                node,
                "session fixation protection is off: a session id planted before login stays valid after it",
            );
        }
    }
}
