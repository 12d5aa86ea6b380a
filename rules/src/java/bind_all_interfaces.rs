use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servers bound explicitly to every network interface: the wildcard
    /// address `"0.0.0.0"` or `"::"` written in `new InetSocketAddress(host, port)`,
    /// `InetAddress.getByName(host)`, or a server's `bind(host, port)` or
    /// `listen(port, host)`. Binding with only a port, the common default, is not
    /// reported, nor is port `0` (an ephemeral port, as clients and tests use).
    ///
    /// ## Why is this bad?
    /// A service bound to every interface is reachable from every network the machine
    /// is on: the public one, a Docker bridge, a VPN. Admin consoles, debug endpoints
    /// and internal APIs meant for `localhost` end up exposed, often without
    /// authentication, because the code assumed only local callers.
    ///
    /// ## Example
    /// ```java
    /// server.bind(new InetSocketAddress("0.0.0.0", 8081), 0);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// server.bind(new InetSocketAddress(config.adminHost(), 8081), 0); // "127.0.0.1" by default
    /// ```
    pub BindAllInterfaces {
        id: "java-bind-all-interfaces",
        title: "Server bound to all network interfaces",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [605, 200],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Bind to a configured address, `127.0.0.1` by default",
    }
}

/// Whether a constant names the wildcard address.
fn is_wildcard(address: &str) -> bool {
    matches!(
        address.trim(),
        "0.0.0.0" | "::" | "[::]" | "0:0:0:0:0:0:0:0" | "::0"
    )
}

impl Rule for BindAllInterfaces {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let host = if node.kind() == "object_creation_expression" {
            if calls::created_type(node, cx) != Some("InetSocketAddress") {
                return;
            }
            let args = node
                .child_by_field_name("arguments")
                .map(calls::arguments)
                .unwrap_or_default();
            match args.as_slice() {
                [host, port] if !is_any_port(*port, cx) => *host,
                _ => return,
            }
        } else {
            let Some(call) = Call::of(node, cx) else {
                return;
            };
            let host = match (call.name, call.args.len()) {
                ("getByName", 1)
                    if call.receiver_name(cx) == "InetAddress" && !in_any_port_address(cx) =>
                {
                    call.arg(0)
                }
                ("bind", 2) if call.arg(1).is_some_and(|p| !is_any_port(p, cx)) => call.arg(0),
                ("listen", 2) if call.arg(0).is_some_and(|p| !is_any_port(p, cx)) => call.arg(1),
                _ => None,
            };
            let Some(host) = host else {
                return;
            };
            host
        };
        let Some(address) = cx.java().constant_str(host, cx.source()) else {
            return;
        };
        if !is_wildcard(&address) {
            return;
        }
        cx.report(
            host,
            format!("`\"{address}\"` binds to every network interface, exposing the service to every network the host is on"),
        );
    }
}

/// Port `0`: an ephemeral port, as a client or a test picks, not a service's address.
fn is_any_port(port: Node<'_>, cx: &Checker<'_>) -> bool {
    cx.text(port).trim() == "0"
}

/// Whether the node being checked is the host of `new InetSocketAddress(host, 0)`.
fn in_any_port_address(cx: &Checker<'_>) -> bool {
    let mut ancestors = cx.ancestors();
    let (Some(list), Some(creation)) = (ancestors.next(), ancestors.next()) else {
        return false;
    };
    list.kind() == "argument_list"
        && calls::created_type(creation, cx) == Some("InetSocketAddress")
        && calls::arguments(list)
            .get(1)
            .is_some_and(|p| is_any_port(*p, cx))
}
