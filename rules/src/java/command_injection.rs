use tree_sitter::Node;

use crate::java::flows;
use crate::java::semantic::{self, DeclKind, Locals, WriteKind};
use crate::java::text::{quote, simple_name};
use crate::taint::SinkKind;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for operating-system commands built from data that is not a constant:
    /// `Runtime.getRuntime().exec(..)` (or `exec` on a `Runtime` variable),
    /// `new ProcessBuilder(..)`, `processBuilder.command(..)` and commons-exec
    /// `CommandLine.parse(..)`, when the command or one of its arguments comes from a
    /// parameter, a field, a method call, or a concatenation, `String.format` or
    /// `StringBuilder` with such a part.
    ///
    /// Commands made only of literals and constants, including arrays and lists of
    /// them, are not reported; neither are numbers and booleans. Servlet request data and
    /// Spring request parameters are followed through the method and same-file helpers,
    /// and the finding shows their path to the command.
    ///
    /// ## Why is this bad?
    /// If any part of the command comes from a user, the user chooses what runs. Through
    /// a shell (`sh -c`, `cmd /c`) a `;`, `|`, `&&` or `$(..)` runs arbitrary commands
    /// with the application's privileges. Even without a shell, `Runtime.exec(String)`
    /// splits the string on spaces, so the input adds arguments, and an argument that
    /// starts with `-` becomes an option (`--output=/etc/cron.d/x`).
    ///
    /// ## Example
    /// ```java
    /// Process p = Runtime.getRuntime().exec("ping -c 1 " + host);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// if (!HOST_NAME.matcher(host).matches()) {
    ///     throw new IllegalArgumentException("invalid host");
    /// }
    /// Process p = new ProcessBuilder("ping", "-c", "1", "--", host).start();
    /// ```
    pub CommandInjection {
        id: "java-command-injection",
        title: "OS command built from non-constant data",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [78],
        precision: Medium,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Run a fixed program with separate arguments and validate every input against an allow-list",
    }
}

/// Programs that interpret their argument as a command line.
pub(crate) const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "ksh", "dash", "ash", "csh", "tcsh", "fish", "cmd", "cmd.exe",
    "powershell", "powershell.exe", "pwsh",
];

/// How many elements of an argument list are looked at.
const MAX_ELEMENTS: usize = 64;

impl Rule for CommandInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if flows::check(node, cx, SinkKind::Command) != flows::Outcome::Unknown {
            return;
        }
        let Some((api, args)) = sink(node, cx) else {
            return;
        };
        if args.is_empty() {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);

        let elements = if api == "Runtime.exec" || api == "CommandLine.parse" {
            // Only the first argument is the command; the others are the environment.
            expand(args[0], &locals, cx)
        } else if let [only] = args.as_slice() {
            expand(*only, &locals, cx)
        } else {
            args.clone()
        };
        let Some((index, dynamic)) = elements
            .iter()
            .enumerate()
            .find_map(|(i, e)| unit.dynamic_part(&locals, *e).map(|d| (i, d)))
        else {
            return;
        };
        let from = quote(cx.text(dynamic.source));
        let program = elements
            .first()
            .and_then(|e| unit.constant_str_in(&locals, *e))
            .unwrap_or_default();
        let program_name = program.split_whitespace().next().unwrap_or_default();
        let program_name = program_name.rsplit(['/', '\\']).next().unwrap_or(program_name);
        let runs_shell = SHELLS.contains(&program_name.to_ascii_lowercase().as_str());

        let (message, help) = if runs_shell {
            (
                format!("`{api}` runs a shell command built from `{from}`: `;`, `|` or `$(..)` in it runs other commands"),
                "Do not pass input to a shell: run the program directly with separate arguments, and validate the input against an allow-list".to_string(),
            )
        } else if elements.len() == 1 {
            let how = if dynamic.built { "built from" } else { "taken from" };
            (
                format!("`{api}` runs a command line {how} `{from}`: the input chooses the program or adds arguments"),
                "Run a fixed program with separate arguments, e.g. `new ProcessBuilder(\"tool\", \"--\", input)`, and validate the input against an allow-list".to_string(),
            )
        } else if index == 0 {
            (
                format!("`{api}` runs a program chosen by `{from}`, which is not a constant"),
                "Pick the program from a fixed set of constants".to_string(),
            )
        } else {
            (
                format!("an argument of `{program_name}` passed to `{api}` comes from `{from}`, which is not a constant: it can inject options"),
                format!("Validate `{from}` against an allow-list and put `--` before it so it cannot start an option"),
            )
        };
        cx.report(node, message).help(help);
    }
}

