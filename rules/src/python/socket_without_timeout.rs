use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `socket.create_connection(address)` without a timeout, and for
    /// `connect` on a socket made by `socket.socket(...)` in a function that never calls
    /// `settimeout` or `setblocking`, in files that do not set
    /// `socket.setdefaulttimeout`.
    ///
    /// ## Why is this bad?
    /// A socket without a timeout blocks for as long as the peer or the network lets it:
    /// a `connect` to a host that drops packets waits for the operating system's limit
    /// (minutes), and a `recv` from a peer that stopped answering waits forever. Each
    /// stuck call holds a thread, a worker or a connection slot, so one unresponsive
    /// server can exhaust the whole service.
    ///
    /// ## Example
    /// ```python
    /// import socket
    ///
    /// def ping(host):
    ///     with socket.create_connection((host, 6379)) as conn:
    ///         conn.sendall(b"PING\r\n")
    ///         return conn.recv(64)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import socket
    ///
    /// def ping(host):
    ///     with socket.create_connection((host, 6379), timeout=5) as conn:
    ///         conn.sendall(b"PING\r\n")
    ///         return conn.recv(64)
    /// ```
    pub SocketWithoutTimeout {
        id: "py-socket-without-timeout",
        title: "Socket connected without a timeout",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [400],
        precision: Medium,
        kinds: ["call"],
        fix: "Pass `timeout=` to `create_connection`, or call `settimeout` before `connect`",
    }
}

/// Calls that give a socket, or every socket, a timeout or make it non-blocking.
const TIMEOUT_SETTERS: &[&str] = &["settimeout", "setblocking", "setdefaulttimeout"];

impl Rule for SocketWithoutTimeout {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let message = match call::callee_name(node, cx.source()) {
            Some("create_connection") => {
                if cx.python().resolve_call(node).as_deref() != Some("socket.create_connection")
                    || call::argument(node, 1, "timeout", cx.source()).is_some()
                    || call::has_keyword_splat(node)
                    || call::arguments(node).iter().any(|a| a.kind() == "list_splat")
                {
                    return;
                }
                "`socket.create_connection` without `timeout=` blocks for as long as the peer or the network lets it"
            }
            Some("connect" | "connect_ex") => {
                let Some(receiver) = call::receiver(node) else {
                    return;
                };
                let receiver = ast::unparenthesize(receiver);
                if !cx
                    .python()
                    .bound_calls(receiver)
                    .iter()
                    .any(|c| c == "socket.socket")
                {
                    return;
                }
                "this socket connects with no timeout set, so `connect` and later reads can block indefinitely"
            }
            _ => return,
        };
        let scope = place::enclosing_function(cx).unwrap_or(cx.root());
        if calls_timeout_setter(scope, cx) || calls_default_timeout(cx) {
            return;
        }
        cx.report(node, message)
            .help("Pass `timeout=` (seconds), or call `settimeout` on the socket before connecting");
    }
}

fn calls_timeout_setter(scope: Node<'_>, cx: &Checker<'_>) -> bool {
    place::body_nodes(scope).any(|n| {
        n.kind() == "call"
            && call::callee_name(n, cx.source()).is_some_and(|name| TIMEOUT_SETTERS.contains(&name))
    })
}

/// Whether anything in the file sets the default timeout of every new socket.
fn calls_default_timeout(cx: &Checker<'_>) -> bool {
    ast::descendants(cx.root()).any(|n| {
        n.kind() == "call" && call::callee_name(n, cx.source()) == Some("setdefaulttimeout")
    })
}
