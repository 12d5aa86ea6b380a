use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for TLS connections made without checking the server's certificate:
    /// - `verify=False` on `requests`, `httpx` and `boto3` calls, sessions and clients,
    ///   and `session.verify = False`;
    /// - `ssl=False` or `verify_ssl=False` on `aiohttp` requests and connectors;
    /// - `cert_reqs=ssl.CERT_NONE` (or `"CERT_NONE"`), as in `urllib3.PoolManager`;
    /// - `context.verify_mode = ssl.CERT_NONE`;
    /// - `ssl._create_unverified_context()`, called or installed as the default context.
    ///
    /// ## Why is this bad?
    /// Without certificate validation, anyone on the network path (a public Wi-Fi, a
    /// compromised router, a malicious proxy) can present their own certificate, read the
    /// traffic and change it: credentials, tokens and the responses the program trusts.
    /// Encryption without authentication only protects against passive eavesdroppers.
    ///
    /// ## Example
    /// ```python
    /// import requests
    ///
    /// def fetch_invoice(url, token):
    ///     return requests.get(url, headers={"Authorization": token}, verify=False, timeout=10)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import requests
    ///
    /// def fetch_invoice(url, token):
    ///     # For a private CA, point `verify` at its bundle instead of turning checks off.
    ///     return requests.get(
    ///         url, headers={"Authorization": token}, verify="/etc/ssl/internal-ca.pem", timeout=10
    ///     )
    /// ```
    pub CertificateValidationDisabled {
        id: "py-certificate-validation-disabled",
        title: "TLS certificate validation disabled",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [295],
        precision: High,
        kinds: ["call", "keyword_argument", "assignment"],
        fix: "Keep certificate validation on; for a private CA, pass the path of its CA bundle",
    }
}

/// Packages whose `verify=False` disables certificate checks.
const VERIFY_PACKAGES: &[&str] = &["requests", "httpx", "boto3", "botocore"];

/// Method names that send an HTTP request, whatever the client object.
const HTTP_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "send",
    "stream",
    "ws_connect",
];

impl Rule for CertificateValidationDisabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        match node.kind() {
            "call" => check_call(node, cx),
            "keyword_argument" => check_keyword(node, cx),
            _ => check_assignment(node, cx),
        }
    }
}

fn check_call<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if call::callee_name(node, cx.source()) == Some("_create_unverified_context")
        && cx.python().resolve_call(node).as_deref() == Some("ssl._create_unverified_context")
    {
        cx.report(
            node,
            "`ssl._create_unverified_context()` makes a TLS context that accepts any certificate",
        )
        .help("Use `ssl.create_default_context()`, with `cafile=` for a private CA");
    }
}

/// `verify=False`, `ssl=False`, `cert_reqs=CERT_NONE` in the arguments of a call.
fn check_keyword<'t>(argument: Node<'t>, cx: &Checker<'t>) {
    let (Some(keyword), Some(value)) = (
        argument.child_by_field_name("name"),
        argument.child_by_field_name("value"),
    ) else {
        return;
    };
    let keyword = cx.text(keyword);
    if !matches!(keyword, "verify" | "ssl" | "verify_ssl" | "cert_reqs") {
        return;
    }
    // A keyword argument sits in an argument list, directly under its call.
    let mut ancestors = cx.ancestors();
    let Some(node) = ancestors
        .next()
        .filter(|list| list.kind() == "argument_list")
        .and_then(|_| ancestors.next())
        .filter(|call| call.kind() == "call")
    else {
        return;
    };
    match keyword {
        "verify" if value.kind() == "false" => {
            if let Some(api) = client_api(node, cx, VERIFY_PACKAGES) {
                cx.report(
                    argument,
                    format!("`verify=False` turns off TLS certificate validation for `{api}`"),
                )
                .help(
                    "Remove `verify=False`; for a private CA pass `verify=\"/path/to/ca-bundle.pem\"`",
                );
            }
        }
        "ssl" | "verify_ssl" if value.kind() == "false" => {
            if let Some(api) = client_api(node, cx, &["aiohttp"]) {
                cx.report(
                    argument,
                    format!("`{keyword}=False` turns off TLS certificate validation for `{api}`"),
                )
                .help(
                    "Remove it; for a private CA pass `ssl=ssl.create_default_context(cafile=...)`",
                );
            }
        }
        "cert_reqs" if is_cert_none(value, cx) => {
            cx.report(
                argument,
                "`cert_reqs=CERT_NONE` accepts any certificate the server presents",
            )
            .help("Use `cert_reqs=\"CERT_REQUIRED\"` (the default) with a CA bundle");
        }
        _ => {}
    }
}

