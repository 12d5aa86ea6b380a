//! Flags hand-written sleep loops that wait for an AWS resource to reach a state.

use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for loops that call an AWS SDK for Java `describe*`, `get*` or `head*`
    /// operation that backs a waiter (`describeTable`, `describeInstances`,
    /// `describeStacks`, `headObject`, ..), sleep between attempts (`Thread.sleep`,
    /// `TimeUnit.SECONDS.sleep`), and test a status (`tableStatus()`, `state()`,
    /// `getStatus()`, ..) or, for `head*`, catch the "not found" exception.
    ///
    /// Only calls on a receiver whose declared type (or, when unknown, name) names the
    /// service, in a file that imports an AWS SDK, are reported.
    ///
    /// ## Why is this bad?
    /// Waiters know the states to wait for, including the failure states that should
    /// stop the wait (an instance `terminated` while waiting for `running`, a stack in
    /// `ROLLBACK_COMPLETE`), retry throttling errors, back off between attempts, and
    /// bound the wait with a `WaiterOverrideConfiguration`. Hand-written loops tend to
    /// spin forever on a failure state, give up on the first throttling error, or have
    /// no upper bound at all.
    ///
    /// ## Example
    /// ```java
    /// while (true) {
    ///     TableStatus status = dynamo.describeTable(r -> r.tableName("orders"))
    ///         .table().tableStatus();
    ///     if (status == TableStatus.ACTIVE) {
    ///         break;
    ///     }
    ///     Thread.sleep(5_000);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try (DynamoDbWaiter waiter = dynamo.waiter()) {
    ///     waiter.waitUntilTableExists(r -> r.tableName("orders"));
    /// }
    /// ```
    pub PollingInsteadOfWaiter {
        id: "java-polling-instead-of-waiter",
        title: "AWS resource state polled with sleep instead of a waiter",
        language: Java,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Use the client's waiter, e.g. `client.waiter().waitUntilTableExists(..)`",
    }
}

/// An operation that backs a waiter: its method, the services its client type or name
/// mentions, and one of the v2 waiters it backs.
struct Waited {
    method: &'static str,
    services: &'static [&'static str],
    waiter: &'static str,
}

const WAITED: &[Waited] = &[
    Waited { method: "describeTable", services: &["dynamo", "ddb"], waiter: "waitUntilTableExists" },
    Waited { method: "describeInstances", services: &["ec2"], waiter: "waitUntilInstanceRunning" },
    Waited { method: "describeInstanceStatus", services: &["ec2"], waiter: "waitUntilInstanceStatusOk" },
    Waited { method: "describeImages", services: &["ec2"], waiter: "waitUntilImageAvailable" },
    Waited { method: "describeSnapshots", services: &["ec2"], waiter: "waitUntilSnapshotCompleted" },
    Waited { method: "describeVolumes", services: &["ec2"], waiter: "waitUntilVolumeAvailable" },
    Waited { method: "describeNatGateways", services: &["ec2"], waiter: "waitUntilNatGatewayAvailable" },
    Waited { method: "describeDBInstances", services: &["rds"], waiter: "waitUntilDBInstanceAvailable" },
    Waited { method: "describeDBClusters", services: &["rds"], waiter: "waitUntilDBClusterAvailable" },
    Waited { method: "describeDBSnapshots", services: &["rds"], waiter: "waitUntilDBSnapshotAvailable" },
    Waited { method: "describeStacks", services: &["cloudformation", "cfn"], waiter: "waitUntilStackCreateComplete" },
    Waited { method: "describeChangeSet", services: &["cloudformation", "cfn"], waiter: "waitUntilChangeSetCreateComplete" },
    Waited { method: "describeServices", services: &["ecs"], waiter: "waitUntilServicesStable" },
    Waited { method: "describeTasks", services: &["ecs"], waiter: "waitUntilTasksStopped" },
    Waited { method: "describeCluster", services: &["eks"], waiter: "waitUntilClusterActive" },
    Waited { method: "describeNodegroup", services: &["eks"], waiter: "waitUntilNodegroupActive" },
    Waited { method: "describeStream", services: &["kinesis"], waiter: "waitUntilStreamExists" },
    Waited { method: "getFunction", services: &["lambda"], waiter: "waitUntilFunctionActiveV2" },
    Waited { method: "getFunctionConfiguration", services: &["lambda"], waiter: "waitUntilFunctionUpdated" },
    Waited { method: "headBucket", services: &["s3"], waiter: "waitUntilBucketExists" },
    Waited { method: "headObject", services: &["s3"], waiter: "waitUntilObjectExists" },
];

/// `java.util.concurrent.TimeUnit` constants, the receivers of `TimeUnit.X.sleep(..)`.
const TIME_UNITS: &[&str] = &["NANOSECONDS", "MICROSECONDS", "MILLISECONDS", "SECONDS", "MINUTES"];

impl Rule for PollingInsteadOfWaiter {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let Some(waited) = WAITED.iter().find(|w| w.method == call.name) else {
            return;
        };
        let Some(receiver) = call.object else {
            return;
        };
        if call.args.len() > 1 || !calls::is_aws_client(receiver, waited.services, cx) {
            return;
        }
        let Some(looped) = calls::enclosing_loop(node, cx) else {
            return;
        };
        let in_loop = calls::calls_in(looped, cx);
        let sleeps = in_loop.iter().any(|c| is_sleep(c, cx));
        let tests_state = if call.name.starts_with("head") {
            catches_not_found(looped, cx)
        } else {
            in_loop.iter().any(|c| c.args.is_empty() && c.object.is_some() && is_state_read(c.name))
        };
        if !sleeps || !tests_state {
            return;
        }
        let awaited = if call.name.starts_with("head") {
            "for the resource to exist"
        } else {
            "for a state"
        };
        cx.report(
            node,
            format!("`{}` is polled in a sleep loop to wait {awaited}", call.name),
        )
        .help(format!(
            "Use the client's waiter (`waiter().{}(..)` in SDK v2, `waiters()` in v1), which stops on failure states and bounds the wait",
            waited.waiter
        ));
    }
}

/// Whether a call sleeps: `Thread.sleep(..)`, `TimeUnit.SECONDS.sleep(..)`,
/// `Uninterruptibles.sleepUninterruptibly(..)`.
fn is_sleep<'t>(call: &Call<'t>, cx: &Checker<'t>) -> bool {
    match call.name {
        "sleep" => {
            let receiver = call.receiver_name(cx);
            receiver == "Thread" || TIME_UNITS.contains(&receiver)
        }
        "sleepUninterruptibly" => true,
        _ => false,
    }
}

/// Whether a getter reads the state or status of a resource: `tableStatus()`,
/// `state()`, `getStackStatus()`, `statusAsString()`, ..
fn is_state_read(name: &str) -> bool {
    let name = name.strip_prefix("get").unwrap_or(name);
    let name = name.strip_suffix("AsString").unwrap_or(name);
    let lower = name.to_ascii_lowercase();
    lower.ends_with("status") || lower.ends_with("state")
}

/// Whether the loop catches the exception a `head*` call throws while the bucket or
/// object does not exist yet.
fn catches_not_found(looped: Node<'_>, cx: &Checker<'_>) -> bool {
    ast::descendants(looped)
        .filter(|n| n.kind() == "catch_type")
        .any(|t| {
            let text = cx.text(t);
            text.contains("NoSuch") || text.contains("NotFound")
        })
}
