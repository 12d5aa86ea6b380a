use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for files, sockets, temporary files, SQLite connections and archives
    /// (`open`, `io.open`, `codecs.open`, `gzip.open`, `socket.socket`,
    /// `tempfile.NamedTemporaryFile`, `tempfile.TemporaryFile`, `sqlite3.connect`,
    /// `zipfile.ZipFile`, `tarfile.open`) that are not closed on every path:
    /// - used inline (`open(path).read()`, `json.load(open(path))`,
    ///   `for line in open(path)`), so nothing ever closes them;
    /// - bound to a name in a function and never closed, or closed only after code that
    ///   can raise, outside a `finally` block.
    ///
    /// A resource is fine when it is opened in a `with` statement, later used as
    /// `with f:`, wrapped in `contextlib.closing`, closed in a `finally` block or by a
    /// registered cleanup (`self.addCleanup(f.close)`), or when
    /// it escapes the function: returned, yielded, stored on an object or in a
    /// container, or passed to another function that may keep it. `with
    /// sqlite3.connect(...)` is reported: that block ends the transaction but does not
    /// close the connection.
    ///
    /// ## Why is this bad?
    /// An unclosed resource is released only when the garbage collector gets to it,
    /// which in PyPy, in reference cycles or after an exception may be much later, or
    /// never. Meanwhile the process holds a file descriptor, a socket or a database lock;
    /// under load it runs out of descriptors ("Too many open files"), and data written to
    /// an unclosed file may never be flushed to disk.
    ///
    /// ## Example
    /// ```python
    /// import json
    ///
    /// def load_config(path):
    ///     return json.load(open(path))
    ///
    /// def append_line(path, line):
    ///     f = open(path, "a")
    ///     f.write(line + "\n")  # if this raises, `f` is never closed
    ///     f.close()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import json
    ///
    /// def load_config(path):
    ///     with open(path) as f:
    ///         return json.load(f)
    ///
    /// def append_line(path, line):
    ///     with open(path, "a") as f:
    ///         f.write(line + "\n")
    /// ```
    pub ResourceLeak {
        id: "py-resource-leak",
        title: "Resource not closed on every path",
        language: Python,
        category: ResourceLeak,
        severity: Warning,
        cwe: [404, 772, 400],
        precision: Medium,
        kinds: ["call"],
        fix: "Open it in a `with` statement so it is closed on every path",
    }
}

const CALLEE_NAMES: &[&str] = &[
    "open",
    "socket",
    "NamedTemporaryFile",
    "TemporaryFile",
    "connect",
    "ZipFile",
];

/// Constructors of resources that must be closed, and what they make.
const RESOURCES: &[(&str, &str)] = &[
    ("builtins.open", "file"),
    ("io.open", "file"),
    ("codecs.open", "file"),
    ("gzip.open", "file"),
    ("bz2.open", "file"),
    ("lzma.open", "file"),
    ("socket.socket", "socket"),
    ("tempfile.NamedTemporaryFile", "temporary file"),
    ("tempfile.TemporaryFile", "temporary file"),
    ("sqlite3.connect", "database connection"),
    ("zipfile.ZipFile", "archive"),
    ("tarfile.open", "archive"),
];

/// Functions that use a file object they are given without taking ownership of it:
/// passing a resource to them does not let it escape, and does not close it.
const BORROWERS: &[&str] = &[
    "builtins.list",
    "builtins.sorted",
    "builtins.iter",
    "builtins.next",
    "builtins.enumerate",
    "builtins.print",
    "json.load",
    "json.dump",
    "pickle.load",
    "pickle.dump",
    "yaml.load",
    "yaml.safe_load",
    "yaml.dump",
    "yaml.safe_dump",
    "csv.reader",
    "csv.writer",
    "csv.DictReader",
    "csv.DictWriter",
    "tomllib.load",
    "shutil.copyfileobj",
];

