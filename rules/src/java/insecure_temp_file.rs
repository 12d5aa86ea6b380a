use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for temporary files created in the shared temporary directory in ways
    /// other users can read or predict:
    ///
    /// - `File.createTempFile(prefix, suffix)` (or with a `null` directory), unless the
    ///   method then restricts the file with `setReadable`, `setWritable` or
    ///   `Files.setPosixFilePermissions`;
    /// - Guava's `Files.createTempDir()`;
    /// - `new File(System.getProperty("java.io.tmpdir"), "fixed-name")`, a fixed name
    ///   in the shared directory.
    ///
    /// ## Why is this bad?
    /// `File.createTempFile` creates the file with the process umask, usually readable
    /// by every user of the machine, so whatever is written to it (exports, keys,
    /// session data) leaks to other local accounts. Guava's `createTempDir` has the same
    /// flaw (CVE-2020-8908). A fixed name in `/tmp` is worse: another user can create it
    /// first, or plant a symbolic link there, and read or redirect what the program
    /// writes.
    ///
    /// ## Example
    /// ```java
    /// File export = File.createTempFile("export", ".csv");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Path export = Files.createTempFile("export", ".csv"); // owner-only on POSIX
    /// ```
    pub InsecureTempFile {
        id: "java-insecure-temp-file",
        title: "Temporary file readable or predictable by other users",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [377, 378],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Use `java.nio.file.Files.createTempFile` or `createTempDirectory`, which create owner-only files",
    }
}

/// Calls after which the file's permissions are the program's own choice.
const RESTRICTING: &[&str] = &[
    "setReadable",
    "setWritable",
    "setPosixFilePermissions",
    "setAttribute",
];

impl Rule for InsecureTempFile {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "object_creation_expression" {
            check_fixed_name(node, cx);
            return;
        }
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let receiver = call.receiver_name(cx);
        if call.name == "createTempDir" && receiver == "Files" && call.args.is_empty() {
            // `java.nio.file.Files` has no `createTempDir`: this is Guava's.
            if cx.java().import("Files").is_some_and(|f| f.starts_with("java.nio")) {
                return;
            }
            cx.report(
                node,
                "Guava's `Files.createTempDir()` creates a directory other local users can read (CVE-2020-8908)",
            )
            .help("Use `java.nio.file.Files.createTempDirectory(prefix)`");
            return;
        }
        if call.name != "createTempFile" || receiver != "File" {
            return;
        }
        match call.args.len() {
            2 => {}
            3 if call.arg(2).is_some_and(|d| d.kind() == "null_literal" || is_tmpdir(d, cx)) => {}
            _ => return,
        }
        let restricted = cx
            .ancestors()
            .find(|a| matches!(a.kind(), "method_declaration" | "constructor_declaration" | "lambda_expression"))
            .is_some_and(|scope| {
                calls::calls_in(scope, cx)
                    .iter()
                    .any(|c| RESTRICTING.contains(&c.name))
            });
        if restricted {
            return;
        }
        cx.report(
            node,
            "`File.createTempFile` creates the file in the shared temporary directory with default permissions, often readable by other users",
        );
    }
}

/// `new File(System.getProperty("java.io.tmpdir"), "name")` with a constant name.
fn check_fixed_name<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if calls::created_type(node, cx) != Some("File") {
        return;
    }
    let Some(args) = node.child_by_field_name("arguments").map(calls::arguments) else {
        return;
    };
    let [dir, name] = args.as_slice() else {
        return;
    };
    if !is_tmpdir(*dir, cx) {
        return;
    }
    let Some(name) = cx.java().constant_str(*name, cx.source()) else {
        return;
    };
    cx.report(
        node,
        format!("`{name}` is a fixed name in the shared temporary directory: another user can create it first or replace it with a link"),
    )
    .help("Use `Files.createTempFile` for a unique, owner-only file");
}

/// `System.getProperty("java.io.tmpdir")`, or `new File(` of it `)`.
fn is_tmpdir<'t>(expr: Node<'t>, cx: &Checker<'t>) -> bool {
    let mut expr = ast::unparenthesize(expr);
    if calls::created_type(expr, cx) == Some("File") {
        let args = expr
            .child_by_field_name("arguments")
            .map(calls::arguments)
            .unwrap_or_default();
        let [only] = args.as_slice() else {
            return false;
        };
        expr = ast::unparenthesize(*only);
    }
    Call::of(expr, cx).is_some_and(|c| {
        c.name == "getProperty"
            && c.receiver_name(cx) == "System"
            && c.arg(0)
                .and_then(|a| cx.java().constant_str(a, cx.source()))
                .is_some_and(|p| p == "java.io.tmpdir")
    })
}
