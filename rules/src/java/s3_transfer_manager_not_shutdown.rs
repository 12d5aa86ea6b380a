use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic::{self, DeclKind};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for an S3 `TransferManager` built in a method and kept in a local variable
    /// that is never shut down: `TransferManagerBuilder.standard()..build()`,
    /// `TransferManagerBuilder.defaultTransferManager()` or `new TransferManager(..)`
    /// (SDK v1) with no `shutdownNow()`, and `S3TransferManager.create()` or
    /// `S3TransferManager.builder()..build()` (SDK v2) with no `close()` and no
    /// try-with-resources.
    ///
    /// A transfer manager that is returned, stored in a field or handed to another
    /// method is not reported: its owner may shut it down.
    ///
    /// ## Why is this bad?
    /// A transfer manager owns a thread pool (SDK v1) or an async client with its
    /// connection pool and event loop (SDK v2). Until it is shut down, those threads and
    /// connections stay alive: each call of the method leaks another pool, and the
    /// non-daemon threads can keep the JVM from exiting.
    ///
    /// ## Example
    /// ```java
    /// void upload(File file) throws InterruptedException {
    ///     TransferManager tm = TransferManagerBuilder.standard().withS3Client(s3).build();
    ///     tm.upload(BUCKET, file.getName(), file).waitForCompletion();
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// void upload(File file) throws InterruptedException {
    ///     TransferManager tm = TransferManagerBuilder.standard().withS3Client(s3).build();
    ///     try {
    ///         tm.upload(BUCKET, file.getName(), file).waitForCompletion();
    ///     } finally {
    ///         tm.shutdownNow(false);
    ///     }
    /// }
    /// ```
    pub S3TransferManagerNotShutdown {
        id: "java-s3-transfer-manager-not-shutdown",
        title: "S3 TransferManager never shut down",
        language: Java,
        category: ResourceLeak,
        severity: Warning,
        cwe: [404, 772],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Shut the transfer manager down when the work is done, or build one and reuse it",
    }
}

/// Methods that release a transfer manager's threads and connections.
const SHUTDOWNS: &[&str] = &["shutdownNow", "shutdown", "close"];

impl Rule for S3TransferManagerNotShutdown {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let needs_build = if node.kind() == "object_creation_expression" {
            if calls::created_type(node, cx) != Some("TransferManager")
                || calls::is_anonymous_class(node)
            {
                return;
            }
            false
        } else {
            let Some(root) = Call::of(node, cx) else {
                return;
            };
            match (root.receiver_name(cx), root.name) {
                ("TransferManagerBuilder", "standard") | ("S3TransferManager", "builder") => true,
                ("TransferManagerBuilder", "defaultTransferManager")
                | ("S3TransferManager", "create") => false,
                _ => return,
            }
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let built = if needs_build {
            calls::built_by(node, &locals, cx)
        } else {
            Some(node)
        };
        let Some(manager) = built else {
            return;
        };
        let Some(decl) = calls::stored_in(manager, &locals, cx) else {
            return;
        };
        if decl.kind == DeclKind::Resource {
            return;
        }
        let released_or_kept = calls::uses(decl, &locals, cx).into_iter().any(|used| match used {
            Use::Receiver(call) => SHUTDOWNS.contains(&call.name),
            Use::Escapes => true,
            Use::Other => false,
        });
        if released_or_kept {
            return;
        }
        let name = cx.text(decl.name);
        cx.report(
            manager,
            format!("transfer manager `{name}` is never shut down: its threads and connections leak"),
        )
        .help(format!(
            "Call `{name}.{}` in a `finally` block, or build one transfer manager and reuse it",
            if node.kind() == "method_invocation" && cx.text(node).starts_with("S3TransferManager") {
                "close()"
            } else {
                "shutdownNow()"
            }
        ));
    }
}
