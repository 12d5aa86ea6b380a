//! Flags AWS SDK for Java batch writes whose per-entry failures are never looked at.

use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for AWS SDK for Java (v1 and v2) batch writes whose response is thrown away
    /// or stored and never inspected for failures: DynamoDB `batchWriteItem`,
    /// `DynamoDBMapper.batchSave`/`batchWrite`/`batchDelete`, Kinesis `putRecords`,
    /// Firehose `putRecordBatch`, SQS `sendMessageBatch`/`deleteMessageBatch` and SNS
    /// `publishBatch`.
    ///
    /// Only calls on a receiver that is plausibly a client of that service are reported:
    /// its declared type names the service (`DynamoDbClient`, `AmazonKinesis`,
    /// `SqsAsyncClient`, ..), or its name does in a file that imports an AWS SDK. A
    /// response that is returned, handed to another method or stored in a field is not
    /// reported.
    ///
    /// ## Why is this bad?
    /// These calls succeed as a whole even when some entries fail: throttled or invalid
    /// entries come back in `unprocessedItems()`, `failedRecordCount()`,
    /// `failedPutCount()` or `failed()`, and `DynamoDBMapper` returns them as a
    /// `List<FailedBatch>`. No exception is thrown, so ignoring the response silently
    /// loses those writes, messages or notifications.
    ///
    /// ## Example
    /// ```java
    /// void save(DynamoDbClient dynamo, Map<String, List<WriteRequest>> items) {
    ///     dynamo.batchWriteItem(BatchWriteItemRequest.builder().requestItems(items).build());
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// void save(DynamoDbClient dynamo, Map<String, List<WriteRequest>> items) {
    ///     Map<String, List<WriteRequest>> pending = items;
    ///     while (!pending.isEmpty()) {
    ///         BatchWriteItemResponse response = dynamo.batchWriteItem(
    ///             BatchWriteItemRequest.builder().requestItems(pending).build());
    ///         pending = response.unprocessedItems(); // retry with backoff
    ///     }
    /// }
    /// ```
    pub BatchWriteUnchecked {
        id: "java-batch-write-unchecked",
        title: "Partial failures of an AWS batch write ignored",
        language: Java,
        category: AwsBestPractice,
        severity: Warning,
        cwe: [252, 253],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Read the response and retry the failed entries",
    }
}

/// A batch operation: its method, the services its client type or name mentions, and
/// where its response lists the failed entries.
struct Batch {
    method: &'static str,
    services: &'static [&'static str],
    failures: &'static str,
}

const BATCHES: &[Batch] = &[
    Batch {
        method: "batchWriteItem",
        services: &["dynamo", "ddb"],
        failures: "`unprocessedItems()`",
    },
    Batch {
        method: "batchSave",
        services: &["mapper"],
        failures: "the returned `List<FailedBatch>`",
    },
    Batch {
        method: "batchWrite",
        services: &["mapper"],
        failures: "the returned `List<FailedBatch>`",
    },
    Batch {
        method: "batchDelete",
        services: &["mapper"],
        failures: "the returned `List<FailedBatch>`",
    },
    Batch {
        method: "putRecords",
        services: &["kinesis"],
        failures: "`failedRecordCount()`",
    },
    Batch {
        method: "putRecordBatch",
        services: &["firehose"],
        failures: "`failedPutCount()`",
    },
    Batch {
        method: "sendMessageBatch",
        services: &["sqs", "queue"],
        failures: "`failed()`",
    },
    Batch {
        method: "deleteMessageBatch",
        services: &["sqs", "queue"],
        failures: "`failed()`",
    },
    Batch {
        method: "publishBatch",
        services: &["sns", "topic", "notification"],
        failures: "`failed()`",
    },
];

/// Methods of a batch response that say nothing about which entries failed.
const UNRELATED_READS: &[&str] = &[
    "successful",
    "getSuccessful",
    "hasSuccessful",
    "responseMetadata",
    "sdkHttpResponse",
    "getSdkResponseMetadata",
    "getSdkHttpMetadata",
    "consumedCapacity",
    "getConsumedCapacity",
    "itemCollectionMetrics",
    "getItemCollectionMetrics",
    "encryptionType",
    "toString",
    "hashCode",
];

impl Rule for BatchWriteUnchecked {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(batch) = BATCHES.iter().find(|b| b.method == call.name) else {
            return;
        };
        let Some(receiver) = call.object else {
            return;
        };
        if call.args.is_empty() || !calls::is_aws_client(receiver, batch.services, cx) {
            return;
        }
        let message = if calls::result_ignored(cx) {
            format!("The result of `{}` is discarded, so entries that failed are silently lost", call.name)
        } else {
            let Some(scope) = semantic::scope_of(cx.ancestors()) else {
                return;
            };
            let locals = cx.java().locals(scope);
            let Some(decl) = calls::stored_in(node, &locals, cx) else {
                return;
            };
            let is_mapper = batch.services.contains(&"mapper");
            let inspected = calls::uses(decl, &locals, cx).iter().any(|u| match u {
                // Any method of the `List<FailedBatch>` looks at the failures.
                Use::Receiver(read) => is_mapper || !UNRELATED_READS.contains(&read.name),
                Use::Escapes | Use::Other => true,
            });
            if inspected {
                return;
            }
            format!("The result of `{}` is never checked for failed entries", call.name)
        };
        cx.report(node, message)
            .help(format!("Check {} and retry the failed entries", batch.failures));
    }
}