impl Rule for ResourceLeak {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::callee_name(node, cx.source()).is_some_and(|n| CALLEE_NAMES.contains(&n)) {
            return;
        }
        let Some(constructor) = cx.python().resolve_call(node) else {
            return;
        };
        let Some(&(_, kind)) = RESOURCES.iter().find(|(name, _)| *name == constructor) else {
            return;
        };
        let leak = match usage(node, cx) {
            Usage::Managed | Usage::Escapes => return,
            Usage::SqliteWith => {
                cx.report(node, "`with sqlite3.connect(...)` commits or rolls back, but does not close the connection")
                    .help("Close it too: `with contextlib.closing(sqlite3.connect(path)) as conn, conn:`");
                return;
            }
            Usage::Inline(how) => how,
            Usage::Named {
                name,
                function,
                statement,
            } => {
                match named_usage(
                    name,
                    function,
                    statement,
                    constructor != "sqlite3.connect",
                    cx,
                ) {
                    Some(leak) => leak,
                    None => return,
                }
            }
        };
        let help = if kind == "file" {
            "Use `with open(...) as f:` so the file is closed on every path"
        } else {
            "Use a `with` statement, or close it in a `finally` block"
        };
        let message = match leak {
            Leak::MethodCalled(method) => format!(
                "the {kind} opened here is never closed: `.{method}()` is called on it and the object is left to the garbage collector"
            ),
            Leak::Borrowed(function) => {
                format!("the {kind} opened here is passed to `{function}`, which does not close it")
            }
            Leak::Iterated => format!("the {kind} opened here is iterated but never closed"),
            Leak::Discarded => format!("the {kind} opened here is discarded without being closed"),
            Leak::NeverClosed(name) => format!("`{name}` holds a {kind} that is never closed"),
            Leak::HappyPath(name) => {
                format!("`{name}` is closed only if nothing raises before `{name}.close()`")
            }
        };
        cx.report(node, message).help(help);
    }
}

/// What happens to the object a constructor call returns, judged from where the call is.
enum Usage<'t> {
    /// Opened by a `with` statement or wrapped in `contextlib.closing`.
    Managed,
    /// Handed to code that may close it later.
    Escapes,
    SqliteWith,
    /// Used in place, so nothing can close it.
    Inline(Leak),
    /// Bound to a local name of `function` by the assignment `statement`.
    Named {
        name: &'t str,
        function: Node<'t>,
        statement: Node<'t>,
    },
}

enum Leak {
    MethodCalled(String),
    Borrowed(String),
    Iterated,
    Discarded,
    NeverClosed(String),
    HappyPath(String),
}

