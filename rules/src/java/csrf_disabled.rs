use tree_sitter::Node;

use crate::java::calls::Call;
use crate::java::semantic;
use crate::{Checker, Rule, Span, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for Spring Security configurations that turn CSRF protection off:
    /// `http.csrf().disable()`, `http.csrf(c -> c.disable())` and
    /// `http.csrf(AbstractHttpConfigurer::disable)`.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// With CSRF protection off, any web page a logged-in user visits can make the
    /// browser send a state-changing request (a transfer, a password change) to the
    /// application, with the user's session cookie attached. Disabling it is only safe
    /// for APIs that authenticate every request with a header the browser does not add
    /// by itself (a bearer token), and never with cookies.
    ///
    /// ## Example
    /// ```java
    /// http.csrf(AbstractHttpConfigurer::disable)
    ///     .authorizeHttpRequests(auth -> auth.anyRequest().authenticated())
    ///     .formLogin(Customizer.withDefaults());
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// http.csrf(Customizer.withDefaults())
    ///     .authorizeHttpRequests(auth -> auth.anyRequest().authenticated())
    ///     .formLogin(Customizer.withDefaults());
    /// ```
    pub CsrfDisabled {
        id: "java-csrf-disabled",
        title: "CSRF protection disabled",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [352],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Keep CSRF protection on; ignore it only for endpoints authenticated by a bearer token (`ignoringRequestMatchers`)",
        skip_tests: true,
    }
}

impl Rule for CsrfDisabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let csrf = match (call.name, call.args.as_slice()) {
            // `http.csrf().disable()`
            ("disable", []) => call
                .object
                .and_then(|o| Call::of(o, cx))
                .filter(|c| c.name == "csrf" && c.args.is_empty()),
            ("csrf", [customizer]) if disables(ast::unparenthesize(*customizer), cx) => Some(call),
            _ => None,
        };
        // From `csrf` to the end of the call, without the receiver chain before it.
        if let Some(start) = csrf.and_then(|c| c.node.child_by_field_name("name")) {
            let span = Span::from_bytes(cx.source(), start.start_byte(), node.end_byte());
            cx.report_span(span, "CSRF protection is disabled: other sites can send requests with the user's session");
        }
    }
}

/// `AbstractHttpConfigurer::disable`, `CsrfConfigurer::disable`, `c -> c.disable()`,
/// `c -> { c.disable(); }`.
fn disables<'t>(customizer: Node<'t>, cx: &Checker<'t>) -> bool {
    match customizer.kind() {
        "method_reference" => cx.text(customizer).ends_with("::disable"),
        "lambda_expression" => {
            let Some(body) = customizer.child_by_field_name("body") else {
                return false;
            };
            let expr = if body.kind() == "block" {
                match semantic::statements(body).as_slice() {
                    [only] if only.kind() == "expression_statement" => only.named_child(0),
                    _ => None,
                }
            } else {
                Some(body)
            };
            expr.and_then(|e| Call::of(e, cx))
                .is_some_and(|c| c.name == "disable" && c.args.is_empty())
        }
        _ => false,
    }
}
