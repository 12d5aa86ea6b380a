use tree_sitter::Node;

use crate::python::{call, settings};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for CORS configurations that let every origin read responses:
    /// - Flask-CORS `CORS(app)` and `@cross_origin()` with the default origins (`*`), or
    ///   with `origins="*"`, or a `resources` entry whose `"origins"` is `"*"`;
    /// - Starlette and FastAPI `CORSMiddleware` with `allow_origins=["*"]` or
    ///   `allow_origin_regex=".*"`;
    /// - django-cors-headers `CORS_ALLOW_ALL_ORIGINS = True` (or the older
    ///   `CORS_ORIGIN_ALLOW_ALL = True`).
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// CORS decides which other websites may read this server's responses from a user's
    /// browser. Allowing every origin lets any page the user visits call the API and read
    /// the result. With credentials allowed as well (`supports_credentials=True`,
    /// `allow_credentials=True`), Flask-CORS and Starlette echo the caller's origin back,
    /// so the browser sends the user's cookies and any website can act on their session.
    /// A public, read-only API without cookies can allow `*`; anything else should list
    /// its front-end origins.
    ///
    /// ## Example
    /// ```python
    /// from flask import Flask
    /// from flask_cors import CORS
    ///
    /// app = Flask(__name__)
    /// CORS(app, supports_credentials=True)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from flask import Flask
    /// from flask_cors import CORS
    ///
    /// app = Flask(__name__)
    /// CORS(app, origins=["https://app.example.com"], supports_credentials=True)
    /// ```
    pub CorsAnyOrigin {
        id: "py-cors-any-origin",
        title: "CORS allows every origin",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [942, 346],
        precision: Medium,
        kinds: ["call", "assignment"],
        fix: "List the origins allowed to call the API instead of `*`",
        skip_tests: true,
    }
}

const FLASK_CORS: &[&str] = &[
    "flask_cors.CORS",
    "flask_cors.cross_origin",
    "flask_cors.extension.CORS",
    "flask_cors.decorator.cross_origin",
];

const CORS_MIDDLEWARE: &[&str] = &[
    "starlette.middleware.cors.CORSMiddleware",
    "fastapi.middleware.cors.CORSMiddleware",
];

const ALLOW_ALL_SETTINGS: &[&str] = &["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"];

impl Rule for CorsAnyOrigin {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "assignment" {
            if let Some(setting) = settings::assigned(node, cx)
                && ALLOW_ALL_SETTINGS.contains(&setting.name.as_str())
                && ast::unparenthesize(setting.value).kind() == "true"
            {
                cx.report(
                    node,
                    format!("`{} = True` lets every website read this server's responses", setting.name),
                )
                .help("List the front-end origins in `CORS_ALLOWED_ORIGINS` instead");
            }
            return;
        }
        if call::may_call(node, cx.source(), &["CORS", "cross_origin"])
            && let Some(name) = cx.python().resolve_call(node)
            && FLASK_CORS.contains(&name.as_str())
        {
            check_flask_cors(node, cx);
        } else if call::arguments(node).len() > 1
            && let Some(first) = call::positional(node, 0)
            && cx
                .python()
                .resolve(first)
                .is_some_and(|m| CORS_MIDDLEWARE.contains(&m.as_str()))
        {
            check_middleware(node, cx);
        }
    }
}

fn check_flask_cors<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if call::has_keyword_splat(node) {
        return;
    }
    let credentials = call::keyword(node, "supports_credentials", cx.source())
        .is_some_and(|v| v.kind() == "true");
    let origins = call::keyword(node, "origins", cx.source());
    let resources = call::keyword(node, "resources", cx.source());
    let allows_all = match (origins, resources) {
        (Some(origins), _) => is_wildcard(origins, cx),
        (None, Some(resources)) => wildcard_resource(resources, cx),
        (None, None) => true,
    };
    if !allows_all {
        return;
    }
    let message = if credentials {
        "CORS allows every origin with credentials: any website can make requests with the user's cookies and read the responses"
    } else if origins.is_none() && resources.is_none() {
        "CORS allows every origin (`*`, the Flask-CORS default): any website can read these responses"
    } else {
        "CORS allows every origin (`*`): any website can read these responses"
    };
    cx.report(node, message)
        .help("Pass `origins=[...]` with the front-end origins allowed to call the API");
}

fn check_middleware<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let origins = call::keyword(node, "allow_origins", cx.source())
        .filter(|o| is_wildcard(*o, cx));
    let regex = call::keyword(node, "allow_origin_regex", cx.source()).filter(|r| {
        cx.python()
            .constant_str(*r)
            .is_some_and(|r| matches!(r.as_str(), ".*" | "^.*$" | ".+" | "^.+$" | "https?://.*"))
    });
    let Some(setting) = origins.or(regex) else {
        return;
    };
    let credentials = call::keyword(node, "allow_credentials", cx.source())
        .is_some_and(|v| v.kind() == "true");
    let message = if credentials {
        "`CORSMiddleware` allows every origin with credentials: any website can make requests with the user's cookies and read the responses"
    } else {
        "`CORSMiddleware` allows every origin: any website can read these responses"
    };
    cx.report(setting, message)
        .help("Pass `allow_origins=[...]` with the front-end origins allowed to call the API");
}

/// `"*"`, `["*"]`, `("*",)`, or a name bound to one.
fn is_wildcard(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let node = ast::unparenthesize(node);
    match node.kind() {
        "list" | "tuple" | "set" => ast::named_children(node)
            .into_iter()
            .any(|e| cx.python().constant_str(e).as_deref() == Some("*")),
        "identifier" => match cx.python().bindings(node) {
            Some([crate::python::semantic::Binding::Assign(value)])
                if ast::unparenthesize(*value).kind() != "identifier" =>
            {
                is_wildcard(*value, cx)
            }
            _ => false,
        },
        _ => cx.python().constant_str(node).as_deref() == Some("*"),
    }
}

/// `resources={r"/api/*": {"origins": "*"}}`: a resource entry allowing every origin.
fn wildcard_resource(resources: Node<'_>, cx: &Checker<'_>) -> bool {
    let resources = ast::unparenthesize(resources);
    if resources.kind() != "dictionary" {
        return false;
    }
    ast::descendants(resources)
        .filter(|n| n.kind() == "pair")
        .any(|pair| {
            pair.child_by_field_name("key")
                .and_then(|k| cx.python().constant_str(k))
                .as_deref()
                == Some("origins")
                && pair
                    .child_by_field_name("value")
                    .is_some_and(|v| is_wildcard(v, cx))
        })
}
