use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for TLS connections set up with an obsolete protocol version:
    /// `SSLContext.getInstance("SSLv3")`, `"TLSv1"` or `"TLSv1.1"`, and
    /// `setEnabledProtocols(..)` or `setProtocols(..)` given a list that includes one
    /// of them. `SSLContext.getInstance("SSL")` is not reported: current JDKs and
    /// Android give it the same TLS 1.2 and 1.3 defaults as `"TLS"`.
    ///
    /// ## Why is this bad?
    /// SSL 3.0 is broken by POODLE, and TLS 1.0 and 1.1 by BEAST-era weaknesses and
    /// their reliance on SHA-1 and MD5; RFC 8996 deprecates them and current browsers
    /// and JDKs refuse them. Asking for them either fails against up-to-date peers or,
    /// where a peer still accepts them, lets an attacker on the network downgrade the
    /// connection and decrypt or alter it.
    ///
    /// ## Example
    /// ```java
    /// SSLContext context = SSLContext.getInstance("TLSv1");
    /// socket.setEnabledProtocols(new String[] {"TLSv1", "TLSv1.2"});
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// SSLContext context = SSLContext.getInstance("TLSv1.3");
    /// socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
    /// ```
    pub InsecureTlsVersion {
        id: "java-insecure-tls-version",
        title: "Obsolete SSL/TLS protocol version",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [327, 757],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use `TLSv1.3` or `TLSv1.2` (`SSLContext.getInstance(\"TLS\")` picks them)",
    }
}

/// Protocol names that select an obsolete version.
fn is_obsolete(protocol: &str) -> bool {
    matches!(
        protocol,
        "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1"
    )
}

impl Rule for InsecureTlsVersion {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        match call.name {
            "getInstance" if call.receiver_name(cx) == "SSLContext" => {
                let Some(protocol) = call
                    .arg(0)
                    .and_then(|a| cx.java().constant_str(a, cx.source()))
                else {
                    return;
                };
                if is_obsolete(&protocol) {
                    cx.report(
                        node,
                        format!("`SSLContext.getInstance(\"{protocol}\")` selects an obsolete protocol that can be downgraded and broken"),
                    );
                }
            }
            "setEnabledProtocols" | "setProtocols" if call.args.len() == 1 => {
                let Some(list) = call.arg(0) else {
                    return;
                };
                let Some(protocol) = protocols(list, cx).into_iter().find(|p| is_obsolete(p))
                else {
                    return;
                };
                cx.report(
                    node,
                    format!("`{protocol}` is enabled: an obsolete protocol that can be downgraded and broken"),
                )
                .help("Enable only `TLSv1.3` and `TLSv1.2`");
            }
            _ => {}
        }
    }
}

/// The constant strings of `new String[] {..}`, `{..}`, or a local or constant holding
/// one.
fn protocols<'t>(list: Node<'t>, cx: &Checker<'t>) -> Vec<String> {
    let mut list = ast::unparenthesize(list);
    if matches!(list.kind(), "identifier" | "field_access") {
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return Vec::new();
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let Some(value) = unit.resolve(&locals, list).and_then(|b| b.value()) else {
            return Vec::new();
        };
        list = ast::unparenthesize(value);
    }
    if list.kind() == "array_creation_expression" {
        match list.child_by_field_name("value") {
            Some(value) => list = value,
            None => return Vec::new(),
        }
    }
    if list.kind() != "array_initializer" {
        return Vec::new();
    }
    calls::arguments(list)
        .into_iter()
        .filter_map(|p| cx.java().constant_str(p, cx.source()))
        .collect()
}
