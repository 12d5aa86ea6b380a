use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for SQS `receive_message(QueueUrl=...)` calls without `WaitTimeSeconds`, or
    /// with `WaitTimeSeconds=0`.
    ///
    /// A queue can set `ReceiveMessageWaitTimeSeconds` itself, in which case calls
    /// without `WaitTimeSeconds` already long-poll; stating it in the call keeps the
    /// behaviour where the code is read.
    ///
    /// ## Why is this bad?
    /// Short polling returns at once, usually empty, and samples only some of the SQS
    /// servers, so it can miss messages that are there. A consumer loop then spins:
    /// thousands of empty, billed requests per hour and CPU burnt for nothing. Long
    /// polling waits up to 20 seconds for a message and asks every server.
    ///
    /// ## Example
    /// ```python
    /// def consume(sqs, queue_url):
    ///     while True:
    ///         response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    ///         for message in response.get("Messages", []):
    ///             handle(message)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def consume(sqs, queue_url):
    ///     while True:
    ///         response = sqs.receive_message(
    ///             QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=20
    ///         )
    ///         for message in response.get("Messages", []):
    ///             handle(message)
    /// ```
    pub SqsShortPolling {
        id: "py-sqs-short-polling",
        title: "SQS receive without long polling",
        language: Python,
        category: AwsBestPractice,
        severity: Info,
        cwe: [],
        precision: Medium,
        kinds: ["call"],
        fix: "Pass `WaitTimeSeconds=20` to long-poll",
    }
}

impl Rule for SqsShortPolling {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) != Some("receive_message")
            || call::keyword(node, "QueueUrl", cx.source()).is_none()
            || call::has_keyword_splat(node)
        {
            return;
        }
        let message = match call::keyword(node, "WaitTimeSeconds", cx.source()) {
            None => "`receive_message` without `WaitTimeSeconds` short-polls: it returns at once, often empty, and may miss messages",
            Some(wait) if cx.python().constant_int(wait) == Some(0) => {
                "`WaitTimeSeconds=0` short-polls: the call returns at once, often empty, and may miss messages"
            }
            Some(_) => return,
        };
        cx.report(node, message)
            .help("Pass `WaitTimeSeconds=20` to long-poll");
    }
}
