use tree_sitter::Node;

use crate::python::semantic::Binding;
use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for loops that call a boto3 `describe_*`, `get_*` or `head_*` operation for
    /// which boto3 ships a waiter, and `time.sleep` between attempts, with the same
    /// arguments on every iteration: a hand-written wait for a resource to reach a state.
    ///
    /// ## Why is this bad?
    /// Waiters know the states to wait for, including the failure states that should
    /// stop the wait (an instance `terminated` while waiting for `running`, a stack in
    /// `ROLLBACK_COMPLETE`), and they bound the wait with `WaiterConfig`. Hand-written
    /// loops tend to spin forever on a failure state, give up on the first throttling
    /// error, or have no upper bound at all.
    ///
    /// ## Example
    /// ```python
    /// import time
    ///
    /// def wait_running(ec2, instance_id):
    ///     while True:
    ///         response = ec2.describe_instances(InstanceIds=[instance_id])
    ///         state = response["Reservations"][0]["Instances"][0]["State"]["Name"]
    ///         if state == "running":
    ///             return
    ///         time.sleep(5)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def wait_running(ec2, instance_id):
    ///     ec2.get_waiter("instance_running").wait(
    ///         InstanceIds=[instance_id],
    ///         WaiterConfig={"Delay": 5, "MaxAttempts": 60},
    ///     )
    /// ```
    pub PollingInsteadOfWaiter {
        id: "py-polling-instead-of-waiter",
        title: "AWS resource state polled with sleep instead of a waiter",
        language: Python,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["call"],
        fix: "Use `client.get_waiter(name).wait(...)`",
    }
}

/// Operations that back a boto3 waiter, with one of those waiters.
const WAITED: &[(&str, &str)] = &[
    ("describe_instances", "instance_running"),
    ("describe_instance_status", "instance_status_ok"),
    ("describe_images", "image_available"),
    ("describe_snapshots", "snapshot_completed"),
    ("describe_volumes", "volume_available"),
    ("describe_nat_gateways", "nat_gateway_available"),
    ("describe_vpcs", "vpc_available"),
    ("describe_subnets", "subnet_available"),
    ("describe_network_interfaces", "network_interface_available"),
    ("describe_spot_instance_requests", "spot_instance_request_fulfilled"),
    ("describe_vpc_peering_connections", "vpc_peering_connection_exists"),
    ("get_password_data", "password_data_available"),
    ("head_bucket", "bucket_exists"),
    ("head_object", "object_exists"),
    ("describe_db_instances", "db_instance_available"),
    ("describe_db_clusters", "db_cluster_available"),
    ("describe_db_snapshots", "db_snapshot_available"),
    ("describe_db_cluster_snapshots", "db_cluster_snapshot_available"),
    ("describe_stacks", "stack_create_complete"),
    ("describe_change_set", "change_set_create_complete"),
    ("describe_table", "table_exists"),
    ("describe_services", "services_stable"),
    ("describe_tasks", "tasks_stopped"),
    ("describe_cluster", "cluster_active"),
    ("describe_nodegroup", "nodegroup_active"),
    ("get_function_configuration", "function_updated"),
    ("describe_load_balancers", "load_balancer_available"),
    ("describe_target_health", "target_in_service"),
    ("describe_step", "step_complete"),
    ("describe_clusters", "cluster_available"),
    ("get_invalidation", "invalidation_completed"),
    ("describe_certificate", "certificate_validated"),
    ("get_command_invocation", "command_executed"),
    ("describe_stream", "stream_exists"),
    ("describe_cache_clusters", "cache_cluster_available"),
    ("describe_replication_groups", "replication_group_available"),
    ("describe_notebook_instance", "notebook_instance_in_service"),
    ("describe_training_job", "training_job_completed_or_stopped"),
    ("describe_endpoint", "endpoint_in_service"),
    ("describe_transform_job", "transform_job_completed_or_stopped"),
    ("describe_processing_job", "processing_job_completed_or_stopped"),
];

impl Rule for PollingInsteadOfWaiter {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(method) = call::callee_name(node, cx.source()) else {
            return;
        };
        let Some((_, waiter)) = WAITED.iter().find(|(op, _)| *op == method) else {
            return;
        };
        let Some(receiver) = call::receiver(node) else {
            return;
        };
        if !is_boto3_call(node, receiver, cx) {
            return;
        }
        let Some(loop_) = place::enclosing_loop(cx, node) else {
            return;
        };
        if varies(node, loop_, cx) {
            return;
        }
        let Some(body) = loop_.child_by_field_name("body") else {
            return;
        };
        let sleeps = place::body_nodes(body).any(|n| {
            n.kind() == "call"
                && call::callee_name(n, cx.source()) == Some("sleep")
                && cx.python().resolve_call(n).as_deref() == Some("time.sleep")
        });
        if !sleeps {
            return;
        }
        cx.report(
            node,
            format!("`{method}` is polled with `time.sleep` in a loop, while boto3 has waiters for it"),
        )
        .help(format!(
            "Use a waiter, such as `get_waiter(\"{waiter}\").wait(...)`, with `WaiterConfig` to bound the wait"
        ));
    }
}

/// Whether the call looks like a boto3 operation: its receiver is bound to
/// `boto3.client(...)` (or a session's `client(...)`), or it passes the CamelCase
/// keyword arguments of AWS APIs.
fn is_boto3_call(node: Node<'_>, receiver: Node<'_>, cx: &Checker<'_>) -> bool {
    let bound_to_client = cx.python().bound_calls(ast::unparenthesize(receiver)).iter().any(|c| {
        c == "boto3.client" || c.starts_with("boto3.") && c.ends_with(".client")
    });
    bound_to_client
        || call::arguments(node).into_iter().any(|arg| {
            arg.kind() == "keyword_argument"
                && arg
                    .child_by_field_name("name")
                    .is_some_and(|n| cx.text(n).starts_with(|c: char| c.is_ascii_uppercase()))
        })
}

/// Whether an argument depends on a name bound inside the loop: then each iteration
/// asks about something else, which is iteration, not polling.
fn varies(node: Node<'_>, loop_: Node<'_>, cx: &Checker<'_>) -> bool {
    call::argument_values(node).into_iter().any(|value| {
        ast::descendants(value)
            .filter(|n| n.kind() == "identifier")
            .any(|ident| {
                cx.python().bindings(ident).is_some_and(|bindings| {
                    bindings.iter().any(|b| match b {
                        Binding::Assign(v)
                        | Binding::Augment(v)
                        | Binding::With(v)
                        | Binding::Iterate(v)
                        | Binding::Unknown(v) => ast::contains(loop_, *v),
                        _ => false,
                    })
                })
            })
    })
}
