//! `java-path-traversal`: a taint rule; the flows come from [`crate::java::taint`].

use tree_sitter::Node;

use crate::java::flows;
use crate::taint::SinkKind;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for servlet request data or Spring request parameters used as a file path:
    /// `new File(..)`, `new FileInputStream(..)`, `new FileOutputStream(..)`, `new
    /// FileReader(..)`, `new FileWriter(..)`, `new RandomAccessFile(..)`, `Paths.get(..)`,
    /// `Path.of(..)` and the `Files` methods that read, write, copy or delete. The value is
    /// followed through the method and same-file helpers.
    ///
    /// Only the file name part (`FilenameUtils.getName`, `Paths.get(x).getFileName()`, `new
    /// File(x).getName()`), numbers, values checked against an allow-list, and paths
    /// normalized and then checked with `startsWith(base)` are fine.
    ///
    /// ## Why is this bad?
    /// A name such as `../../etc/passwd` or an absolute path walks out of the directory the
    /// code meant to use: the attacker reads configuration and keys, or overwrites files
    /// the server later runs.
    ///
    /// ## Example
    /// ```java
    /// String name = request.getParameter("file");
    /// File file = new File(UPLOAD_DIR, name);
    /// return Files.readAllBytes(file.toPath());
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// String name = FilenameUtils.getName(request.getParameter("file"));
    /// File file = new File(UPLOAD_DIR, name);
    /// return Files.readAllBytes(file.toPath());
    /// ```
    pub PathTraversal {
        id: "java-path-traversal",
        title: "File path built from untrusted input",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [22],
        precision: High,
        kinds: ["object_creation_expression", "method_invocation"],
        fix: "Keep only the file name (`FilenameUtils.getName`), or resolve and normalize the path and check it stays under the base directory",
    }
}

impl Rule for PathTraversal {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        flows::check(node, cx, SinkKind::Path);
    }
}
