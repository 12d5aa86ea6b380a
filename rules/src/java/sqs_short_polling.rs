use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for an SQS `ReceiveMessageRequest` that is sent without a wait time: a
    /// `new ReceiveMessageRequest(..)` (SDK v1) or `ReceiveMessageRequest.builder()..build()`
    /// (SDK v2) that reaches `receiveMessage` with no `withWaitTimeSeconds`,
    /// `setWaitTimeSeconds` or `waitTimeSeconds`, or with a wait time of `0`.
    ///
    /// A request handed to any other method, returned or stored in a field is not
    /// reported, since the wait time may be set there.
    ///
    /// ## Why is this bad?
    /// Without a wait time SQS answers at once, from a subset of its servers: it returns
    /// empty responses while messages are waiting, and a consumer loop then polls in a
    /// tight loop. Every empty receive is a billed request and burns CPU. Long polling (a
    /// wait time of up to 20 seconds) waits for messages to arrive and asks all servers.
    /// If the queue sets `ReceiveMessageWaitTimeSeconds` itself, the request inherits it;
    /// setting it on the request keeps the consumer correct when the queue is recreated.
    ///
    /// ## Example
    /// ```java
    /// ReceiveMessageRequest request = ReceiveMessageRequest.builder()
    ///     .queueUrl(queueUrl)
    ///     .maxNumberOfMessages(10)
    ///     .build();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// ReceiveMessageRequest request = ReceiveMessageRequest.builder()
    ///     .queueUrl(queueUrl)
    ///     .maxNumberOfMessages(10)
    ///     .waitTimeSeconds(20)
    ///     .build();
    /// ```
    pub SqsShortPolling {
        id: "java-sqs-short-polling",
        title: "SQS receive without long polling",
        language: Java,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["object_creation_expression", "method_invocation"],
        fix: "Set a wait time of up to 20 seconds on the request to use long polling",
    }
}

/// Methods that set the wait time, in SDK v1 and v2.
const WAIT_SETTERS: &[&str] = &["withWaitTimeSeconds", "setWaitTimeSeconds", "waitTimeSeconds"];

/// Methods that send a receive request.
const RECEIVERS: &[&str] = &["receiveMessage", "receiveMessageAsync"];

/// What the request's configuration says about its wait time.
enum Wait {
    /// Never set.
    Missing,
    /// Set to the literal `0`.
    Zero,
    /// Set to something else, or handed to code that may set it.
    Set,
}

impl Wait {
    fn add(self, setter: &Call<'_>, cx: &Checker<'_>) -> Wait {
        match (self, setter.arg(0)) {
            (Wait::Set, _) => Wait::Set,
            (_, Some(value)) if cx.text(value) == "0" => Wait::Zero,
            _ => Wait::Set,
        }
    }
}

impl Rule for SqsShortPolling {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let is_v2 = match node.kind() {
            "object_creation_expression" => {
                if calls::created_type(node, cx) != Some("ReceiveMessageRequest")
                    || calls::is_anonymous_class(node)
                {
                    return;
                }
                false
            }
            _ => {
                let Some(call) = Call::of(node, cx) else {
                    return;
                };
                if call.name != "builder" || call.receiver_name(cx) != "ReceiveMessageRequest" {
                    return;
                }
                true
            }
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let mut wait = Wait::Missing;
        let mut value = node;
        let mut built = !is_v2;
        while let Some(parent) = locals.parent(value)
            && let Some(call) = Call::of(parent, cx)
            && call.object.is_some_and(|o| o.id() == value.id())
        {
            if WAIT_SETTERS.contains(&call.name) {
                wait = wait.add(&call, cx);
            }
            built |= call.name == "build";
            value = parent;
        }
        if !built {
            return;
        }
        // Where the request goes: straight into `receiveMessage`, or into a local.
        let sent = if is_receive_argument(value, &locals, cx) {
            true
        } else if let Some(decl) = calls::stored_in(value, &locals, cx) {
            let mut sent = false;
            for used in calls::uses(decl, &locals, cx) {
                match used {
                    Use::Receiver(call) if WAIT_SETTERS.contains(&call.name) => {
                        wait = wait.add(&call, cx);
                    }
                    Use::Receiver(_) | Use::Other => {}
                    Use::Escapes => sent = true,
                }
            }
            let escapes_elsewhere = locals.uses_of(decl, cx.source()).any(|u| {
                matches!(
                    locals.parent(u).map(|p| p.kind()),
                    Some("argument_list" | "return_statement" | "assignment_expression" | "variable_declarator" | "lambda_expression")
                ) && !is_receive_argument(u, &locals, cx)
            });
            sent && !escapes_elsewhere
        } else {
            false
        };
        if !sent {
            return;
        }
        let message = match wait {
            Wait::Set => return,
            Wait::Missing => "`ReceiveMessageRequest` has no wait time: SQS short-polls and returns empty responses while messages wait",
            Wait::Zero => "`ReceiveMessageRequest` sets a wait time of 0: SQS short-polls and returns empty responses while messages wait",
        };
        cx.report(node, message).help(if is_v2 {
            "Add `.waitTimeSeconds(20)` to the builder"
        } else {
            "Call `.withWaitTimeSeconds(20)` on the request"
        });
    }
}

/// Whether `value` is the only argument of a `receiveMessage` call.
fn is_receive_argument<'t>(value: Node<'t>, locals: &semantic::Locals<'t>, cx: &Checker<'t>) -> bool {
    let mut expr = value;
    while let Some(p) = locals.parent(expr)
        && p.kind() == "parenthesized_expression"
    {
        expr = p;
    }
    locals
        .parent(expr)
        .filter(|list| list.kind() == "argument_list" && list.named_child_count() == 1)
        .and_then(|list| locals.parent(list))
        .and_then(|call| Call::of(call, cx))
        .is_some_and(|call| RECEIVERS.contains(&call.name))
}
