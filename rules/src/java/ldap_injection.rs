//! `java-ldap-injection`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters in the base name or
    /// filter of an LDAP search: `DirContext.search(..)`, `InitialDirContext.search(..)`,
    /// `LdapTemplate.search(..)`.
    ///
    /// Values encoded with ESAPI `encodeForLDAP`/`encodeForDN`, numbers, and values checked
    /// against an allow-list are fine; so are filter arguments passed separately (`{0}`
    /// with a `filterArgs` array).
    ///
    /// ## Why is this bad?
    /// Characters such as `*`, `(`, `)` and `|` change the filter: `*)(uid=*` matches every
    /// entry, which can bypass a login check or list the whole directory.
    ///
    /// ## Example
    /// ```java
    /// String user = request.getParameter("user");
    /// ctx.search("ou=people,dc=example,dc=com", "(uid=" + user + ")", controls);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String user = request.getParameter("user");
    /// ctx.search("ou=people,dc=example,dc=com", "(uid={0})", new Object[] {user}, controls);
    /// ```
    pub LdapInjection {
        id: "java-ldap-injection",
        title: "LDAP filter built from untrusted input",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [90],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Pass values as filter arguments (`{0}` placeholders with a `filterArgs` array) or encode them for LDAP",
    }
}

impl Rule for LdapInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Ldap);
    }
}
