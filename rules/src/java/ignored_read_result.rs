use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `read(buffer)`, `read(buffer, offset, length)` and `skip(n)` on an
    /// `InputStream`, a `Reader` or a `RandomAccessFile` whose result is thrown away.
    /// The receiver's declared type (or `new T(..)`) must end in `InputStream` or
    /// `Reader`, or be `RandomAccessFile`.
    ///
    /// ## Why is this bad?
    /// `read` may fill only part of the buffer: it returns how many bytes it read, or
    /// -1 at the end of the stream. `skip` may skip fewer bytes than asked. Code that
    /// ignores the count works on a fast local file and silently processes a partly
    /// filled buffer, stale bytes included, when the data comes from a network or a
    /// compressed stream.
    ///
    /// ## Example
    /// ```java
    /// byte[] header = new byte[16];
    /// in.read(header);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// byte[] header = in.readNBytes(16);
    /// if (header.length < 16) {
    ///     throw new EOFException("truncated header");
    /// }
    /// ```
    pub IgnoredReadResult {
        id: "java-ignored-read-result",
        title: "Result of `read` or `skip` ignored",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [252],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use the count `read` returns, or `readNBytes`/`readFully`/`skipNBytes`, which read everything",
    }
}

impl Rule for IgnoredReadResult {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let shape = match call.name {
            "read" => matches!(call.args.len(), 1 | 3),
            "skip" => call.args.len() == 1,
            _ => false,
        };
        if !shape || !calls::result_ignored(cx) {
            return;
        }
        let Some(ty) = call.object.and_then(|o| calls::receiver_type(o, cx)) else {
            return;
        };
        if !(ty.ends_with("InputStream") || ty.ends_with("Reader") || ty == "RandomAccessFile") {
            return;
        }
        let (done, help) = if call.name == "skip" {
            (
                "skipped",
                "Use `skipNBytes(n)` (Java 12+), or loop until `skip` has skipped enough",
            )
        } else {
            (
                "read",
                "Use `readNBytes`/`readFully`, or loop until `read` has filled the buffer",
            )
        };
        cx.report(
            node,
            format!(
                "the result of `{ty}.{}` is ignored: it may have {done} fewer bytes than asked",
                call.name
            ),
        )
        .help(help);
    }
}
