use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for files made writable by every user:
    /// - `PosixFilePermissions.fromString(..)` with a constant whose "others" part
    ///   includes `w` (`"rw-rw-rw-"`, `"rwxrwxrwx"`);
    /// - `PosixFilePermission.OTHERS_WRITE` added unconditionally to a permission set (`add`, `Set.of`,
    ///   `EnumSet.of`, ..);
    /// - `file.setWritable(true, false)` on a `java.io.File`, which grants write access
    ///   to everybody.
    ///
    /// ## Why is this bad?
    /// Any local account, or any compromised service running on the host, can then
    /// change the file: replace a script or a configuration that the application later
    /// runs or trusts, plant data, or truncate logs.
    ///
    /// ## Example
    /// ```java
    /// Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxrwxrwx"));
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    /// ```
    pub LooseFilePermissions {
        id: "java-loose-file-permissions",
        title: "File writable by every user",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [732],
        precision: High,
        kinds: ["method_invocation", "field_access"],
        fix: "Grant write access to the owner (and at most its group) only",
    }
}

/// Calls that put permissions into a set.
const ADDING: &[&str] = &["add", "of", "asList", "addAll", "setOf", "newHashSet"];

impl Rule for LooseFilePermissions {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "field_access" {
            check_others_write(node, cx);
            return;
        }
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        match call.name {
            "fromString" if call.receiver_name(cx) == "PosixFilePermissions" => {
                let Some(perms) = call.arg(0).and_then(|a| cx.java().constant_str(a, cx.source()))
                else {
                    return;
                };
                if perms.len() == 9 && perms.as_bytes().get(7) == Some(&b'w') {
                    cx.report(node, format!("`\"{perms}\"` lets every user write the file"))
                        .help(format!(
                            "Drop the others' write bit: `\"{}-{}\"`",
                            perms.get(..7).unwrap_or_default(),
                            perms.get(8..).unwrap_or_default()
                        ));
                }
            }
            "setWritable" => {
                let everyone = call.args.len() == 2
                    && call.arg(0).is_some_and(|a| cx.text(a) == "true")
                    && call.arg(1).is_some_and(|a| cx.text(a) == "false");
                let is_file = call
                    .object
                    .is_some_and(|o| calls::receiver_type(o, cx) == Some("File"));
                if everyone && is_file {
                    cx.report(node, "`setWritable(true, false)` lets every user write the file")
                        .help("Use `setWritable(true, true)`: writable by its owner only");
                }
            }
            _ => {}
        }
    }
}

/// `PosixFilePermission.OTHERS_WRITE` given to a call that builds a permission set.
fn check_others_write<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if node
        .child_by_field_name("field")
        .is_none_or(|f| cx.text(f) != "OTHERS_WRITE")
    {
        return;
    }
    let mut parents = cx.ancestors();
    let granted = match (parents.next(), parents.next()) {
        (Some(list), Some(call)) if list.kind() == "argument_list" => {
            Call::of(call, cx).is_some_and(|c| ADDING.contains(&c.name))
        }
        (Some(init), _) if init.kind() == "array_initializer" => true,
        _ => false,
    };
    // `if ((bits & S_IWOTH) > 0) perms.add(OTHERS_WRITE);` translates a mode that
    // already exists; only an unconditional grant is a choice made here.
    let conditional = cx
        .ancestors()
        .take_while(|a| !matches!(a.kind(), "method_declaration" | "constructor_declaration" | "lambda_expression"))
        .any(|a| a.kind() == "if_statement");
    if granted && !conditional {
        cx.report(node, "`OTHERS_WRITE` lets every user write the file");
    }
}