/// The command APIs, and the arguments that make up the command.
fn sink<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<(&'static str, Vec<Node<'t>>)> {
    let args = |n: Node<'t>| {
        n.child_by_field_name("arguments")
            .map(ast::named_children)
            .unwrap_or_default()
    };
    if node.kind() == "object_creation_expression" {
        let ty = simple_name(cx.text(node.child_by_field_name("type")?));
        return (ty == "ProcessBuilder" && !has_body(node)).then(|| ("ProcessBuilder", args(node)));
    }
    let method = cx.text(node.child_by_field_name("name")?);
    let object = node.child_by_field_name("object").map(ast::unparenthesize);
    match method {
        "exec" => {
            let object = object?;
            let is_runtime = match object.kind() {
                "method_invocation" => object
                    .child_by_field_name("name")
                    .is_some_and(|n| cx.text(n) == "getRuntime"),
                "identifier" | "field_access" => type_is(object, "Runtime", cx),
                _ => false,
            };
            is_runtime.then(|| ("Runtime.exec", args(node)))
        }
        "command" => {
            let object = object?;
            let is_builder = match object.kind() {
                "object_creation_expression" => object
                    .child_by_field_name("type")
                    .is_some_and(|t| simple_name(cx.text(t)) == "ProcessBuilder"),
                "identifier" | "field_access" => type_is(object, "ProcessBuilder", cx),
                _ => false,
            };
            is_builder.then(|| ("ProcessBuilder.command", args(node)))
        }
        "parse" => object
            .is_some_and(|o| simple_name(cx.text(o)) == "CommandLine")
            .then(|| ("CommandLine.parse", args(node))),
        _ => None,
    }
}

fn has_body(creation: Node<'_>) -> bool {
    ast::named_children(creation)
        .iter()
        .any(|c| c.kind() == "class_body")
}

fn type_is<'t>(expr: Node<'t>, ty: &str, cx: &Checker<'t>) -> bool {
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return false;
    };
    let unit = cx.java();
    let locals = unit.locals(scope);
    unit.type_of(&locals, expr) == Some(ty)
}

/// The elements of a command given as one array or list (`new String[] {..}`,
/// `List.of(..)`, a local array or list filled with `add`), so that each element can
/// be judged on its own; any other expression is its own single element.
fn expand<'t>(expr: Node<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Vec<Node<'t>> {
    let expr = ast::unparenthesize(expr);
    let mut elements = Vec::new();
    if let Some(direct) = literal_elements(expr, cx) {
        elements.extend(direct);
    } else if expr.kind() == "identifier"
        && let Some(decl) = locals.resolve(expr, cx.source())
        && decl.kind == DeclKind::Local
    {
        let Some(value) = decl.value.map(ast::unparenthesize) else {
            return vec![expr];
        };
        let Some(initial) = literal_elements(value, cx).or_else(|| is_empty_list(value, cx).then(Vec::new))
        else {
            return vec![expr];
        };
        elements.extend(initial);
        for write in locals.writes_of(decl, cx.source()) {
            match (write.kind, write.method) {
                (WriteKind::Mutate, Some("add" | "addAll" | "set")) => {
                    // `cmd.add(x)`, `cmd.add(0, x)`, `cmd.set(i, x)`: the last argument is the element.
                    if let Some(last) = ast::named_children(write.value).last() {
                        elements.push(*last);
                    }
                }
                (WriteKind::Element, _) => elements.push(write.value),
                // Anything else replaces the list: judge the variable as a whole.
                _ => return vec![expr],
            }
        }
    } else {
        elements.push(expr);
    }
    elements.truncate(MAX_ELEMENTS);
    elements
}

/// `new String[] {"a", b}`, `{"a", b}`, `List.of("a", b)`, `Arrays.asList("a", b)`.
fn literal_elements<'t>(expr: Node<'t>, cx: &Checker<'t>) -> Option<Vec<Node<'t>>> {
    match expr.kind() {
        "array_creation_expression" => {
            let value = expr.child_by_field_name("value")?;
            Some(ast::named_children(value))
        }
        "array_initializer" => Some(ast::named_children(expr)),
        "method_invocation" => {
            let name = cx.text(expr.child_by_field_name("name")?);
            let object = simple_name(cx.text(expr.child_by_field_name("object")?));
            let is_list = matches!((object, name), ("List", "of") | ("Arrays", "asList") | ("Stream", "of"));
            is_list.then(|| {
                expr.child_by_field_name("arguments")
                    .map(ast::named_children)
                    .unwrap_or_default()
            })
        }
        _ => None,
    }
}

/// `new ArrayList<>()`, `new LinkedList<>()`.
fn is_empty_list(expr: Node<'_>, cx: &Checker<'_>) -> bool {
    expr.kind() == "object_creation_expression"
        && expr
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() == 0)
        && expr
            .child_by_field_name("type")
            .and_then(|t| semantic::simple_type_name(t, cx.source()))
            .is_some_and(|t| t.ends_with("List"))
}