/// The API a call goes to, when it belongs to one of `packages`: a module function
/// (`requests.get`), a client built by the package (`httpx.Client(...)`), a method of a
/// name bound to such a client, or an HTTP method of any object (`self.session.get`).
fn client_api(node: Node<'_>, cx: &Checker<'_>, packages: &[&str]) -> Option<String> {
    let in_packages = |name: &str| {
        packages.iter().any(|p| {
            name.strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    if let Some(name) = cx.python().resolve_call(node)
        && in_packages(&name)
    {
        return Some(name);
    }
    let method = call::callee_name(node, cx.source())?;
    let receiver = call::receiver(node)?;
    let receiver = ast::unparenthesize(receiver);
    if let Some(client) = cx
        .python()
        .bound_calls(receiver)
        .into_iter()
        .find(|c| in_packages(c))
    {
        return Some(format!("{client}().{method}"));
    }
    if receiver.kind() == "call"
        && let Some(client) = cx.python().resolve_call(receiver)
        && in_packages(&client)
    {
        return Some(format!("{client}().{method}"));
    }
    HTTP_METHODS
        .contains(&method)
        .then(|| format!("{}.{method}", cx.text(receiver)))
}

/// `ssl.CERT_NONE`, `ssl.VerifyMode.CERT_NONE`, `"CERT_NONE"`.
fn is_cert_none(value: Node<'_>, cx: &Checker<'_>) -> bool {
    let value = ast::unparenthesize(value);
    match value.kind() {
        "string" => cx
            .python()
            .constant_str(value)
            .is_some_and(|s| s.eq_ignore_ascii_case("CERT_NONE") || s.eq_ignore_ascii_case("NONE")),
        _ => cx
            .python()
            .resolve(value)
            .is_some_and(|name| name == "ssl.CERT_NONE" || name == "ssl.VerifyMode.CERT_NONE"),
    }
}

fn check_assignment<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    if left.kind() != "attribute" {
        return;
    }
    let Some(attribute) = left.child_by_field_name("attribute") else {
        return;
    };
    match cx.text(attribute) {
        "verify_mode" if is_cert_none(right, cx) => {
            cx.report(
                node,
                "`verify_mode = CERT_NONE` makes the TLS context accept any certificate",
            )
            .help("Keep `ssl.CERT_REQUIRED` (the default of `ssl.create_default_context()`)");
        }
        "verify" if right.kind() == "false" => {
            let Some(object) = left.child_by_field_name("object") else {
                return;
            };
            if let Some(client) = cx
                .python()
                .bound_calls(object)
                .into_iter()
                .find(|c| c.starts_with("requests.") || c.starts_with("httpx."))
            {
                cx.report(
                    node,
                    format!("`verify = False` turns off TLS certificate validation for every request of this `{client}`"),
                )
                .help("Remove it; for a private CA set `verify` to the path of its CA bundle");
            }
        }
        "_create_default_https_context"
            if cx.python().resolve(right).as_deref() == Some("ssl._create_unverified_context") =>
        {
            cx.report(
                node,
                "installing `ssl._create_unverified_context` as the default turns off certificate validation for the whole process",
            )
            .help("Remove the override; fix the certificate chain or pass a CA bundle where needed");
        }
        _ => {}
    }
}
