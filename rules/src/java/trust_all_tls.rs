use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for TLS connections that do not authenticate the server:
    /// - an `X509TrustManager` whose `checkServerTrusted` has an empty body;
    /// - a `HostnameVerifier` whose `verify` only returns `true`, as a class or a lambda
    ///   passed to `setHostnameVerifier`, `setDefaultHostnameVerifier` or
    ///   `hostnameVerifier`;
    /// - `NoopHostnameVerifier`, `AllowAllHostnameVerifier`,
    ///   `ALLOW_ALL_HOSTNAME_VERIFIER`, Apache's `TrustAllStrategy` and Netty's
    ///   `InsecureTrustManagerFactory`;
    /// - `SSLContext.getInstance` with `SSL`, `SSLv2`, `SSLv3`, `TLSv1` or `TLSv1.1`.
    ///
    /// ## Why is this bad?
    /// TLS protects a connection only if the client checks that the certificate is valid
    /// and issued for the host it meant to reach. Accepting every certificate or every
    /// host name lets anyone on the network path impersonate the server and read or
    /// change the traffic. SSL 3.0, TLS 1.0 and TLS 1.1 have known attacks and are
    /// disabled by current JDKs and browsers.
    ///
    /// ## Example
    /// ```java
    /// TrustManager trustAll = new X509TrustManager() {
    ///     public void checkClientTrusted(X509Certificate[] chain, String auth) {}
    ///     public void checkServerTrusted(X509Certificate[] chain, String auth) {}
    ///     public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    /// };
    /// ```
    ///
    /// Use instead: the platform's default trust managers, or a `TrustManagerFactory`
    /// initialised with a key store that holds the private CA:
    /// ```java
    /// TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    /// tmf.init(privateCaKeyStore);
    /// sslContext.init(null, tmf.getTrustManagers(), null);
    /// ```
    pub TrustAllTls {
        id: "java-trust-all-tls",
        title: "TLS certificate or host name not verified",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [295, 297, 326],
        precision: High,
        kinds: ["method_declaration", "method_invocation", "object_creation_expression", "field_access"],
        fix: "Use the default trust managers and hostname verifier, and TLS 1.2 or later",
    }
}

/// Classes and constants that accept every certificate or host name.
const TRUST_ALL: &[&str] = &[
    "NoopHostnameVerifier",
    "AllowAllHostnameVerifier",
    "TrustAllStrategy",
    "InsecureTrustManagerFactory",
];

const OLD_PROTOCOLS: &[&str] = &["SSL", "SSLV2", "SSLV3", "TLSV1", "TLSV1.1"];

const VERIFIER_SETTERS: &[&str] = &[
    "setHostnameVerifier",
    "setDefaultHostnameVerifier",
    "hostnameVerifier",
    "setSSLHostnameVerifier",
];

impl Rule for TrustAllTls {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        match node.kind() {
            "method_declaration" => check_method(node, cx),
            "object_creation_expression" => {
                if let Some(ty) = calls::created_type(node, cx)
                    && TRUST_ALL.contains(&ty)
                {
                    cx.report(node, format!("`{ty}` accepts every certificate or host name"));
                }
            }
            "field_access" => {
                let (Some(object), Some(field)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("field"),
                ) else {
                    return;
                };
                let class = simple_name(cx.text(object));
                let field = cx.text(field);
                if TRUST_ALL.contains(&class) || field == "ALLOW_ALL_HOSTNAME_VERIFIER" {
                    cx.report(node, format!("`{class}.{field}` accepts every certificate or host name"));
                }
            }
            _ => check_call(node, cx),
        }
    }
}

fn check_method<'t>(method: Node<'t>, cx: &Checker<'t>) {
    let (Some(name), Some(params), Some(body)) = (
        method.child_by_field_name("name"),
        method.child_by_field_name("parameters"),
        method.child_by_field_name("body"),
    ) else {
        return;
    };
    let params = ast::named_children(params);
    let statements = semantic::statements(body);
    match cx.text(name) {
        "checkServerTrusted" if params.len() >= 2 && statements.is_empty() => {
            cx.report(name, "`checkServerTrusted` is empty: every server certificate is trusted")
                .help("Delegate to the default `X509TrustManager`, or trust a private CA through a `TrustManagerFactory`");
        }
        "verify"
            if params.len() == 2
                && params
                    .get(1)
                    .and_then(|p| p.child_by_field_name("type"))
                    .is_some_and(|t| simple_name(cx.text(t)) == "SSLSession")
                && matches!(statements.as_slice(), [only] if returns_true(*only, cx)) =>
        {
            cx.report(name, "this `HostnameVerifier` accepts every host name")
                .help("Remove the custom verifier: the default one checks the certificate against the host");
        }
        _ => {}
    }
}

/// `return true;`
fn returns_true<'t>(statement: Node<'t>, cx: &Checker<'t>) -> bool {
    statement.kind() == "return_statement"
        && statement
            .named_child(0)
            .is_some_and(|v| cx.text(ast::unparenthesize(v)) == "true")
}

fn check_call<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(call) = Call::of(node, cx) else {
        return;
    };
    if call.name == "getInstance" && call.receiver_name(cx) == "SSLContext" {
        let Some(protocol) = call
            .arg(0)
            .and_then(|p| cx.java().constant_str(p, cx.source()))
        else {
            return;
        };
        if OLD_PROTOCOLS.contains(&protocol.to_ascii_uppercase().as_str()) {
            cx.report(node, format!("`SSLContext.getInstance(\"{protocol}\")` allows a broken protocol version"))
                .help("Use `SSLContext.getInstance(\"TLSv1.3\")` or `\"TLS\"`, which negotiates the best version");
        }
        return;
    }
    if !VERIFIER_SETTERS.contains(&call.name) {
        return;
    }
    let Some(lambda) = call.arg(0).filter(|a| a.kind() == "lambda_expression") else {
        return;
    };
    let Some(body) = lambda.child_by_field_name("body") else {
        return;
    };
    let always_true = match body.kind() {
        "block" => matches!(semantic::statements(body).as_slice(), [only] if returns_true(*only, cx)),
        _ => cx.text(ast::unparenthesize(body)) == "true",
    };
    if always_true {
        cx.report(lambda, format!("the hostname verifier passed to `{}` accepts every host name", call.name))
            .help("Remove the custom verifier: the default one checks the certificate against the host");
    }
}
