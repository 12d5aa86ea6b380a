use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for IPv4 addresses written into the code where a host is expected: a
    /// string literal such as `"10.0.3.17"` or `"http://10.0.3.17:8080/api"` passed to
    /// `InetAddress.getByName`, `new InetSocketAddress`, `new Socket`, `new URL` or
    /// `URI.create`, or stored in a variable or field whose name says it holds a host,
    /// address, server, endpoint or URL. Loopback, the wildcard `0.0.0.0`, broadcast,
    /// and the documentation ranges (`192.0.2.0/24` and others) are not reported, nor
    /// are strings that only look like addresses, such as OIDs and version numbers
    /// outside those contexts.
    ///
    /// ## Why is this bad?
    /// An address in the code ties the program to one network: moving a server, a
    /// failover, or a new environment needs a rebuild and a redeploy. It bypasses DNS
    /// and service discovery, and in open code it tells readers about the internal
    /// network layout.
    ///
    /// ## Example
    /// ```java
    /// Socket socket = new Socket("10.0.3.17", 5432);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Socket socket = new Socket(config.databaseHost(), config.databasePort());
    /// ```
    pub HardcodedIpAddress {
        id: "java-hardcoded-ip-address",
        title: "Hardcoded IP address",
        language: Java,
        category: Maintainability,
        severity: Info,
        cwe: [547],
        precision: High,
        kinds: ["string_literal"],
        fix: "Read the address from configuration, or use a host name",
    }
}

/// Words in a variable name that say it holds a network address.
const HOST_WORDS: &[&str] = &[
    "host", "ip", "addr", "address", "server", "endpoint", "url", "uri", "proxy", "gateway",
];

/// Constructors and factories whose first argument is a host or a URL.
const HOST_TYPES: &[&str] = &["InetSocketAddress", "Socket", "URL", "URI", "DatagramPacket"];

impl Rule for HardcodedIpAddress {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(text) = semantic::string_value(node, cx.source()) else {
            return;
        };
        let Some(address) = embedded_ipv4(text) else {
            return;
        };
        if is_reserved(address) || !is_host_context(node, cx) {
            return;
        }
        cx.report(
            node,
            format!("`{}` is a hardcoded IP address: the program breaks when the host moves", address_text(address)),
        );
    }
}

fn address_text(octets: [u8; 4]) -> String {
    let [a, b, c, d] = octets;
    format!("{a}.{b}.{c}.{d}")
}

/// The IPv4 address a string is, or that a URL in it names as its host.
fn embedded_ipv4(text: &str) -> Option<[u8; 4]> {
    let host = match text.split_once("://") {
        Some((_, rest)) => rest
            .split(['/', ':', '?', '#'])
            .next()
            .unwrap_or_default()
            .rsplit('@')
            .next()
            .unwrap_or_default(),
        None => text,
    };
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        // `010` is not how addresses are written; it is a version or an OID.
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Loopback, wildcard, broadcast, link-local and documentation addresses.
fn is_reserved(octets: [u8; 4]) -> bool {
    matches!(
        octets,
        [127, ..] | [0, ..] | [255, 255, 255, 255] | [169, 254, ..] | [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
    ) || octets[0] >= 224
}

/// Whether the literal is used as a host: an argument of a networking API, or the
/// value of a variable whose name says so.
fn is_host_context<'t>(literal: Node<'t>, cx: &Checker<'t>) -> bool {
    let mut ancestors = cx.ancestors();
    let Some(parent) = ancestors.next() else {
        return false;
    };
    match parent.kind() {
        "argument_list" => {
            let Some(user) = ancestors.next() else {
                return false;
            };
            let first = calls::arguments(parent)
                .first()
                .is_some_and(|a| ast::unparenthesize(*a).id() == literal.id());
            if let Some(ty) = calls::created_type(user, cx) {
                return first && HOST_TYPES.contains(&ty);
            }
            Call::of(user, cx).is_some_and(|call| {
                first
                    && matches!(
                        (call.receiver_name(cx), call.name),
                        ("InetAddress", "getByName" | "getAllByName") | ("URI", "create")
                    )
            })
        }
        "variable_declarator" => parent
            .child_by_field_name("name")
            .is_some_and(|n| names_host(cx.text(n))),
        "assignment_expression" => parent.child_by_field_name("left").is_some_and(|l| {
            let name = match l.kind() {
                "field_access" => l.child_by_field_name("field").map_or("", |f| cx.text(f)),
                _ => cx.text(l),
            };
            names_host(name)
        }),
        _ => false,
    }
}

fn names_host(name: &str) -> bool {
    ast::identifier_words(name)
        .iter()
        .any(|w| HOST_WORDS.contains(&w.as_str()))
}
