use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Locals};
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for archive entry names (`ZipEntry`, `JarEntry`, Commons Compress
    /// `ZipArchiveEntry`/`TarArchiveEntry`/`ArchiveEntry`) used to build a `File` or a
    /// `Path` (`new File(dir, name)`, `dir.resolve(name)`, `Paths.get(..)`,
    /// `new FileOutputStream(..)`) in a method that never checks where the result
    /// points. A check is a `startsWith` together with `normalize()`,
    /// `getCanonicalPath()`/`getCanonicalFile()` or `toRealPath()`, or a test for `".."`
    /// in the name.
    ///
    /// ## Why is this bad?
    /// Entry names are chosen by whoever made the archive. A name such as
    /// `../../home/app/.ssh/authorized_keys` or an absolute path makes the extraction
    /// write outside the target directory ("Zip Slip"), overwriting code,
    /// configuration or keys.
    ///
    /// ## Example
    /// ```java
    /// File out = new File(targetDir, entry.getName());
    /// Files.copy(zip, out.toPath());
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Path out = targetDir.resolve(entry.getName()).normalize();
    /// if (!out.startsWith(targetDir)) {
    ///     throw new IOException("Entry outside target directory: " + entry.getName());
    /// }
    /// Files.copy(zip, out);
    /// ```
    pub UnsafeArchiveExtraction {
        id: "java-unsafe-archive-extraction",
        title: "Archive entry extracted without a path check (Zip Slip)",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [22],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Normalize the destination and check that it starts with the target directory",
    }
}

const ENTRY_TYPES: &[&str] = &[
    "ZipEntry",
    "JarEntry",
    "ZipArchiveEntry",
    "TarArchiveEntry",
    "ArchiveEntry",
    "SevenZArchiveEntry",
];

const NEXT_ENTRY: &[&str] = &["getNextEntry", "getNextJarEntry", "getNextZipEntry", "getNextTarEntry"];

/// Constructors that turn a name into a file.
const FILE_TYPES: &[&str] = &["File", "FileOutputStream", "FileWriter", "RandomAccessFile"];

/// Calls that canonicalize a path, one half of a containment check.
const CANONICALIZING: &[&str] = &["normalize", "getCanonicalPath", "getCanonicalFile", "toRealPath"];

impl Rule for UnsafeArchiveExtraction {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name != "getName" || !call.args.is_empty() {
            return;
        }
        let Some(object) = call.object else {
            return;
        };
        let is_entry = match Call::of(object, cx) {
            Some(next) => NEXT_ENTRY.contains(&next.name),
            None => calls::receiver_type(object, cx).is_some_and(|t| ENTRY_TYPES.contains(&t)),
        };
        if !is_entry {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        if is_checked(scope, cx) {
            return;
        }
        let locals = cx.java().locals(scope);
        // The name itself, and the uses of a local it is stored in.
        let mut values = vec![node];
        if let Some(decl) = calls::stored_in(node, &locals, cx) {
            values.extend(locals.uses_of(decl, cx.source()));
        }
        for value in values {
            if let Some(sink) = path_sink(value, &locals, cx) {
                cx.report(sink, "an archive entry name becomes a file path without a check that it stays in the target directory");
                return;
            }
        }
    }
}

/// The `new File(..)`, `Paths.get(..)` or `resolve(..)` that `value` is an argument of,
/// directly or through `+`.
fn path_sink<'t>(value: Node<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let mut expr = value;
    for _ in 0..8 {
        let parent = locals.parent(expr)?;
        match parent.kind() {
            "binary_expression" | "parenthesized_expression" => expr = parent,
            "argument_list" => {
                let target = locals.parent(parent)?;
                let sink = match target.kind() {
                    "object_creation_expression" => calls::created_type(target, cx)
                        .is_some_and(|t| FILE_TYPES.contains(&t)),
                    _ => Call::of(target, cx).is_some_and(|c| {
                        matches!(c.name, "resolve" | "resolveSibling")
                            || matches!(
                                (c.object.map_or("", |o| simple_name(cx.text(o))), c.name),
                                ("Paths", "get") | ("Path", "of")
                            )
                    }),
                };
                return sink.then_some(target);
            }
            _ => return None,
        }
    }
    None
}

/// Whether the method checks extracted paths: `startsWith` with a canonicalizing call,
/// or a test for `".."`.
fn is_checked<'t>(scope: Node<'t>, cx: &Checker<'t>) -> bool {
    let found = calls::calls_in(scope, cx);
    let starts_with = found.iter().any(|c| c.name == "startsWith");
    let canonical = found.iter().any(|c| CANONICALIZING.contains(&c.name));
    let dot_dot = found.iter().any(|c| {
        matches!(c.name, "contains" | "indexOf" | "startsWith" | "endsWith")
            && c.args.iter().any(|a| cx.text(ast::unparenthesize(*a)).contains(".."))
    });
    starts_with && canonical || dot_dot
}