fn usage<'t>(node: Node<'t>, cx: &Checker<'t>) -> Usage<'t> {
    let mut child = node;
    let mut ancestors = cx.ancestors();
    let Some(mut parent) = ancestors.next() else {
        return Usage::Escapes;
    };
    while parent.kind() == "parenthesized_expression" {
        child = parent;
        match ancestors.next() {
            Some(next) => parent = next,
            None => return Usage::Escapes,
        }
    }
    let is_sqlite = || cx.python().resolve_call(node).as_deref() == Some("sqlite3.connect");
    match parent.kind() {
        "with_item" => {
            if is_sqlite() {
                Usage::SqliteWith
            } else {
                Usage::Managed
            }
        }
        "as_pattern" => match ancestors.next() {
            Some(item) if item.kind() == "with_item" => {
                if is_sqlite() {
                    Usage::SqliteWith
                } else {
                    Usage::Managed
                }
            }
            _ => Usage::Escapes,
        },
        "attribute" => {
            let method = parent
                .child_by_field_name("attribute")
                .map_or("", |a| cx.text(a));
            // `detach()` hands the descriptor to the caller.
            if matches!(method, "close" | "__enter__" | "detach") {
                Usage::Managed
            } else {
                Usage::Inline(Leak::MethodCalled(method.to_string()))
            }
        }
        "argument_list" | "keyword_argument" => {
            let call = if parent.kind() == "keyword_argument" {
                ancestors.next();
                ancestors.next()
            } else {
                ancestors.next()
            };
            let Some(call) = call.filter(|c| c.kind() == "call") else {
                return Usage::Escapes;
            };
            match cx.python().resolve_call(call) {
                Some(name) if name == "contextlib.closing" => Usage::Managed,
                Some(name) if BORROWERS.contains(&name.as_str()) => Usage::Inline(Leak::Borrowed(
                    name.trim_start_matches("builtins.").to_string(),
                )),
                _ => Usage::Escapes,
            }
        }
        "for_statement" | "for_in_clause"
            if parent
                .child_by_field_name("right")
                .is_some_and(|r| r.id() == child.id()) =>
        {
            Usage::Inline(Leak::Iterated)
        }
        "expression_statement" => Usage::Inline(Leak::Discarded),
        "assignment"
            if parent
                .child_by_field_name("right")
                .is_some_and(|r| r.id() == child.id()) =>
        {
            let Some(left) = parent.child_by_field_name("left") else {
                return Usage::Escapes;
            };
            if left.kind() != "identifier" {
                return Usage::Escapes;
            }
            let Some(statement) = ancestors.next() else {
                return Usage::Escapes;
            };
            // Only function locals: a module-level resource lives as long as the program.
            let function = ancestors.find(|a| {
                matches!(
                    a.kind(),
                    "function_definition" | "class_definition" | "lambda" | "module"
                )
            });
            match function {
                Some(function) if function.kind() == "function_definition" => Usage::Named {
                    name: cx.text(left),
                    function,
                    statement,
                },
                _ => Usage::Escapes,
            }
        }
        _ => Usage::Escapes,
    }
}

/// How the local `name` is treated in `function`; `None` when it is closed on every
/// path or escapes. `with_closes` is false for objects whose `with` block does not close
/// them (SQLite connections).
fn named_usage(
    name: &str,
    function: Node<'_>,
    open_statement: Node<'_>,
    with_closes: bool,
    cx: &Checker<'_>,
) -> Option<Leak> {
    let body = function.child_by_field_name("body")?;
    let mut finally_blocks: Vec<(usize, usize)> = Vec::new();
    let mut except_blocks: Vec<(usize, usize)> = Vec::new();
    let mut nested_until = 0;
    let mut closed_on_error = false;
    let mut closed = false;
    // A close right after the open (next statement, or the `else:` of a `try` around
    // the open) leaves nothing in between that could raise.
    let mut closed_at_once = false;
    let is_name = |n: Node<'_>| n.kind() == "identifier" && cx.text(n) == name;
    let inside = |blocks: &[(usize, usize)], n: Node<'_>| {
        blocks
            .iter()
            .any(|&(start, end)| start <= n.start_byte() && n.end_byte() <= end)
    };
    for node in ast::descendants(body) {
        if node.start_byte() < nested_until {
            // A closure that uses the name may close it, or keep it.
            if is_name(node) {
                return None;
            }
            continue;
        }
        match node.kind() {
            "function_definition" | "class_definition" | "lambda" => {
                nested_until = node.end_byte();
            }
            "finally_clause" => finally_blocks.push((node.start_byte(), node.end_byte())),
            "except_clause" => except_blocks.push((node.start_byte(), node.end_byte())),
            "with_item" => {
                let value = node.child_by_field_name("value");
                let manager = match value {
                    Some(v) if v.kind() == "as_pattern" => v.named_child(0),
                    v => v,
                };
                if with_closes && manager.is_some_and(|m| is_name(ast::unparenthesize(m))) {
                    return None;
                }
            }
            "call" => {
                if let Some(function) = node.child_by_field_name("function")
                    && function.kind() == "attribute"
                    && function
                        .child_by_field_name("object")
                        .is_some_and(|o| is_name(ast::unparenthesize(o)))
                    && function
                        .child_by_field_name("attribute")
                        .is_some_and(|a| matches!(cx.text(a), "close" | "__exit__"))
                {
                    if inside(&finally_blocks, node) {
                        return None;
                    }
                    if node
                        .parent()
                        .is_some_and(|statement| follows(open_statement, statement))
                    {
                        closed_at_once = true;
                    }
                    if inside(&except_blocks, node) {
                        closed_on_error = true;
                    } else {
                        closed = true;
                    }
                }
                let arguments = call::argument_values(node);
                // `self.addCleanup(f.close)`, `atexit.register(f.close)`, `stack.callback(f.close)`:
                // the close is registered to run however the function ends.
                let registers_close = arguments.iter().any(|a| {
                    a.kind() == "attribute"
                        && a.child_by_field_name("object").is_some_and(is_name)
                        && a.child_by_field_name("attribute")
                            .is_some_and(|m| cx.text(m) == "close")
                });
                if registers_close {
                    return None;
                }
                if arguments.into_iter().any(|a| flows(a, &is_name)) {
                    let borrowed = cx
                        .python()
                        .resolve_call(node)
                        .is_some_and(|n| BORROWERS.contains(&n.as_str()));
                    if !borrowed {
                        return None;
                    }
                }
            }
            "return_statement" | "yield"
                if ast::named_children(node)
                    .into_iter()
                    .any(|v| flows(v, &is_name)) =>
            {
                return None;
            }
            "assignment" | "named_expression"
                if node
                    .child_by_field_name("right")
                    .or_else(|| node.child_by_field_name("value"))
                    .is_some_and(|v| flows(v, &is_name)) =>
            {
                return None;
            }
            _ => {}
        }
    }
    match (closed, closed_on_error) {
        (true, _) if closed_at_once => None,
        (true, true) => None,
        (true, false) => Some(Leak::HappyPath(name.to_string())),
        (false, _) => Some(Leak::NeverClosed(name.to_string())),
    }
}

