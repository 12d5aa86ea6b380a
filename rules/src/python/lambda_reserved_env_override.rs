use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for Lambda function modules (those defining `lambda_handler`, `handler`
    /// or a function taking `(event, context)`) that overwrite an environment variable
    /// the Lambda runtime reserves: `os.environ["AWS_REGION"] = ...`, `os.putenv` or
    /// `os.environ.update(...)` on `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, `LAMBDA_TASK_ROOT` and the rest.
    ///
    /// ## Why is this bad?
    /// The runtime sets these variables to describe the function and to hand it its
    /// execution role's credentials. Overwriting them makes SDK clients sign with other
    /// credentials or call another region, makes logs and traces point at the wrong
    /// function, and can break the runtime itself (`_HANDLER`, `AWS_LAMBDA_RUNTIME_API`).
    /// Lambda refuses them as configured environment variables for this reason;
    /// setting them from code bypasses that check.
    ///
    /// ## Example
    /// ```python
    /// import os
    ///
    /// import boto3
    ///
    /// os.environ["AWS_REGION"] = "eu-west-1"
    /// s3 = boto3.client("s3")
    ///
    /// def lambda_handler(event, context):
    ///     return s3.list_buckets()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import boto3
    ///
    /// s3 = boto3.client("s3", region_name="eu-west-1")
    ///
    /// def lambda_handler(event, context):
    ///     return s3.list_buckets()
    /// ```
    pub LambdaReservedEnvOverride {
        id: "py-lambda-reserved-env-override",
        title: "Lambda reserved environment variable overwritten",
        language: Python,
        category: AwsBestPractice,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["assignment", "call"],
        fix: "Pass the value to the client or function that needs it instead of overwriting the variable",
    }
}

/// Environment variables the Lambda runtime sets and reserves.
const RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

impl Rule for LambdaReservedEnvOverride {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let keys = match node.kind() {
            "assignment" => assigned_key(node, cx).into_iter().collect(),
            _ => call_keys(node, cx),
        };
        let Some((key_node, key)) = keys.into_iter().find(|(_, k)| RESERVED.contains(&k.as_str()))
        else {
            return;
        };
        if !place::defines_lambda_handler(cx) {
            return;
        }
        cx.report(
            key_node,
            format!("`{key}` is set by the Lambda runtime; overwriting it misdirects the SDK, logs or runtime"),
        )
        .help("Pass the value where it is needed (`region_name=`, a session's credentials) instead");
    }
}

/// `os.environ["KEY"] = value`: the key.
fn assigned_key<'t>(assignment: Node<'t>, cx: &Checker<'t>) -> Option<(Node<'t>, String)> {
    let left = assignment.child_by_field_name("left")?;
    if left.kind() != "subscript" || !is_environ(left.child_by_field_name("value")?, cx) {
        return None;
    }
    let key = left.child_by_field_name("subscript")?;
    Some((key, cx.python().constant_str(key)?))
}

/// `os.putenv("KEY", v)` and `os.environ.update({"KEY": v}, KEY=v)`: the keys.
fn call_keys<'t>(node: Node<'t>, cx: &Checker<'t>) -> Vec<(Node<'t>, String)> {
    match call::callee_name(node, cx.source()) {
        Some("putenv") if cx.python().resolve_call(node).as_deref() == Some("os.putenv") => {
            call::positional(node, 0)
                .and_then(|k| Some((k, cx.python().constant_str(k)?)))
                .into_iter()
                .collect()
        }
        Some("update") if call::receiver(node).is_some_and(|r| is_environ(r, cx)) => {
            call::arguments(node)
                .into_iter()
                .flat_map(|argument| match argument.kind() {
                    "keyword_argument" => argument
                        .child_by_field_name("name")
                        .map(|n| (n, cx.text(n).to_string()))
                        .into_iter()
                        .collect::<Vec<_>>(),
                    "dictionary" => ast::named_children(argument)
                        .into_iter()
                        .filter(|p| p.kind() == "pair")
                        .filter_map(|p| {
                            let key = p.child_by_field_name("key")?;
                            Some((key, cx.python().constant_str(key)?))
                        })
                        .collect(),
                    _ => Vec::new(),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn is_environ(node: Node<'_>, cx: &Checker<'_>) -> bool {
    cx.python().resolve(node).as_deref() == Some("os.environ")
}
