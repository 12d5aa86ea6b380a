//! Flags AWS SDK for Java v2 list, scan and query calls paged by hand in a loop.

use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for loops that call an AWS SDK for Java v2 operation that has a paginator
    /// (`listObjectsV2`, `scan`, `query`, `listTables`, `describeInstances`, ..) and feed
    /// the page token of one response (`lastEvaluatedKey()`, `nextContinuationToken()`,
    /// `nextToken()`, `nextMarker()`) into the next request (`exclusiveStartKey(..)`,
    /// `continuationToken(..)`, `nextToken(..)`, `marker(..)`).
    ///
    /// Only calls on a receiver whose declared type (or, when unknown, name) names the
    /// service, in a file that imports the v2 SDK, are reported.
    ///
    /// ## Why is this bad?
    /// The v2 SDK ships a paginator for each of these operations. Hand-written loops are
    /// where the classic bugs live: the last page dropped because the token is tested
    /// before the page is processed, an endless loop when an empty token is sent back,
    /// the wrong token for the operation. `client.scanPaginator(request)` and friends
    /// return an `Iterable` of pages (and `.items()` of items) that fetches each page
    /// lazily and follows the tokens for you.
    ///
    /// ## Example
    /// ```java
    /// Map<String, AttributeValue> lastKey = null;
    /// do {
    ///     ScanResponse page = dynamo.scan(ScanRequest.builder()
    ///         .tableName("orders").exclusiveStartKey(lastKey).build());
    ///     page.items().forEach(this::index);
    ///     lastKey = page.lastEvaluatedKey();
    /// } while (lastKey != null && !lastKey.isEmpty());
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// dynamo.scanPaginator(ScanRequest.builder().tableName("orders").build())
    ///     .items()
    ///     .forEach(this::index);
    /// ```
    pub ManualPagination {
        id: "java-manual-pagination",
        title: "AWS results paged by hand instead of with a paginator",
        language: Java,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Iterate over the operation's paginator, e.g. `client.scanPaginator(request)`",
    }
}

/// An operation with a v2 paginator, and the services its client type or name mentions.
struct Paged {
    method: &'static str,
    services: &'static [&'static str],
}

const PAGED: &[Paged] = &[
    Paged { method: "listObjectsV2", services: &["s3"] },
    Paged { method: "listObjectVersions", services: &["s3"] },
    Paged { method: "listMultipartUploads", services: &["s3"] },
    Paged { method: "scan", services: &["dynamo", "ddb"] },
    Paged { method: "query", services: &["dynamo", "ddb"] },
    Paged { method: "listTables", services: &["dynamo", "ddb"] },
    Paged { method: "describeInstances", services: &["ec2"] },
    Paged { method: "describeSecurityGroups", services: &["ec2"] },
    Paged { method: "describeVolumes", services: &["ec2"] },
    Paged { method: "describeSnapshots", services: &["ec2"] },
    Paged { method: "listQueues", services: &["sqs"] },
    Paged { method: "listTopics", services: &["sns"] },
    Paged { method: "listSubscriptions", services: &["sns"] },
    Paged { method: "listFunctions", services: &["lambda"] },
    Paged { method: "listStreams", services: &["kinesis"] },
    Paged { method: "describeLogGroups", services: &["logs"] },
    Paged { method: "describeLogStreams", services: &["logs"] },
    Paged { method: "filterLogEvents", services: &["logs"] },
    Paged { method: "listSecrets", services: &["secret"] },
    Paged { method: "getParametersByPath", services: &["ssm"] },
    Paged { method: "describeParameters", services: &["ssm"] },
    Paged { method: "listUsers", services: &["iam"] },
    Paged { method: "listRoles", services: &["iam"] },
    Paged { method: "listPolicies", services: &["iam"] },
    Paged { method: "describeStacks", services: &["cloudformation", "cfn"] },
    Paged { method: "listKeys", services: &["kms"] },
];

/// Request builder methods that set the token of the page to fetch.
const REQUEST_TOKENS: &[&str] = &[
    "exclusiveStartKey",
    "continuationToken",
    "nextToken",
    "marker",
    "keyMarker",
    "startingToken",
];

/// Response methods that return the token of the next page.
const RESPONSE_TOKENS: &[&str] = &[
    "lastEvaluatedKey",
    "nextContinuationToken",
    "nextToken",
    "nextMarker",
    "nextKeyMarker",
    "marker",
];

impl Rule for ManualPagination {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(paged) = PAGED.iter().find(|p| p.method == call.name) else {
            return;
        };
        let Some(receiver) = call.object else {
            return;
        };
        if call.args.len() != 1
            || !calls::imports_aws_v2(cx)
            || !calls::is_aws_client(receiver, paged.services, cx)
        {
            return;
        }
        let Some(looped) = calls::enclosing_loop(node, cx) else {
            return;
        };
        let in_loop = calls::calls_in(looped, cx);
        let sets_token = in_loop
            .iter()
            .find(|c| c.args.len() == 1 && c.object.is_some() && REQUEST_TOKENS.contains(&c.name));
        let reads_token = in_loop
            .iter()
            .any(|c| c.args.is_empty() && c.object.is_some() && RESPONSE_TOKENS.contains(&c.name));
        let Some(setter) = sets_token.filter(|_| reads_token) else {
            return;
        };
        cx.report(
            node,
            format!(
                "`{}` is paged by hand, passing each response's token back through `{}`",
                call.name, setter.name
            ),
        )
        .help(format!(
            "Iterate over `{}Paginator(request)`, which fetches each page and follows the tokens for you",
            call.name
        ));
    }
}