/// Whether `second` is the statement that runs right after `first`: its next sibling,
/// or the first statement of the `else:` of a `try` whose body ends with `first`.
fn follows(first: Node<'_>, second: Node<'_>) -> bool {
    fn next(node: Node<'_>) -> Option<Node<'_>> {
        let mut sibling = node.next_named_sibling();
        while let Some(s) = sibling.filter(|s| s.kind() == "comment") {
            sibling = s.next_named_sibling();
        }
        sibling
    }
    if next(first).is_some_and(|n| n.id() == second.id()) {
        return true;
    }
    if next(first).is_some() {
        return false;
    }
    let Some(body) = first.parent().filter(|b| b.kind() == "block") else {
        return false;
    };
    let Some(statement) = body.parent().filter(|t| t.kind() == "try_statement") else {
        return false;
    };
    ast::named_children(statement)
        .into_iter()
        .find(|c| c.kind() == "else_clause")
        .and_then(|clause| clause.child_by_field_name("body"))
        .and_then(|block| {
            ast::named_children(block)
                .into_iter()
                .find(|s| s.kind() != "comment")
        })
        .is_some_and(|s| s.id() == second.id())
}

/// Whether `value` is the name, or a container or conditional holding it, so that
/// storing or passing `value` hands the resource on.
fn flows(value: Node<'_>, is_name: &impl Fn(Node<'_>) -> bool) -> bool {
    let mut nodes = ast::descendants(value);
    while let Some(node) = nodes.next() {
        match node.kind() {
            "identifier" if is_name(node) => return true,
            "parenthesized_expression"
            | "tuple"
            | "list"
            | "set"
            | "dictionary"
            | "pair"
            | "expression_list"
            | "conditional_expression"
            | "boolean_operator"
            | "list_splat"
            | "keyword_argument" => {}
            _ => nodes.skip_children(),
        }
    }
    false
}
