//! `py-ldap-injection`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data in the filter or base DN of an LDAP search (`python-ldap`'s
/// `search_s`/`search_ext_s`, `ldap3`'s `Connection.search`). Values escaped with
/// `escape_filter_chars` are fine.
    ///
    /// ## Why is this bad?
    /// Filter syntax in the value (`*)(uid=*))(|(uid=*`) changes the query: an attacker
/// lists every entry or bypasses an authentication check.
    ///
    /// ## Example
    /// ```python
/// def find(conn):
///     user = request.args["user"]
///     return conn.search_s(BASE, ldap.SCOPE_SUBTREE, f"(uid={user})")
/// ```
///
/// Use instead:
/// ```python
/// from ldap.filter import escape_filter_chars
///
/// def find(conn):
///     user = escape_filter_chars(request.args["user"])
///     return conn.search_s(BASE, ldap.SCOPE_SUBTREE, f"(uid={user})")
/// ```
    pub LdapInjection {
        id: "py-ldap-injection",
        title: "LDAP query built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [90],
        precision: High,
        kinds: ["call"],
        fix: "Escape values with `ldap.filter.escape_filter_chars` (or ldap3's `escape_filter_chars`) before putting them in a filter",
    }
}

impl Rule for LdapInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Ldap);
    }
}
