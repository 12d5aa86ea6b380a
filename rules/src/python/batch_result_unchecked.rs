use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for AWS batch operations whose response is thrown away:
    /// `batch_write_item`, `batch_get_item` (DynamoDB), `put_records` (Kinesis),
    /// `put_record_batch` (Firehose), `send_message_batch`, `delete_message_batch`,
    /// `change_message_visibility_batch` (SQS) and `put_events` (EventBridge) called as
    /// a statement on their own.
    ///
    /// ## Why is this bad?
    /// These calls succeed as a whole even when some entries fail: throttled or invalid
    /// entries come back in `UnprocessedItems`, `UnprocessedKeys`, `FailedRecordCount`,
    /// `FailedPutCount`, `Failed` or `FailedEntryCount`, and no exception is raised.
    /// Ignoring the response silently loses those writes, messages or events.
    ///
    /// ## Example
    /// ```python
    /// def save(dynamodb, items):
    ///     dynamodb.batch_write_item(RequestItems={"orders": items})
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def save(dynamodb, items):
    ///     request = {"orders": items}
    ///     while request:
    ///         response = dynamodb.batch_write_item(RequestItems=request)
    ///         request = response.get("UnprocessedItems")  # retry with backoff
    /// ```
    ///
    /// For DynamoDB, `table.batch_writer()` resends unprocessed items for you.
    pub BatchResultUnchecked {
        id: "py-batch-write-unchecked",
        title: "Partial failures of an AWS batch call ignored",
        language: Python,
        category: AwsBestPractice,
        severity: Warning,
        cwe: [252, 253],
        precision: High,
        kinds: ["call"],
        fix: "Read the response and retry the failed entries",
    }
}

/// Batch operations and the response field that lists what failed.
const BATCH_OPERATIONS: &[(&str, &str)] = &[
    ("batch_write_item", "UnprocessedItems"),
    ("batch_get_item", "UnprocessedKeys"),
    ("put_records", "FailedRecordCount"),
    ("put_record_batch", "FailedPutCount"),
    ("send_message_batch", "Failed"),
    ("delete_message_batch", "Failed"),
    ("change_message_visibility_batch", "Failed"),
    ("put_events", "FailedEntryCount"),
];

impl Rule for BatchResultUnchecked {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some((operation, field)) = call::callee_name(node, cx.source())
            .and_then(|m| BATCH_OPERATIONS.iter().find(|(op, _)| *op == m))
        else {
            return;
        };
        // boto3 takes keyword arguments only, in PascalCase.
        let boto3_style = call::arguments(node).iter().all(|a| {
            a.kind() == "dictionary_splat"
                || a.kind() == "keyword_argument"
                    && a.child_by_field_name("name")
                        .is_some_and(|n| cx.text(n).starts_with(|c: char| c.is_ascii_uppercase()))
        });
        if !boto3_style || call::receiver(node).is_none() {
            return;
        }
        let mut ancestors = cx.ancestors();
        let mut parent = ancestors.next();
        if parent.is_some_and(|p| p.kind() == "await") {
            parent = ancestors.next();
        }
        if parent.is_none_or(|p| p.kind() != "expression_statement") {
            return;
        }
        cx.report(
            node,
            format!("the response of `{operation}` is ignored, so entries reported in `{field}` are silently lost"),
        )
        .help(format!("Read `{field}` from the response and retry those entries with backoff"));
    }
}
