//! `py-path-traversal`: a taint rule; the flows come from [`crate::python::taint`].

use tree_sitter::Node;

use crate::python::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for file paths taken from request data (Flask `request.args`, Django
/// `request.GET`, a Flask URL rule's `<path:name>`, ...) that reach `open`, `os.remove`,
/// `shutil` functions, `pathlib.Path`, Flask's `send_file` or an uploaded file's `save`,
/// following the value through assignments, string building, containers and calls to
/// functions of the same file.
///
/// Paths passed through `secure_filename` or `os.path.basename`, or checked to stay under
/// a base directory after `os.path.realpath`, are fine.
    ///
    /// ## Why is this bad?
    /// A name such as `../../etc/passwd` walks out of the intended directory. An attacker
/// reads configuration files and keys, or overwrites files the application trusts.
    ///
    /// ## Example
    /// ```python
/// from flask import request, send_file
///
/// @app.route("/download")
/// def download():
///     return send_file("/srv/files/" + request.args["name"])
/// ```
///
/// Use instead:
/// ```python
/// from werkzeug.utils import secure_filename
///
/// @app.route("/download")
/// def download():
///     return send_file("/srv/files/" + secure_filename(request.args["name"]))
/// ```
    pub PathTraversal {
        id: "py-path-traversal",
        title: "File path built from untrusted input",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [22],
        precision: High,
        kinds: ["call"],
        fix: "Reduce the name to its last component with `werkzeug.utils.secure_filename` or `os.path.basename`, or check the resolved path stays under the base directory",
    }
}

impl Rule for PathTraversal {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Path);
    }
}
