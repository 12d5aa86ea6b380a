use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for Paramiko SSH clients told to accept unknown host keys:
    /// `set_missing_host_key_policy(AutoAddPolicy())` or `WarningPolicy()` (the class or
    /// an instance).
    ///
    /// ## Why is this bad?
    /// The host key is how an SSH client knows it reached the real server. Accepting any
    /// key the first time (or every time, with `WarningPolicy`) lets whoever sits on the
    /// network path answer instead: they receive the password or run the session,
    /// reading and changing the commands and files that cross it.
    ///
    /// ## Example
    /// ```python
    /// import paramiko
    ///
    /// def deploy(host):
    ///     client = paramiko.SSHClient()
    ///     client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    ///     client.connect(host, username="deploy")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import paramiko
    ///
    /// def deploy(host):
    ///     client = paramiko.SSHClient()
    ///     client.load_system_host_keys()
    ///     client.set_missing_host_key_policy(paramiko.RejectPolicy())
    ///     client.connect(host, username="deploy")
    /// ```
    pub ParamikoAutoAddPolicy {
        id: "py-paramiko-auto-add-policy",
        title: "SSH client accepts unknown host keys",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [322, 295],
        precision: High,
        kinds: ["call"],
        fix: "Load known host keys and keep `RejectPolicy` (the default)",
    }
}

const ACCEPTING_POLICIES: &[&str] = &[
    "paramiko.AutoAddPolicy",
    "paramiko.WarningPolicy",
    "paramiko.client.AutoAddPolicy",
    "paramiko.client.WarningPolicy",
];

impl Rule for ParamikoAutoAddPolicy {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("set_missing_host_key_policy") {
            return;
        }
        let Some(policy) = call::argument(node, 0, "policy", cx.source()) else {
            return;
        };
        let policy = ast::unparenthesize(policy);
        let name = match policy.kind() {
            "call" => cx.python().resolve_call(policy),
            _ => cx.python().resolve(policy),
        };
        let Some(name) = name.filter(|n| ACCEPTING_POLICIES.contains(&n.as_str())) else {
            return;
        };
        let class = name.rsplit('.').next().unwrap_or(&name);
        cx.report(
            policy,
            format!("`{class}` accepts any host key, so a machine in the middle can impersonate the server"),
        )
        .help("Call `load_system_host_keys()` (or `load_host_keys(path)`) and keep `RejectPolicy`");
    }
}
