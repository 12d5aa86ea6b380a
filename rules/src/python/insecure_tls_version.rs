use tree_sitter::Node;

use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for TLS contexts and sockets pinned to SSL 2, SSL 3, TLS 1.0 or TLS 1.1:
    /// - `ssl.PROTOCOL_SSLv2`, `PROTOCOL_SSLv3`, `PROTOCOL_TLSv1` or `PROTOCOL_TLSv1_1`
    ///   passed to `ssl.SSLContext`, `wrap_socket` or an `ssl_version=` argument;
    /// - `context.minimum_version` (or `maximum_version`) set to
    ///   `ssl.TLSVersion.SSLv3`, `TLSv1` or `TLSv1_1`;
    /// - pyOpenSSL's `SSL.SSLv2_METHOD`, `SSLv3_METHOD`, `TLSv1_METHOD` and
    ///   `TLSv1_1_METHOD` passed to `SSL.Context`.
    ///
    /// ## Why is this bad?
    /// These protocol versions have known attacks (DROWN, POODLE, BEAST) and rely on
    /// broken primitives such as SHA-1 and MD5 in the handshake; RFC 8996 deprecates TLS
    /// 1.0 and 1.1. A connection pinned to one of them can be downgraded or decrypted by
    /// someone on the network path, and modern servers refuse it anyway.
    ///
    /// ## Example
    /// ```python
    /// import ssl
    ///
    /// context = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    /// context.load_verify_locations("/etc/ssl/certs/ca.pem")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import ssl
    ///
    /// context = ssl.create_default_context(cafile="/etc/ssl/certs/ca.pem")
    /// context.minimum_version = ssl.TLSVersion.TLSv1_2
    /// ```
    pub InsecureTlsVersion {
        id: "py-insecure-tls-version",
        title: "Connection pinned to an obsolete SSL/TLS version",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [327, 757],
        precision: High,
        kinds: ["attribute", "identifier"],
        fix: "Use `ssl.create_default_context()` and `minimum_version = ssl.TLSVersion.TLSv1_2`",
    }
}

/// Qualified names of obsolete protocol selectors, with the version each one names.
const OBSOLETE: &[(&str, &str)] = &[
    ("ssl.PROTOCOL_SSLv2", "SSL 2.0"),
    ("ssl.PROTOCOL_SSLv3", "SSL 3.0"),
    ("ssl.PROTOCOL_TLSv1", "TLS 1.0"),
    ("ssl.PROTOCOL_TLSv1_1", "TLS 1.1"),
    ("ssl.TLSVersion.SSLv3", "SSL 3.0"),
    ("ssl.TLSVersion.TLSv1", "TLS 1.0"),
    ("ssl.TLSVersion.TLSv1_1", "TLS 1.1"),
    ("OpenSSL.SSL.SSLv2_METHOD", "SSL 2.0"),
    ("OpenSSL.SSL.SSLv3_METHOD", "SSL 3.0"),
    ("OpenSSL.SSL.TLSv1_METHOD", "TLS 1.0"),
    ("OpenSSL.SSL.TLSv1_1_METHOD", "TLS 1.1"),
];

/// Last names of the constants in [`OBSOLETE`], checked before resolving anything.
const LAST_NAMES: &[&str] = &[
    "PROTOCOL_SSLv2",
    "PROTOCOL_SSLv3",
    "PROTOCOL_TLSv1",
    "PROTOCOL_TLSv1_1",
    "SSLv3",
    "TLSv1",
    "TLSv1_1",
    "SSLv2_METHOD",
    "SSLv3_METHOD",
    "TLSv1_METHOD",
    "TLSv1_1_METHOD",
];

/// Attributes of a context that bound the protocol versions it negotiates.
const VERSION_BOUNDS: &[&str] = &["minimum_version", "maximum_version"];

impl Rule for InsecureTlsVersion {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let last = match node.kind() {
            "attribute" => node.child_by_field_name("attribute"),
            _ => Some(node),
        };
        if last.is_none_or(|l| !LAST_NAMES.contains(&cx.text(l))) {
            return;
        }
        // `ssl.PROTOCOL_TLSv1` is checked as a whole, not through its `attribute` child.
        if node.kind() == "identifier"
            && node
                .parent()
                .is_some_and(|p| p.kind() == "attribute" || p.kind().contains("import"))
        {
            return;
        }
        let Some(name) = cx.python().resolve(node) else {
            return;
        };
        let Some((_, version)) = OBSOLETE.iter().find(|(q, _)| *q == name) else {
            return;
        };
        if !selects_protocol(node, cx) {
            return;
        }
        let constant = name.rsplit('.').next().unwrap_or(&name);
        cx.report(
            node,
            format!("`{constant}` pins the connection to {version}, which has known attacks and is deprecated"),
        )
        .help("Use `ssl.create_default_context()`, which negotiates TLS 1.2 or 1.3, and set `minimum_version = ssl.TLSVersion.TLSv1_2`");
    }
}

/// Whether the constant is used to choose a protocol: passed to a call, or assigned to a
/// context's version bound or to a `ssl_version`/`protocol` setting. Comparisons,
/// `hasattr` probes and mapping tables that let a caller choose are not.
fn selects_protocol(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    match parent.kind() {
        "argument_list" => true,
        "keyword_argument" => parent
            .child_by_field_name("value")
            .is_some_and(|v| v.id() == node.id()),
        "assignment" => {
            let Some(left) = parent.child_by_field_name("left") else {
                return false;
            };
            if parent
                .child_by_field_name("right")
                .is_none_or(|r| ast::unparenthesize(r).id() != node.id())
            {
                return false;
            }
            let target = match left.kind() {
                "attribute" => left.child_by_field_name("attribute"),
                "identifier" => Some(left),
                _ => None,
            };
            target.is_some_and(|t| {
                let t = cx.text(t);
                VERSION_BOUNDS.contains(&t) || matches!(t, "ssl_version" | "SSL_VERSION")
            })
        }
        _ => false,
    }
}
