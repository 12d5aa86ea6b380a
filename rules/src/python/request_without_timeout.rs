use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for HTTP requests made with `requests` (module functions, or methods of a
    /// `requests.Session()` bound to a name) without a `timeout=`, or with
    /// `timeout=None`; and for `httpx` requests and clients given `timeout=None`. (httpx
    /// applies a five-second default of its own, so omitting it there is fine.)
    ///
    /// ## Why is this bad?
    /// `requests` waits forever by default. A server that accepts the connection and
    /// then stops answering, a dropped packet or a half-open load balancer blocks the
    /// calling thread indefinitely. In a web worker or a queue consumer, a handful of
    /// such calls exhaust the pool and the whole service stops responding.
    ///
    /// ## Example
    /// ```python
    /// import requests
    ///
    /// def exchange_rate(currency):
    ///     return requests.get(f"https://rates.example.com/{currency}").json()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import requests
    ///
    /// def exchange_rate(currency):
    ///     # 3.05 s to connect, 27 s between bytes of the response.
    ///     return requests.get(f"https://rates.example.com/{currency}", timeout=(3.05, 27)).json()
    /// ```
    pub RequestWithoutTimeout {
        id: "py-request-without-timeout",
        title: "HTTP request without a timeout",
        language: Python,
        category: Correctness,
        severity: Warning,
        cwe: [400, 1088],
        precision: High,
        kinds: ["call"],
        fix: "Pass `timeout=` in seconds, e.g. `timeout=10`",
    }
}

const REQUEST_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
];

/// httpx names that take a `timeout`, besides the request methods.
const HTTPX_CLIENTS: &[&str] = &["Client", "AsyncClient"];

impl Rule for RequestWithoutTimeout {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(method) = call::callee_name(node, cx.source()) else {
            return;
        };
        if !REQUEST_METHODS.contains(&method) && !HTTPX_CLIENTS.contains(&method) {
            return;
        }
        let Some(api) = request_api(node, method, cx) else {
            return;
        };
        let timeout = call::keyword(node, "timeout", cx.source());
        match timeout {
            Some(value) if ast::unparenthesize(value).kind() == "none" => {
                cx.report(
                    node,
                    format!(
                        "`{api}` with `timeout=None` waits forever if the server stops responding"
                    ),
                )
                .help("Pass a timeout in seconds, e.g. `timeout=10` or `timeout=(3.05, 27)`");
            }
            Some(_) => {}
            None if api.starts_with("requests.") && !call::has_keyword_splat(node) => {
                cx.report(
                    node,
                    format!(
                        "`{api}` has no timeout and waits forever if the server stops responding"
                    ),
                )
                .help("Pass `timeout=` in seconds, e.g. `timeout=10` or `timeout=(3.05, 27)`");
            }
            None => {}
        }
    }
}

/// `requests.get`, `requests.Session().get`, `httpx.get`, `httpx.Client`; `None` for
/// anything else (`dict.get`, Django's test client).
fn request_api(node: Node<'_>, method: &str, cx: &Checker<'_>) -> Option<String> {
    let is_requests_session = |name: &str| {
        matches!(
            name,
            "requests.Session" | "requests.session" | "requests.sessions.Session"
        )
    };
    let is_httpx_client = |name: &str| matches!(name, "httpx.Client" | "httpx.AsyncClient");
    if let Some(name) = cx.python().resolve_call(node) {
        let function = name
            .strip_prefix("requests.api.")
            .map(|f| format!("requests.{f}"));
        let name = function.unwrap_or(name);
        let known = match name.split_once('.') {
            Some(("requests", f)) => REQUEST_METHODS.contains(&f),
            Some(("httpx", f)) => REQUEST_METHODS.contains(&f) || HTTPX_CLIENTS.contains(&f),
            _ => false,
        };
        return known.then_some(name);
    }
    if !REQUEST_METHODS.contains(&method) {
        return None;
    }
    let receiver = ast::unparenthesize(call::receiver(node)?);
    let clients = match receiver.kind() {
        "call" => cx.python().resolve_call(receiver).into_iter().collect(),
        _ => cx.python().bound_calls(receiver),
    };
    clients.iter().find_map(|client| {
        if is_requests_session(client) {
            Some(format!("requests.Session().{method}"))
        } else if is_httpx_client(client) {
            Some(format!("httpx.Client().{method}"))
        } else {
            None
        }
    })
}
