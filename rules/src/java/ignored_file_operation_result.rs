use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `java.io.File` operations whose `boolean` result is thrown away:
    /// `delete`, `mkdir`, `mkdirs`, `createNewFile`, `renameTo` and `setLastModified`.
    /// The receiver must be known to be a `File`: a local, parameter or field declared
    /// as one, `new File(..)`, or `toFile()`/`getParentFile()`/`getAbsoluteFile()`.
    ///
    /// ## Why is this bad?
    /// These methods do not throw when they fail; they return `false`. A failed delete
    /// leaves sensitive data behind, a failed rename or `mkdirs` makes the next step
    /// write somewhere unexpected or fail later with a confusing error, far from the
    /// cause.
    ///
    /// ## Example
    /// ```java
    /// File temp = new File(dir, "upload.tmp");
    /// temp.delete();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Files.deleteIfExists(dir.toPath().resolve("upload.tmp"));
    /// ```
    ///
    /// `java.nio.file.Files` reports failures as exceptions that say why.
    pub IgnoredFileOperationResult {
        id: "java-ignored-file-operation-result",
        title: "Result of a `File` operation ignored",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [252],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Check the result, or use the `java.nio.file.Files` method, which throws on failure",
    }
}

const OPERATIONS: &[&str] = &["delete", "mkdir", "mkdirs", "createNewFile", "renameTo", "setLastModified"];

/// Calls that return a `File`.
const FILE_RESULTS: &[&str] = &["toFile", "getParentFile", "getAbsoluteFile", "getCanonicalFile"];

impl Rule for IgnoredFileOperationResult {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if !OPERATIONS.contains(&call.name) || !calls::result_ignored(cx) {
            return;
        }
        let Some(object) = call.object else {
            return;
        };
        if !is_file(object, cx) {
            return;
        }
        cx.report(node, format!("the result of `File.{}` is ignored: a failure goes unnoticed", call.name));
    }
}

/// Whether an expression is a `java.io.File`.
fn is_file<'t>(object: Node<'t>, cx: &Checker<'t>) -> bool {
    if let Some(inner) = Call::of(object, cx) {
        return FILE_RESULTS.contains(&inner.name) && inner.args.is_empty();
    }
    calls::receiver_type(object, cx) == Some("File")
        && cx.java().import("File").is_none_or(|q| q == "java.io.File")
}
