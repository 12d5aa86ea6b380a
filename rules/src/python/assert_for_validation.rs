use tree_sitter::Node;

use crate::python::place;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `assert` statements in request handlers (view functions, route
    /// handlers, methods of view classes) whose condition is about the request, the user
    /// or their permissions: `assert request.user.is_staff`,
    /// `assert user.has_perm("billing.refund")`, `assert "id" in request.args`.
    ///
    /// ## Why is this bad?
    /// Python removes `assert` statements when run with `-O` or `PYTHONOPTIMIZE`, which
    /// some deployments set. The check then vanishes without a trace and every request
    /// passes: an authorization bypass, or unvalidated input reaching the code behind
    /// it. Even when asserts run, a failed one is an `AssertionError`, a 500 rather than
    /// a 403 or 400.
    ///
    /// ## Example
    /// ```python
    /// @app.route("/admin/users/<int:user_id>", methods=["DELETE"])
    /// def delete_user(user_id):
    ///     assert current_user.is_admin, "admins only"
    ///     User.query.filter_by(id=user_id).delete()
    ///     return "", 204
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// @app.route("/admin/users/<int:user_id>", methods=["DELETE"])
    /// def delete_user(user_id):
    ///     if not current_user.is_admin:
    ///         abort(403)
    ///     User.query.filter_by(id=user_id).delete()
    ///     return "", 204
    /// ```
    pub AssertForValidation {
        id: "py-assert-for-validation",
        title: "Assert used to check permissions or input in a request handler",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [703],
        precision: Medium,
        kinds: ["assert_statement"],
        fix: "Use an `if` that raises or returns a 403/400 response",
    }
}

/// Words that make a condition about the caller or their input.
const SUBJECT_WORDS: &[&str] = &[
    "request", "user", "permission", "permissions", "perm", "perms", "admin", "authenticated",
    "auth", "authorized", "authorised", "staff", "superuser", "role", "roles", "owner",
];

impl Rule for AssertForValidation {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(condition) = node.named_child(0) else {
            return;
        };
        let condition = ast::unparenthesize(condition);
        if is_type_narrowing(condition, cx) || !mentions_subject(condition, cx) {
            return;
        }
        let Some(function) = place::enclosing_function(cx) else {
            return;
        };
        if !place::is_request_handler(function, cx) {
            return;
        }
        cx.report(
            node,
            "this check disappears under `python -O`, letting every request through",
        )
        .help("Use an `if` that raises or returns a 403 or 400 response instead of `assert`");
    }
}

/// `assert x is not None` and `assert isinstance(x, T)` narrow types for a checker; they
/// are not meant as validation.
fn is_type_narrowing(condition: Node<'_>, cx: &Checker<'_>) -> bool {
    match condition.kind() {
        "comparison_operator" => {
            let text = cx.text(condition);
            text.ends_with("is not None") || text.ends_with("is None")
        }
        "call" => condition
            .child_by_field_name("function")
            .is_some_and(|f| matches!(cx.text(f), "isinstance" | "issubclass" | "callable")),
        _ => false,
    }
}

/// Whether a name in the condition (not in a string) is about the caller or the request.
fn mentions_subject(condition: Node<'_>, cx: &Checker<'_>) -> bool {
    ast::descendants(condition)
        .filter(|n| n.kind() == "identifier")
        .any(|n| {
            ast::identifier_words(cx.text(n))
                .iter()
                .any(|w| SUBJECT_WORDS.contains(&w.as_str()))
        })
}
