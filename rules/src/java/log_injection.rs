//! `java-log-injection`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters passed to a logger
    /// (SLF4J, Log4j, commons-logging, `java.util.logging`): `info`, `warn`, `error`,
    /// `debug`, `trace`, `log` and the `java.util.logging` levels. Both the message and
    /// `{}` arguments are checked, since layouts write arguments as they are.
    ///
    /// Values checked against an allow-list or a strict pattern, converted to numbers, or
    /// with their line breaks removed (`replaceAll("[\\r\\n]", "")`) are fine.
    ///
    /// ## Why is this bad?
    /// A line break in the input starts a forged log entry, which can hide an attack or
    /// frame another user; control characters can also attack the tools that display logs.
    ///
    /// ## Example
    /// ```java
    /// String user = request.getParameter("user");
    /// log.info("login failed for " + user);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String user = request.getParameter("user");
    /// log.info("login failed for {}", user.replaceAll("[\\r\\n]", "_"));
    /// ```
    pub LogInjection {
        id: "java-log-injection",
        title: "Untrusted input written to a log",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [117],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Remove or encode line breaks in input before logging it, or use a layout that encodes them",
    }
}

impl Rule for LogInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Log);
    }
}
