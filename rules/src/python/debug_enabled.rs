use tree_sitter::Node;

use crate::python::{call, settings};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for debug modes switched on in code:
    /// - Flask `app.run(debug=True)`, `app.debug = True`, `app.config["DEBUG"] = True`;
    /// - Werkzeug `run_simple(..., use_debugger=True)` and
    ///   `DebuggedApplication(app, evalex=True)`;
    /// - Django `DEBUG = True` in a settings module (one that also defines
    ///   `INSTALLED_APPS`, `ROOT_URLCONF` or `MIDDLEWARE`).
    ///
    /// Development-only files that switch debugging on through an environment variable
    /// (`DEBUG = os.environ.get("DEBUG") == "1"`) are not reported.
    ///
    /// Test code (`tests/`, `test_*.py`, `*Test.java`, ...) is not checked: tests use fake
    /// credentials and local settings on purpose.
    ///
    /// ## Why is this bad?
    /// The Werkzeug debugger that Flask's debug mode turns on runs any Python code typed
    /// into an error page: whoever reaches it controls the server. Django's debug pages
    /// show settings, environment details, SQL and stack traces with local variables to
    /// anyone who triggers an error, and debug mode keeps every SQL query in memory. A
    /// debug flag in code ends up in production sooner or later.
    ///
    /// ## Example
    /// ```python
    /// from flask import Flask
    ///
    /// app = Flask(__name__)
    ///
    /// if __name__ == "__main__":
    ///     app.run(debug=True)
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
    ///     app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    /// ```
    pub DebugEnabled {
        id: "py-debug-enabled",
        title: "Debug mode enabled",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [489, 215],
        precision: Medium,
        kinds: ["call", "assignment"],
        fix: "Turn debugging on from the environment of a development machine, never in code",
        skip_tests: true,
    }
}

/// Classes whose instances are web applications with a debug mode.
const APP_CLASSES: &[&str] = &["flask.Flask", "quart.Quart", "flask.app.Flask"];

/// Top-level names only a Django settings module defines.
const DJANGO_SETTINGS_MARKERS: &[&str] = &["INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE"];

impl Rule for DebugEnabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "assignment" {
            check_assignment(node, cx);
            return;
        }
        match call::callee_name(node, cx.source()) {
            Some("run") => {
                if let Some(debug) = call::keyword(node, "debug", cx.source())
                    && debug.kind() == "true"
                    && call::receiver(node).is_some_and(|r| is_app(r, cx))
                {
                    cx.report(
                        debug,
                        "`debug=True` starts the Werkzeug debugger, which runs any code typed into an error page",
                    )
                    .help("Set `FLASK_DEBUG=1` in the development environment instead");
                }
            }
            Some("run_simple" | "DebuggedApplication") => check_werkzeug(node, cx),
            Some("update" | "from_mapping") => {
                for setting in settings::updated(node, cx) {
                    if setting.name == "DEBUG" && setting.value.kind() == "true" {
                        report_flask_config(setting.value, cx);
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_werkzeug<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let (keyword, name) = match cx.python().resolve_call(node).as_deref() {
        Some("werkzeug.serving.run_simple" | "werkzeug.run_simple") => ("use_debugger", "run_simple"),
        Some("werkzeug.debug.DebuggedApplication" | "werkzeug.DebuggedApplication") => {
            ("evalex", "DebuggedApplication")
        }
        _ => return,
    };
    if let Some(value) = call::keyword(node, keyword, cx.source())
        && value.kind() == "true"
    {
        cx.report(
            value,
            format!("`{name}` with `{keyword}=True` serves a debugger that runs any code typed into an error page"),
        )
        .help("Enable the debugger only from a development-only entry point");
    }
}

fn check_assignment<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    if ast::unparenthesize(right).kind() != "true" {
        return;
    }
    // `app.debug = True`
    if left.kind() == "attribute"
        && left
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "debug")
        && left
            .child_by_field_name("object")
            .is_some_and(|o| is_app(o, cx))
    {
        report_flask_config(right, cx);
        return;
    }
    let Some(setting) = settings::assigned(node, cx) else {
        return;
    };
    if setting.name != "DEBUG" {
        return;
    }
    if left.kind() == "subscript" {
        report_flask_config(right, cx);
    } else if crate::python::place::is_top_level(cx, false)
        && DJANGO_SETTINGS_MARKERS
            .iter()
            .any(|m| settings::module_defines(cx, m))
    {
        cx.report(
            node,
            "`DEBUG = True` in Django settings shows settings, SQL and stack traces with local variables on every error page",
        )
        .help("Read it from the environment: `DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"`");
    }
}

fn report_flask_config(value: Node<'_>, cx: &Checker<'_>) {
    cx.report(
        value,
        "debug mode starts the Werkzeug debugger, which runs any code typed into an error page",
    )
    .help("Set `FLASK_DEBUG=1` in the development environment instead");
}

/// `app` bound to `Flask(...)`, or a receiver named `app`/`application` (apps are often
/// made by a factory in another module).
fn is_app(receiver: Node<'_>, cx: &Checker<'_>) -> bool {
    let receiver = ast::unparenthesize(receiver);
    if receiver.kind() == "call" {
        return cx
            .python()
            .resolve_call(receiver)
            .is_some_and(|c| APP_CLASSES.contains(&c.as_str()));
    }
    let bound = cx.python().bound_calls(receiver);
    if bound.iter().any(|c| APP_CLASSES.contains(&c.as_str())) {
        return true;
    }
    let name = match receiver.kind() {
        "attribute" => receiver.child_by_field_name("attribute"),
        "identifier" => Some(receiver),
        _ => None,
    };
    name.is_some_and(|n| matches!(cx.text(n), "app" | "application"))
}
