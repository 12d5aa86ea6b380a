use tree_sitter::Node;

use crate::python::{call, place, semantic};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `while` loops that call a boto3 `list_*` or `describe_*` method with a
    /// page token (`NextToken=`, `ContinuationToken=`, `Marker=`) and read the next token
    /// (`NextToken`, `NextContinuationToken`, `NextMarker`, `Marker`) from the response
    /// to call again.
    ///
    /// ## Why is this bad?
    /// boto3 ships paginators for these operations. Hand-written loops are where the
    /// classic bugs live: the last page dropped because the token is checked before the
    /// page is processed, an endless loop when the token is passed as `None`, the wrong
    /// token field for the operation (`Marker` vs `NextMarker` vs
    /// `NextContinuationToken`). `client.get_paginator(...)` handles all of that, and
    /// adds `PaginationConfig` and JMESPath `search` for free.
    ///
    /// ## Example
    /// ```python
    /// def all_keys(s3, bucket):
    ///     keys = []
    ///     kwargs = {"Bucket": bucket}
    ///     while True:
    ///         response = s3.list_objects_v2(**kwargs)
    ///         keys += [o["Key"] for o in response.get("Contents", [])]
    ///         if not response.get("IsTruncated"):
    ///             return keys
    ///         kwargs["ContinuationToken"] = response["NextContinuationToken"]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def all_keys(s3, bucket):
    ///     keys = []
    ///     for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    ///         keys += [o["Key"] for o in page.get("Contents", [])]
    ///     return keys
    /// ```
    pub ManualPagination {
        id: "py-manual-pagination",
        title: "AWS results paged by hand instead of with a paginator",
        language: Python,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["while_statement"],
        fix: "Iterate over `client.get_paginator(\"operation\").paginate(...)`",
    }
}

/// Request parameters that carry the token of the page to fetch.
const REQUEST_TOKENS: &[&str] = &["NextToken", "ContinuationToken", "Marker"];

/// Response fields that carry the token of the next page.
const RESPONSE_TOKENS: &[&str] = &["NextToken", "NextContinuationToken", "NextMarker", "Marker"];

impl Rule for ManualPagination {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let mut calls = Vec::new();
        let mut reads_token = false;
        let mut names_request_token = false;
        for inner in place::body_nodes(node) {
            match inner.kind() {
                "call" if inner.child_by_field_name("function").is_some_and(|f| f.kind() == "attribute")
                    && ast::contains(body, inner) =>
                {
                    calls.push(inner);
                }
                "string" => {
                    if let Some(value) = semantic::string_value(inner, cx.source()) {
                        reads_token |= RESPONSE_TOKENS.contains(&value) && is_read(inner, cx);
                        names_request_token |= REQUEST_TOKENS.contains(&value);
                    }
                }
                _ => {}
            }
        }
        if !reads_token {
            return;
        }
        for paged in calls {
            let Some(method) = call::callee_name(paged, cx.source()) else {
                continue;
            };
            if !(method.starts_with("list_") || method.starts_with("describe_")) {
                continue;
            }
            let passes_token = REQUEST_TOKENS
                .iter()
                .any(|token| call::keyword(paged, token, cx.source()).is_some())
                || (call::has_keyword_splat(paged) && names_request_token);
            if !passes_token {
                continue;
            }
            cx.report(
                paged,
                format!("`{method}` is paged by hand, reading the next token from each response"),
            )
            .help(format!(
                "Iterate over `get_paginator(\"{method}\").paginate(...)`, which follows the tokens for you"
            ));
            return;
        }
    }
}

/// Whether a string literal reads a field: `response["NextToken"]`,
/// `response.get("NextToken")`, or `"NextToken" in response`.
fn is_read(string: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(parent) = string.parent() else {
        return false;
    };
    match parent.kind() {
        "subscript" => parent.child_by_field_name("subscript") == Some(string),
        "comparison_operator" => true,
        "argument_list" => parent.parent().is_some_and(|c| {
            c.kind() == "call" && call::callee_name(c, cx.source()) == Some("get")
        }),
        _ => false,
    }
}
