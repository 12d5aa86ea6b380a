use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servers bound to every network interface with a hard-coded address:
    /// - `sock.bind(("0.0.0.0", port))`, `sock.bind(("", port))` or `("::", port)`;
    /// - `socketserver`/`http.server` servers and `socket.create_server` given such an
    ///   address;
    /// - `app.run(host="0.0.0.0")`, `uvicorn.run(..., host="0.0.0.0")`,
    ///   `waitress.serve`, `aiohttp.web.run_app`, `werkzeug.serving.run_simple`.
    ///
    /// An address read from configuration or the environment is not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// `0.0.0.0` accepts connections on every interface: not only the loopback or the
    /// private network the service was meant for, but any public address the machine has
    /// or gets later. A development server, an admin endpoint or an unauthenticated
    /// internal API becomes reachable from outside. In a container, binding everywhere is
    /// often intended; make that a deployment setting rather than a constant in the code.
    ///
    /// ## Example
    /// ```python
    /// from flask import Flask
    ///
    /// app = Flask(__name__)
    ///
    /// if __name__ == "__main__":
    ///     app.run(host="0.0.0.0", port=8080)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import os
    /// from flask import Flask
    ///
    /// app = Flask(__name__)
    ///
    /// if __name__ == "__main__":
    ///     app.run(host=os.environ.get("HOST", "127.0.0.1"), port=8080)
    /// ```
    pub BindAllInterfaces {
        id: "py-bind-all-interfaces",
        title: "Server bound to all network interfaces",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [605, 200],
        precision: Medium,
        kinds: ["call"],
        fix: "Bind to `127.0.0.1` or a specific interface, or read the address from configuration",
        skip_tests: true,
    }
}

/// Calls whose first argument is an `(address, port)` pair.
const ADDRESS_PAIR_CALLEES: &[&str] = &[
    "bind",
    "create_server",
    "TCPServer",
    "UDPServer",
    "ThreadingTCPServer",
    "ThreadingUDPServer",
    "ForkingTCPServer",
    "HTTPServer",
    "ThreadingHTTPServer",
];

/// Server starters that take the address as `host=`.
const HOST_KEYWORD_CALLEES: &[&str] = &["run", "run_app", "serve", "run_simple", "start_server"];

impl Rule for BindAllInterfaces {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(callee) = call::callee_name(node, cx.source()) else {
            return;
        };
        let address = if ADDRESS_PAIR_CALLEES.contains(&callee) {
            call::positional(node, 0)
                .map(ast::unparenthesize)
                .filter(|pair| pair.kind() == "tuple")
                .and_then(|pair| pair.named_child(0))
        } else if HOST_KEYWORD_CALLEES.contains(&callee) {
            let positional_host = (callee == "run_simple")
                .then(|| call::positional(node, 0))
                .flatten();
            call::keyword(node, "host", cx.source()).or(positional_host)
        } else {
            return;
        };
        let Some(address) = address else {
            return;
        };
        let Some(value) = cx.python().constant_str(address) else {
            return;
        };
        if !matches!(value.as_str(), "0.0.0.0" | "" | "::" | "[::]") {
            return;
        }
        let shown = if value.is_empty() { "\"\"" } else { value.as_str() };
        cx.report(
            address,
            format!("binding to `{shown}` accepts connections on every network interface"),
        )
        .help("Bind to `127.0.0.1` or a specific interface, or read the address from configuration");
    }
}
