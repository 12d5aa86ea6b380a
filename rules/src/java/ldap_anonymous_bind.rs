use tree_sitter::Node;

use crate::java::calls::Call;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for JNDI LDAP contexts set up to bind anonymously:
    /// `env.put(Context.SECURITY_AUTHENTICATION, "none")`, or the same with the
    /// property name `"java.naming.security.authentication"`.
    ///
    /// ## Why is this bad?
    /// An anonymous bind sends no credentials, so the directory answers with whatever
    /// it allows anyone on the network to read. When the code uses the bind to check a
    /// user's password, any password passes. Either the application has more access
    /// than it should need, or it authenticates nobody.
    ///
    /// ## Example
    /// ```java
    /// env.put(Context.SECURITY_AUTHENTICATION, "none");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// env.put(Context.SECURITY_AUTHENTICATION, "simple");
    /// env.put(Context.SECURITY_PRINCIPAL, serviceDn);
    /// env.put(Context.SECURITY_CREDENTIALS, servicePassword);
    /// ```
    pub LdapAnonymousBind {
        id: "java-ldap-anonymous-bind",
        title: "LDAP context bound anonymously",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [287, 521],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Bind with `simple` (over LDAPS) or a SASL mechanism and the service's credentials",
    }
}

impl Rule for LdapAnonymousBind {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if !matches!(call.name, "put" | "setProperty" | "addToEnvironment") || call.args.len() != 2 {
            return;
        }
        let (Some(key), Some(value)) = (call.arg(0), call.arg(1)) else {
            return;
        };
        let unit = cx.java();
        let is_auth_key = cx.text(key).ends_with("SECURITY_AUTHENTICATION")
            || unit
                .constant_str(key, cx.source())
                .is_some_and(|k| k == "java.naming.security.authentication");
        if !is_auth_key {
            return;
        }
        if unit
            .constant_str(value, cx.source())
            .is_some_and(|v| v.eq_ignore_ascii_case("none"))
        {
            cx.report(
                node,
                "the LDAP context binds anonymously: no credentials are checked",
            );
        }
    }
}
