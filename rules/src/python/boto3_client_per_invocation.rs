use tree_sitter::Node;

use crate::python::semantic::Binding;
use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `boto3.client(...)`, `boto3.resource(...)` and `boto3.Session()`
    /// created inside an AWS Lambda handler (a function named `lambda_handler` or
    /// `handler`, or taking `(event, context)`) or inside a loop.
    ///
    /// A client whose arguments depend on the event or on the loop variable (a region per
    /// iteration, credentials per tenant) is not reported.
    ///
    /// ## Why is this bad?
    /// Creating a client loads service models from disk, resolves credentials and opens a
    /// new connection pool; it takes tens of milliseconds and a fair amount of memory.
    /// In a handler this happens on every invocation, although Lambda keeps the module
    /// loaded between warm invocations; in a loop it happens on every iteration. Clients
    /// created once, at module level, reuse their connections.
    ///
    /// ## Example
    /// ```python
    /// import boto3
    ///
    /// def lambda_handler(event, context):
    ///     s3 = boto3.client("s3")
    ///     return s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import boto3
    ///
    /// s3 = boto3.client("s3")
    ///
    /// def lambda_handler(event, context):
    ///     return s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    /// ```
    pub Boto3ClientPerInvocation {
        id: "py-boto3-client-in-handler-or-loop",
        title: "AWS client created per invocation or iteration",
        language: Python,
        category: AwsBestPractice,
        severity: Warning,
        cwe: [],
        precision: Medium,
        kinds: ["call"],
        fix: "Create the client once, at module level, and reuse it",
    }
}

const CONSTRUCTORS: &[&str] = &[
    "boto3.client",
    "boto3.resource",
    "boto3.Session",
    "boto3.session.Session",
];

impl Rule for Boto3ClientPerInvocation {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::may_call(node, cx.source(), &["client", "resource", "Session"]) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        if !CONSTRUCTORS.contains(&name.as_str()) {
            return;
        }
        let where_ = if let Some(found) = place::enclosing_loop(cx, node) {
            if varies(node, Some(found), cx) {
                return;
            }
            "on every iteration of the loop"
        } else if let Some(function) = place::enclosing_function(cx)
            && place::is_lambda_handler(function, cx)
        {
            if varies(node, None, cx) {
                return;
            }
            "on every invocation of the Lambda handler"
        } else {
            return;
        };
        let kind = if name.ends_with("Session") {
            "session"
        } else {
            "client"
        };
        cx.report(
            node,
            format!("`{name}(...)` builds a new {kind} {where_}, with new credentials and connections"),
        )
        .help("Create it once, at module level, and reuse it");
    }
}

/// Whether an argument of the call depends on something that changes between calls:
/// a parameter, a loop variable, or a name assigned inside the loop.
fn varies(node: Node<'_>, within: Option<Node<'_>>, cx: &Checker<'_>) -> bool {
    call::argument_values(node).into_iter().any(|value| {
        ast::descendants(value)
            .filter(|n| n.kind() == "identifier")
            .any(|ident| {
                cx.python().bindings(ident).is_some_and(|bindings| {
                    bindings.iter().any(|b| match b {
                        Binding::Parameter(_) | Binding::Iterate(_) | Binding::Unknown(_) => true,
                        Binding::Assign(v) | Binding::Augment(v) | Binding::With(v) => {
                            within.is_none_or(|loop_| ast::contains(loop_, *v))
                        }
                        _ => false,
                    })
                })
            })
    })
}
