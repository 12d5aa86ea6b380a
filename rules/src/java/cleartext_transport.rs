use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for connections that send data in clear text:
    /// - `new URL("http://..")`, `new URI("http://..")` and `URI.create("http://..")`
    ///   with a constant address that is not a loopback or `.local` host;
    /// - an Apache Commons Net `FTPClient` that logs in (`FTPSClient` or SFTP encrypt).
    ///
    /// ## Why is this bad?
    /// Plain HTTP and FTP can be read and changed by anyone on the network path: a
    /// shared Wi-Fi, a compromised router, a cloud neighbour. Credentials, session
    /// tokens and personal data travel readable, and responses can be replaced (a
    /// downloaded update, a script).
    ///
    /// ## Example
    /// ```java
    /// URL api = new URL("http://payments.example.com/v1/charge");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// URL api = new URL("https://payments.example.com/v1/charge");
    /// ```
    pub CleartextTransport {
        id: "java-cleartext-transport",
        title: "Clear-text network protocol",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [319],
        precision: High,
        kinds: ["object_creation_expression", "method_invocation"],
        fix: "Use HTTPS, FTPS or SFTP",
    }
}

/// Hosts that never leave the machine or the local network segment.
fn is_local_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host == "[::1]"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.is_empty()
}

/// The host of an `http://` URL, when `url` is one.
fn http_host(url: &str) -> Option<&str> {
    let rest = url.get(..7).filter(|s| s.eq_ignore_ascii_case("http://"))?;
    let rest = url.get(rest.len()..)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    Some(if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    })
}

impl Rule for CleartextTransport {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let (what, arg) = if node.kind() == "object_creation_expression" {
            match calls::created_type(node, cx) {
                Some(ty @ ("URL" | "URI")) => (
                    format!("new {ty}(..)"),
                    node.child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0)),
                ),
                Some("FTPClient") => {
                    check_ftp(node, cx);
                    return;
                }
                _ => return,
            }
        } else {
            match Call::of(node, cx) {
                Some(call) if call.name == "create" && call.receiver_name(cx) == "URI" => {
                    ("URI.create(..)".to_string(), call.arg(0))
                }
                _ => return,
            }
        };
        let Some(url) = arg.and_then(|a| cx.java().constant_str(a, cx.source())) else {
            return;
        };
        if let Some(host) = http_host(&url)
            && !is_local_host(host)
        {
            cx.report(node, format!("`{what}` uses plain HTTP to `{host}`: the traffic can be read and changed in transit"))
                .help("Use `https://`");
        }
    }
}

fn check_ftp<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return;
    };
    let locals = cx.java().locals(scope);
    let Some(decl) = calls::stored_in(node, &locals, cx) else {
        return;
    };
    let logs_in = calls::uses(decl, &locals, cx)
        .iter()
        .any(|u| matches!(u, calls::Use::Receiver(c) if c.name == "login"));
    if logs_in {
        cx.report(node, "`FTPClient` sends the password and the files in clear text")
            .help("Use `FTPSClient`, or SFTP");
    }
}
