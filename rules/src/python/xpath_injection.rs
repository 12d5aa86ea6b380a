//! `py-xpath-injection`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for request data in an XPath expression evaluated by lxml (`.xpath(...)`,
/// `etree.XPath`). Values passed as XPath variables are fine.
    ///
    /// ## Why is this bad?
    /// Quotes and operators in the value change the expression: `' or '1'='1` selects every
/// node, which bypasses lookups used for authentication or exposes other users' data.
    ///
    /// ## Example
    /// ```python
/// def lookup(tree):
///     name = request.args["name"]
///     return tree.xpath(f"//user[@name='{name}']")
/// ```
///
/// Use instead:
/// ```python
/// def lookup(tree):
///     return tree.xpath("//user[@name=$name]", name=request.args["name"])
/// ```
    pub XpathInjection {
        id: "py-xpath-injection",
        title: "XPath expression built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [643],
        precision: High,
        kinds: ["call"],
        fix: "Pass input as XPath variables: `tree.xpath("//user[@name=$name]", name=value)`",
    }
}

impl Rule for XpathInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Xpath);
    }
}
