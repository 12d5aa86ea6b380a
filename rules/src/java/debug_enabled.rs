use tree_sitter::Node;

use crate::java::calls::Call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for debugging switched on in code that ships: Spring Security's
    /// `@EnableWebSecurity(debug = true)` and Android's
    /// `WebView.setWebContentsDebuggingEnabled(true)`.
    ///
    /// ## Why is this bad?
    /// Spring Security's debug mode logs every request with its headers, cookies and
    /// session, and the security filter chain, at `INFO`: session ids and credentials
    /// end up in the logs. Its own documentation says it must not be used in
    /// production. WebView debugging lets anyone with USB or ADB access attach Chrome
    /// DevTools to the app's web content and read or change its pages, cookies and
    /// storage.
    ///
    /// ## Example
    /// ```java
    /// @EnableWebSecurity(debug = true)
    /// public class SecurityConfig { .. }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// @EnableWebSecurity
    /// public class SecurityConfig { .. }
    /// ```
    pub DebugEnabled {
        id: "java-debug-enabled",
        title: "Debugging enabled in shipped code",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [489, 215],
        precision: High,
        kinds: ["annotation", "method_invocation"],
        fix: "Remove the debug switch, or tie it to a development-only setting",
    }
}

impl Rule for DebugEnabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "annotation" {
            let is_web_security = node
                .child_by_field_name("name")
                .is_some_and(|n| cx.text(n).rsplit('.').next() == Some("EnableWebSecurity"));
            if !is_web_security {
                return;
            }
            let Some(args) = node.child_by_field_name("arguments") else {
                return;
            };
            let debug = ast::named_children(args).into_iter().find(|pair| {
                pair.kind() == "element_value_pair"
                    && pair
                        .child_by_field_name("key")
                        .is_some_and(|k| cx.text(k) == "debug")
                    && pair
                        .child_by_field_name("value")
                        .is_some_and(|v| v.kind() == "true")
            });
            if let Some(debug) = debug {
                cx.report(
                    debug,
                    "Spring Security debug mode logs every request with its headers and session: not for production",
                );
            }
            return;
        }
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name == "setWebContentsDebuggingEnabled"
            && call.receiver_name(cx) == "WebView"
            && call.arg(0).is_some_and(|a| a.kind() == "true")
        {
            cx.report(
                node,
                "WebView debugging lets anyone with ADB access inspect and change the app's web content",
            )
            .help("Enable it only in debug builds: `setWebContentsDebuggingEnabled(BuildConfig.DEBUG)`");
        }
    }
}
