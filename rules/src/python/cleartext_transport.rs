use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for connections that send data unencrypted:
    /// - `ftplib.FTP` and `telnetlib.Telnet`;
    /// - `smtplib.SMTP` to a host other than `localhost` in a function (or module) that
    ///   never calls `starttls()`;
    /// - `requests`, `httpx` and `urllib.request` calls to a literal `http://` URL whose
    ///   host is written out and is not a loopback address or the cloud metadata
    ///   endpoint.
    ///
    /// ## Why is this bad?
    /// Anything sent in clear text, including passwords, session cookies, API tokens and
    /// the data itself, can be read and changed by anyone on the network path: a shared
    /// Wi-Fi, a compromised router, a cloud provider's neighbour. FTP and Telnet send the
    /// login password in clear text too.
    ///
    /// ## Example
    /// ```python
    /// import ftplib
    /// import requests
    ///
    /// def upload(path, password):
    ///     with ftplib.FTP("files.example.com", "deploy", password) as ftp:
    ///         ftp.storbinary("STOR report.csv", open(path, "rb"))
    ///
    /// def rates():
    ///     return requests.get("http://api.example.com/rates", timeout=10).json()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import ftplib
    /// import requests
    ///
    /// def upload(path, password):
    ///     with ftplib.FTP_TLS("files.example.com", "deploy", password) as ftp:
    ///         ftp.prot_p()
    ///         ftp.storbinary("STOR report.csv", open(path, "rb"))
    ///
    /// def rates():
    ///     return requests.get("https://api.example.com/rates", timeout=10).json()
    /// ```
    pub CleartextTransport {
        id: "py-cleartext-transport",
        title: "Data sent over an unencrypted connection",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [319],
        precision: Medium,
        kinds: ["call"],
        fix: "Use the TLS variant: HTTPS, `FTP_TLS`, SSH, `SMTP_SSL` or `starttls()`",
    }
}

/// HTTP functions and where their URL is: (qualified name, position, keyword).
const HTTP_FUNCTIONS: &[(&str, usize, &str)] = &[
    ("requests.get", 0, "url"),
    ("requests.post", 0, "url"),
    ("requests.put", 0, "url"),
    ("requests.patch", 0, "url"),
    ("requests.delete", 0, "url"),
    ("requests.head", 0, "url"),
    ("requests.options", 0, "url"),
    ("requests.request", 1, "url"),
    ("httpx.get", 0, "url"),
    ("httpx.post", 0, "url"),
    ("httpx.put", 0, "url"),
    ("httpx.patch", 0, "url"),
    ("httpx.delete", 0, "url"),
    ("httpx.head", 0, "url"),
    ("httpx.options", 0, "url"),
    ("httpx.request", 1, "url"),
    ("httpx.stream", 1, "url"),
    ("urllib.request.urlopen", 0, "url"),
    ("urllib.request.Request", 0, "url"),
];

const CALLEE_NAMES: &[&str] = &[
    "FTP", "Telnet", "SMTP", "get", "post", "put", "patch", "delete", "head", "options",
    "request", "stream", "urlopen", "Request",
];

/// Hosts reached without crossing a network, or only over plain HTTP by design.
const LOCAL_HOSTS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "[::1]",
    "0.0.0.0",
    "169.254.169.254",
    "metadata.google.internal",
    "host.docker.internal",
];

impl Rule for CleartextTransport {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::may_call(node, cx.source(), CALLEE_NAMES) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        match name.as_str() {
            "ftplib.FTP" => {
                cx.report(node, "FTP sends the password and the files in clear text")
                    .help("Use `ftplib.FTP_TLS` and call `prot_p()`, or SFTP");
            }
            "telnetlib.Telnet" => {
                cx.report(node, "Telnet sends the session, passwords included, in clear text")
                    .help("Use SSH (e.g. `paramiko`)");
            }
            "smtplib.SMTP" => check_smtp(node, cx),
            _ => {
                if let Some((_, index, keyword)) = HTTP_FUNCTIONS.iter().find(|(f, ..)| *f == name)
                    && let Some(url) = call::argument(node, *index, keyword, cx.source())
                    && let Some(host) = remote_http_host(url, cx)
                {
                    cx.report(
                        url,
                        format!("`{name}` to `http://{host}` sends the request and the response unencrypted"),
                    )
                    .help("Use `https://`");
                }
            }
        }
    }
}

fn check_smtp<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let host = call::argument(node, 0, "host", cx.source());
    let Some(host) = host else {
        // `SMTP()` connects later, with `connect(host)`; judged by `starttls` alone.
        return check_starttls(node, cx);
    };
    if cx
        .python()
        .constant_str(host)
        .is_some_and(|h| LOCAL_HOSTS.contains(&h.as_str()))
    {
        return;
    }
    check_starttls(node, cx);
}

fn check_starttls<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let scope = place::enclosing_function(cx).unwrap_or(cx.root());
    let upgrades = place::body_nodes(scope).any(|n| {
        n.kind() == "call" && call::callee_name(n, cx.source()) == Some("starttls")
    });
    if !upgrades {
        cx.report(
            node,
            "`smtplib.SMTP` without `starttls()` sends the login and the mail in clear text",
        )
        .help("Call `starttls()` before `login()`, or use `smtplib.SMTP_SSL`");
    }
}

/// The host of a URL that starts `http://` with a host written out and not local.
fn remote_http_host(url: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let prefix = literal_prefix(url, cx)?;
    let rest = prefix.strip_prefix("http://")?;
    // The host must end inside the literal part, or it may be filled in at run time.
    let end = rest.find(['/', ':', '?', '#'])?;
    let host = rest.get(..end)?.to_ascii_lowercase();
    let local = host.is_empty()
        || LOCAL_HOSTS.contains(&host.as_str())
        || host.starts_with("127.")
        || host.ends_with(".localhost")
        || host.ends_with(".local");
    (!local).then_some(host)
}

/// The constant text at the start of a URL expression: a whole constant string, or the
/// part of an f-string before its first interpolation.
fn literal_prefix(url: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let url = ast::unparenthesize(url);
    if let Some(value) = cx.python().constant_str(url) {
        // A whole URL with no path still has a host that ends here.
        return Some(if value.matches('/').count() == 2 {
            value + "/"
        } else {
            value
        });
    }
    if url.kind() != "string" {
        return None;
    }
    let mut text = String::new();
    for child in ast::named_children(url) {
        match child.kind() {
            "string_content" => text.push_str(cx.text(child)),
            "interpolation" => break,
            _ => {}
        }
    }
    Some(text)
}
