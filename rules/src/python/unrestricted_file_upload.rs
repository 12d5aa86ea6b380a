use tree_sitter::Node;

use crate::python::semantic::Binding;
use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for Flask uploads (`request.files[...]`, `request.files.get(...)`,
    /// `request.files.getlist(...)`) saved under the name the client chose
    /// (`upload.filename`, with or without `secure_filename`) by a function that never
    /// looks at the file's type: no extension or MIME check (`endswith`, `splitext`,
    /// `rsplit(".")`, `suffix`, `mimetype`, `content_type`, an `allowed_*` helper or an
    /// `ALLOWED_*` list).
    ///
    /// ## Why is this bad?
    /// The client picks both the content and the extension. A `.html` or `.svg` file
    /// saved where the application serves uploads runs script in other users' browsers;
    /// a `.php`, `.jsp` or `.py` file in a directory the web server executes is remote
    /// code execution; an `.htaccess` changes how the directory is served.
    /// `secure_filename` only removes path separators, so `shell.php` stays `shell.php`.
    ///
    /// ## Example
    /// ```python
    /// @app.route("/avatar", methods=["POST"])
    /// def upload_avatar():
    ///     upload = request.files["avatar"]
    ///     upload.save(os.path.join(UPLOAD_DIR, secure_filename(upload.filename)))
    ///     return "", 204
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// ALLOWED_EXTENSIONS = {".png", ".jpg", ".jpeg"}
    ///
    /// @app.route("/avatar", methods=["POST"])
    /// def upload_avatar():
    ///     upload = request.files["avatar"]
    ///     extension = os.path.splitext(upload.filename)[1].lower()
    ///     if extension not in ALLOWED_EXTENSIONS:
    ///         abort(400)
    ///     upload.save(os.path.join(UPLOAD_DIR, f"{uuid.uuid4().hex}{extension}"))
    ///     return "", 204
    /// ```
    pub UnrestrictedFileUpload {
        id: "py-unrestricted-file-upload",
        title: "Uploaded file saved without checking its type",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [434],
        precision: Medium,
        kinds: ["call"],
        fix: "Check the extension against an allow-list and save under a name the server generates",
    }
}

/// Words whose presence in the function shows the file's type is checked somewhere.
const TYPE_CHECKS: &[&str] = &[
    "endswith",
    "splitext",
    "rsplit",
    "suffix",
    "mimetype",
    "content_type",
    "allowed",
    "ALLOWED",
    "extension",
    "EXTENSION",
    "imghdr",
    "magic",
    "filetype",
    "Image.open",
];

/// How many assignments are followed from the destination back to the file name.
const MAX_STEPS: usize = 3;

impl Rule for UnrestrictedFileUpload {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("save") {
            return;
        }
        let Some(upload) = call::receiver(node) else {
            return;
        };
        if !is_flask_upload(upload, cx) {
            return;
        }
        let Some(destination) = call::argument(node, 0, "dst", cx.source()) else {
            return;
        };
        let filename = format!("{}.filename", cx.text(upload));
        if !uses_client_name(destination, &filename, cx) {
            return;
        }
        let Some(function) = place::enclosing_function(cx) else {
            return;
        };
        let body = cx.text(function);
        if TYPE_CHECKS.iter().any(|w| body.contains(w)) {
            return;
        }
        cx.report(
            node,
            format!("the upload is saved under `{filename}` without checking its type, so a client can store a script or page"),
        )
        .help("Check the extension against an allow-list and save under a name the server generates");
    }
}

/// Whether `upload` is a file from Flask's `request.files`, directly or through the
/// variable or loop it is bound by.
fn is_flask_upload(upload: Node<'_>, cx: &Checker<'_>) -> bool {
    let upload = ast::unparenthesize(upload);
    if reads_files(upload, cx) {
        return true;
    }
    if upload.kind() != "identifier" {
        return false;
    }
    cx.python().bindings(upload).is_some_and(|bindings| {
        bindings.iter().any(|b| match b {
            Binding::Assign(value) | Binding::Iterate(value) => reads_files(*value, cx),
            _ => false,
        })
    })
}

/// `request.files[...]`, `request.files.get(...)`, `request.files.getlist(...)` or
/// `request.files.values()`, with `request` imported from Flask.
fn reads_files(expr: Node<'_>, cx: &Checker<'_>) -> bool {
    let expr = ast::unparenthesize(expr);
    let files = match expr.kind() {
        "subscript" => expr.child_by_field_name("value"),
        "call" => call::receiver(expr),
        _ => None,
    };
    let Some(files) = files.filter(|f| f.kind() == "attribute") else {
        return false;
    };
    files
        .child_by_field_name("attribute")
        .is_some_and(|a| cx.text(a) == "files")
        && files
            .child_by_field_name("object")
            .and_then(|r| cx.python().resolve(r))
            .is_some_and(|q| q == "flask.request")
}

/// Whether `destination` is built from `filename` (`upload.filename`), directly or
/// through variables assigned from it (followed a few steps).
fn uses_client_name(destination: Node<'_>, filename: &str, cx: &Checker<'_>) -> bool {
    let mut work = vec![(destination, 0)];
    while let Some((expr, depth)) = work.pop() {
        if cx.text(expr).contains(filename) {
            return true;
        }
        if depth >= MAX_STEPS {
            continue;
        }
        for ident in ast::descendants(expr).filter(|n| n.kind() == "identifier") {
            for binding in cx.python().bindings(ident).unwrap_or_default() {
                if let Binding::Assign(value) = binding {
                    work.push((*value, depth + 1));
                }
            }
        }
    }
    false
}
