use tree_sitter::Node;

use crate::java::semantic::{self, Binding, Decl, DeclKind, Locals};
use crate::java::text::{quote, simple_name};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for files, sockets, streams and JDBC objects that are opened outside a
    /// try-with-resources statement and not closed on every path: file streams,
    /// readers and writers, `RandomAccessFile`, `ZipFile`, `Scanner` over a file,
    /// `Socket`, `Files.newBufferedReader`/`newInputStream`/`lines`/`list`/`walk`/`find`
    /// and friends, `DriverManager.getConnection`, `createStatement`,
    /// `prepareStatement` and the `ResultSet` of `executeQuery`.
    ///
    /// A resource is fine when it is opened in a try-with-resources statement, used in
    /// a later `try (x)`, closed in a `finally` block (directly or with a helper such as
    /// `IOUtils.closeQuietly`), or handed to someone else: returned, stored in a field or
    /// a collection, passed to a method or constructor (a wrapping stream then owns
    /// it). Reported: resources never closed, closed only on the happy path, or used
    /// inline (`Files.lines(p).forEach(..)`, `props.load(new FileInputStream(f))`).
    ///
    /// ## Why is this bad?
    /// Each open file, socket or database cursor holds an operating-system handle or a
    /// pooled connection until it is closed. The garbage collector does not close them
    /// promptly, and not at all for `Stream`s from `Files.lines`. A leak in a request
    /// path exhausts file descriptors ("Too many open files") or the connection pool,
    /// and the service stops. A `close()` at the end of a block is skipped as soon as
    /// anything before it throws.
    ///
    /// ## Example
    /// ```java
    /// BufferedReader reader = new BufferedReader(new FileReader(path));
    /// String header = reader.readLine();
    /// reader.close();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// try (BufferedReader reader = Files.newBufferedReader(path)) {
    ///     String header = reader.readLine();
    /// }
    /// ```
    pub ResourceLeak {
        id: "java-resource-leak",
        title: "Resource not closed",
        language: Java,
        category: ResourceLeak,
        severity: Warning,
        cwe: [404, 772],
        precision: High,
        kinds: ["object_creation_expression", "method_invocation"],
        fix: "Open the resource in a try-with-resources statement",
    }
}

/// Classes whose constructor opens a file or a socket.
const OPENING_TYPES: &[&str] = &[
    "FileInputStream",
    "FileOutputStream",
    "FileReader",
    "FileWriter",
    "RandomAccessFile",
    "ZipFile",
    "JarFile",
    "Socket",
    "ServerSocket",
    "DatagramSocket",
];

/// Classes that open a file when given a file name or a `File`, and otherwise wrap
/// (`new PrintWriter(writer)`) or read memory (`new Scanner(string)`).
const OPENING_WITH_FILE: &[&str] = &["Scanner", "PrintWriter", "PrintStream", "Formatter"];

/// Classes that take ownership of the stream they wrap: closing them closes it.
const WRAPPERS: &[&str] = &[
    "BufferedReader",
    "BufferedWriter",
    "InputStreamReader",
    "OutputStreamWriter",
    "PrintWriter",
    "PrintStream",
    "BufferedInputStream",
    "BufferedOutputStream",
    "DataInputStream",
    "DataOutputStream",
    "ObjectInputStream",
    "ObjectOutputStream",
    "GZIPInputStream",
    "GZIPOutputStream",
    "ZipInputStream",
    "ZipOutputStream",
    "JarInputStream",
    "JarOutputStream",
    "InflaterInputStream",
    "DeflaterOutputStream",
    "CheckedInputStream",
    "CheckedOutputStream",
    "DigestInputStream",
    "DigestOutputStream",
    "CipherInputStream",
    "CipherOutputStream",
    "LineNumberReader",
    "PushbackInputStream",
    "PushbackReader",
    "Scanner",
    "Formatter",
];

/// `Files` methods that open a file or a directory.
const FILES_OPENERS: &[&str] = &[
    "newBufferedReader",
    "newBufferedWriter",
    "newInputStream",
    "newOutputStream",
    "newByteChannel",
    "newDirectoryStream",
    "lines",
    "list",
    "walk",
    "find",
];

/// `Stream` methods that return a stream still backed by the same open file.
const STREAM_STEPS: &[&str] = &[
    "filter", "map", "flatMap", "mapToObj", "mapToInt", "mapToLong", "mapToDouble",
    "sorted", "distinct", "limit", "skip", "peek", "onClose", "parallel", "sequential",
    "unordered", "boxed", "takeWhile", "dropWhile", "mapMulti",
];

/// Accessors whose result owns the resource: closing a `FileChannel` from
/// `getChannel()` closes its file, closing a socket's stream closes the socket.
const OWNING_ACCESSORS: &[&str] = &["getChannel", "getInputStream", "getOutputStream"];

/// Calls that read or copy a stream without closing it.
const NON_OWNING: &[(&str, &[&str])] = &[
    (
        "IOUtils",
        &[
            "toString", "toByteArray", "copy", "copyLarge", "readLines", "contentEquals",
            "readFully", "read", "lineIterator", "buffer", "toCharArray", "skip",
        ],
    ),
    ("Files", &["copy"]),
    ("ImageIO", &["read"]),
    ("StreamUtils", &["copy", "copyToString", "copyToByteArray", "drain"]),
    ("ByteStreams", &["toByteArray", "copy", "exhaust", "readFully"]),
    ("CharStreams", &["toString", "copy", "readLines"]),
];

/// Methods that read a stream without closing it, whatever the receiver.
const NON_OWNING_METHODS: &[&str] = &["load", "loadFromXML"];

/// How far up an expression a resource is followed.
const MAX_STEPS: usize = 32;

/// How many wrapper-in-a-variable levels a resource is followed through.
const MAX_NESTING: usize = 8;

/// What a resource is, for the messages.
struct Resource {
    /// `FileInputStream`, `Files.lines(..)`.
    label: String,
    is_stream: bool,
}

/// Where a resource ends up.
enum Fate<'t> {
    /// Closed on every path, or by try-with-resources.
    Managed,
    /// Someone else owns it now.
    Escapes,
    /// Never closed; `Some(var)` when it was held in `var`.
    Unclosed(Option<Node<'t>>),
    /// Closed by `close` outside a `finally`.
    HappyPathOnly { var: Node<'t>, close: Node<'t> },
    /// Used once without being closed: `new Scanner(file).nextLine()`.
    Inline(Node<'t>),
    /// Handed to a call that reads it but does not close it.
    Consumed(Node<'t>),
}

impl Rule for ResourceLeak {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !may_open(node, cx) {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        if scope.kind() == "field_declaration" {
            return;
        }
        let Some(resource) = resource(node, scope, cx) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let label = &resource.label;
        let help = if resource.is_stream {
            "Close the stream with try-with-resources: `try (Stream<..> s = Files.lines(path)) { .. }`"
        } else {
            "Open it in a try-with-resources statement: `try (var r = ..) { .. }`"
        };
        let message = match fate(node, &resource, &locals, cx, 0) {
            Fate::Managed | Fate::Escapes => return,
            Fate::Unclosed(None) => format!("{label} is opened and never closed"),
            Fate::Unclosed(Some(var)) => format!(
                "`{}` ({}) is never closed",
                cx.text(var),
                holding(node, var, label, &locals, cx)
            ),
            Fate::HappyPathOnly { var, close } => format!(
                "`{}` ({}) is closed on line {} only if nothing before it throws",
                cx.text(var),
                holding(node, var, label, &locals, cx),
                close.start_position().row + 1
            ),
            Fate::Inline(user) => {
                let what = if resource.is_stream {
                    "the stream keeps the file open"
                } else {
                    "it is never closed"
                };
                format!(
                    "{label} is used by `{}` and dropped: {what}",
                    quote(&method_label(user, cx))
                )
            }
            Fate::Consumed(call) => format!(
                "{label} is passed to `{}`, which does not close it",
                quote(&method_label(call, cx))
            ),
        };
        cx.report(node, message).help(help);
    }
}

/// How the variable `var` holds the resource opened at `node`: `` `FileReader` `` when
/// it is stored directly, `` wrapping this `FileReader` `` when a wrapper is.
fn holding<'t>(node: Node<'t>, var: Node<'t>, label: &str, locals: &Locals<'t>, cx: &Checker<'t>) -> String {
    let direct = locals
        .ancestors(node)
        .find(|a| {
            !matches!(
                a.kind(),
                "parenthesized_expression" | "cast_expression" | "ternary_expression"
            )
        })
        .is_some_and(|holder| {
            let target = match holder.kind() {
                "variable_declarator" => holder.child_by_field_name("name"),
                "assignment_expression" => holder.child_by_field_name("left"),
                _ => None,
            };
            target.is_some_and(|t| cx.text(t) == cx.text(var))
        });
    if direct {
        label.to_string()
    } else {
        format!("wrapping this {label}")
    }
}

/// `props.load(..)` for the message: the call without its arguments.
fn method_label(call: Node<'_>, cx: &Checker<'_>) -> String {
    let name = call.child_by_field_name("name").map_or("", |n| cx.text(n));
    match call.child_by_field_name("object") {
        Some(object) if object.kind() == "identifier" || object.kind() == "field_access" => {
            format!("{}.{name}(..)", cx.text(object))
        }
        _ => format!("{name}(..)"),
    }
}

/// A cheap first test on the type or method name, before any lookup.
fn may_open(node: Node<'_>, cx: &Checker<'_>) -> bool {
    if node.kind() == "object_creation_expression" {
        let ty = node
            .child_by_field_name("type")
            .map_or("", |t| simple_name(cx.text(t)));
        return OPENING_TYPES.contains(&ty) || OPENING_WITH_FILE.contains(&ty);
    }
    node.child_by_field_name("name").is_some_and(|n| {
        matches!(
            cx.text(n),
            "getConnection" | "open" | "createStatement" | "prepareStatement" | "prepareCall" | "executeQuery"
        ) || FILES_OPENERS.contains(&cx.text(n))
    })
}

/// Whether `node` opens a resource this rule tracks, and what it is.
fn resource<'t>(node: Node<'t>, scope: Node<'t>, cx: &Checker<'t>) -> Option<Resource> {
    if node.kind() == "object_creation_expression" {
        if ast::named_children(node).iter().any(|c| c.kind() == "class_body") {
            return None;
        }
        let ty = simple_name(cx.text(node.child_by_field_name("type")?));
        let ty = ty.split('<').next().unwrap_or(ty);
        let first_arg = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0));
        // `new FileOutputStream(FileDescriptor.out)` wraps a standard stream.
        if first_arg.is_some_and(|a| {
            let text = cx.text(a);
            text.starts_with("FileDescriptor.") || text.contains(".FileDescriptor.")
        }) {
            return None;
        }
        let opens = OPENING_TYPES.contains(&ty)
            || OPENING_WITH_FILE.contains(&ty)
                && node
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .is_some_and(|arg| is_file_argument(arg, ty, scope, cx));
        return opens.then(|| Resource {
            label: format!("`{ty}`"),
            is_stream: false,
        });
    }
    let method = cx.text(node.child_by_field_name("name")?);
    let object = node.child_by_field_name("object").map(ast::unparenthesize);
    let receiver = object.map_or("", |o| simple_name(cx.text(o)));
    let label = match method {
        m if receiver == "Files" && FILES_OPENERS.contains(&m) => format!("`Files.{m}(..)`"),
        "getConnection" if receiver == "DriverManager" => "`DriverManager.getConnection(..)`".to_string(),
        "getConnection" if object.is_some_and(|o| is_data_source(o, scope, cx)) => {
            "the connection from `getConnection()`".to_string()
        }
        "open" if matches!(receiver, "FileChannel" | "AsynchronousFileChannel") => {
            format!("`{receiver}.open(..)`")
        }
        "createStatement" | "prepareStatement" | "prepareCall" if object.is_some() => {
            format!("the statement from `{method}`")
        }
        "executeQuery" => {
            // Closing a statement closes its result set: only a result set from a
            // statement this method does not own is its own responsibility.
            let statement = object?;
            if !matches!(statement.kind(), "identifier" | "field_access") {
                return None;
            }
            let unit = cx.java();
            let locals = unit.locals(scope);
            if let Some(Binding::Local(decl)) = unit.resolve(&locals, statement)
                && decl.kind != DeclKind::Parameter
            {
                return None;
            }
            "the `ResultSet` from `executeQuery`".to_string()
        }
        _ => return None,
    };
    let is_stream = receiver == "Files" && matches!(method, "lines" | "list" | "walk" | "find");
    Some(Resource { label, is_stream })
}

/// `new Scanner(new File(..))`, `new PrintWriter("out.txt")`, `new Scanner(path)`: the
/// argument names a file to open.
fn is_file_argument<'t>(arg: Node<'t>, ty: &str, scope: Node<'t>, cx: &Checker<'t>) -> bool {
    let arg = ast::unparenthesize(arg);
    let file_type = |t: &str| matches!(t, "File" | "Path");
    match arg.kind() {
        "object_creation_expression" => arg
            .child_by_field_name("type")
            .is_some_and(|t| file_type(simple_name(cx.text(t)))),
        "method_invocation" => arg.child_by_field_name("name").is_some_and(|n| {
            let name = cx.text(n);
            let object = arg.child_by_field_name("object").map_or("", |o| simple_name(cx.text(o)));
            name == "toPath" || name == "toFile" || matches!((object, name), ("Paths", "get") | ("Path", "of"))
        }),
        // A file name; `new Scanner("text")` scans the text itself.
        "string_literal" => ty != "Scanner",
        "identifier" | "field_access" => {
            let unit = cx.java();
            let locals = unit.locals(scope);
            unit.type_of(&locals, arg)
                .is_some_and(|t| file_type(t) || t == "String" && ty != "Scanner")
        }
        _ => false,
    }
}

fn is_data_source<'t>(object: Node<'t>, scope: Node<'t>, cx: &Checker<'t>) -> bool {
    if !matches!(object.kind(), "identifier" | "field_access") {
        return false;
    }
    let unit = cx.java();
    let locals = unit.locals(scope);
    unit.type_of(&locals, object)
        .is_some_and(|t| t.ends_with("DataSource"))
}

/// Follows a freshly opened resource up through the expression that holds it, the
/// wrappers that take it over, and the local variable it is stored in.
fn fate<'t>(
    node: Node<'t>,
    resource: &Resource,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
    depth: usize,
) -> Fate<'t> {
    // Each level is a wrapper stored in another variable; real code nests a few.
    if depth > MAX_NESTING {
        return Fate::Escapes;
    }
    let mut expr = node;
    for _ in 0..MAX_STEPS {
        let Some(parent) = locals.parent(expr) else {
            return Fate::Escapes;
        };
        match parent.kind() {
            "parenthesized_expression" | "cast_expression" => {}
            "ternary_expression" => {
                if parent
                    .child_by_field_name("condition")
                    .is_some_and(|c| c.id() == expr.id())
                {
                    return Fate::Escapes;
                }
            }
            "resource" => return Fate::Managed,
            "variable_declarator" => {
                let declaration = locals.parent(parent);
                let is_local =
                    declaration.is_some_and(|d| d.kind() == "local_variable_declaration");
                // Lombok's `@Cleanup` closes the variable at the end of its scope.
                if declaration.is_some_and(|d| has_cleanup_annotation(d, cx)) {
                    return Fate::Managed;
                }
                let Some(name) = parent.child_by_field_name("name") else {
                    return Fate::Escapes;
                };
                return match locals.resolve(name, cx.source()) {
                    Some(decl) if is_local => variable_fate(decl, resource, locals, cx, depth),
                    _ => Fate::Escapes,
                };
            }
            "assignment_expression" => {
                let left = parent.child_by_field_name("left").map(ast::unparenthesize);
                return match left {
                    Some(left) if left.kind() == "identifier" => {
                        match locals.resolve(left, cx.source()) {
                            Some(decl) if decl.kind == DeclKind::Local => {
                                variable_fate(decl, resource, locals, cx, depth)
                            }
                            _ => Fate::Escapes,
                        }
                    }
                    _ => Fate::Escapes,
                };
            }
            "argument_list" => {
                let Some(call) = locals.parent(parent) else {
                    return Fate::Escapes;
                };
                match call_role(call, cx) {
                    CallRole::Wraps => {
                        expr = call;
                        continue;
                    }
                    CallRole::Closes => return Fate::Managed,
                    CallRole::Reads => return Fate::Consumed(call),
                    CallRole::Owns => return Fate::Escapes,
                }
            }
            "method_invocation" => {
                let name = parent.child_by_field_name("name").map_or("", |n| cx.text(n));
                if name == "close" {
                    return Fate::Managed;
                }
                if resource.is_stream && STREAM_STEPS.contains(&name)
                    || OWNING_ACCESSORS.contains(&name)
                {
                    expr = parent;
                    continue;
                }
                return Fate::Inline(parent);
            }
            "expression_statement" => return Fate::Unclosed(None),
            _ => return Fate::Escapes,
        }
        expr = parent;
    }
    Fate::Escapes
}

/// What a call does with a resource passed to it.
enum CallRole {
    /// A wrapping stream: it owns the resource now, and is followed instead.
    Wraps,
    /// `close(in)`, `IOUtils.closeQuietly(in)`.
    Closes,
    /// Reads or copies it, and leaves it open.
    Reads,
    /// Anything else: takes it over, as far as this method can tell.
    Owns,
}

fn call_role(call: Node<'_>, cx: &Checker<'_>) -> CallRole {
    match call.kind() {
        "object_creation_expression" => {
            let ty = call
                .child_by_field_name("type")
                .map_or("", |t| simple_name(cx.text(t)));
            let ty = ty.split('<').next().unwrap_or(ty);
            if WRAPPERS.contains(&ty) {
                CallRole::Wraps
            } else {
                CallRole::Owns
            }
        }
        "method_invocation" => {
            let name = call.child_by_field_name("name").map_or("", |n| cx.text(n));
            let receiver = call
                .child_by_field_name("object")
                .map_or("", |o| simple_name(cx.text(o)));
            if name.to_ascii_lowercase().contains("close") {
                CallRole::Closes
            } else if NON_OWNING_METHODS.contains(&name)
                || NON_OWNING
                    .iter()
                    .any(|(class, methods)| *class == receiver && methods.contains(&name))
            {
                CallRole::Reads
            } else {
                CallRole::Owns
            }
        }
        _ => CallRole::Owns,
    }
}

/// The fate of a resource stored in a local variable, from the variable's uses.
fn variable_fate<'t>(
    decl: &Decl<'t>,
    resource: &Resource,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
    depth: usize,
) -> Fate<'t> {
    let mut closed_in_finally = false;
    let mut happy_close: Option<Node<'t>> = None;
    for use_ in locals.uses_of(decl, cx.source()) {
        let Some(parent) = locals.parent(use_) else {
            continue;
        };
        // Captured by a lambda or an anonymous class: closed, if at all, elsewhere.
        if locals.ancestors(use_).any(|a| {
            matches!(a.kind(), "lambda_expression" | "class_body") && !ast::contains(a, decl.name)
        }) {
            return Fate::Escapes;
        }
        let parent = skip_wrapping(parent, locals);
        let holds_use = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|v| ast::unparenthesize(v).id() == use_.id())
        };
        let named = |name: &str| {
            parent
                .child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == name)
        };
        match parent.kind() {
            // `try (in)` or `try (Reader r = in)`.
            "resource" => return Fate::Managed,
            "method_invocation" if holds_use("object") && named("close") => {
                if in_finally(parent, locals) {
                    closed_in_finally = true;
                } else {
                    happy_close.get_or_insert(parent);
                }
            }
            // `raf.getChannel()`: where the channel goes, the file goes.
            "method_invocation"
                if holds_use("object") && OWNING_ACCESSORS.iter().any(|m| named(m)) =>
            {
                match fate(parent, resource, locals, cx, depth + 1) {
                    Fate::Unclosed(_) | Fate::Inline(_) | Fate::Consumed(_) => {}
                    other => return other,
                }
            }
            "argument_list" => {
                let Some(call) = locals.parent(parent) else {
                    continue;
                };
                match call_role(call, cx) {
                    CallRole::Closes => {
                        if in_finally(call, locals) {
                            closed_in_finally = true;
                        } else {
                            happy_close.get_or_insert(call);
                        }
                    }
                    CallRole::Reads => {}
                    CallRole::Owns => return Fate::Escapes,
                    // The wrapper's fate decides; if it leaks, so does this variable.
                    CallRole::Wraps => match fate(call, resource, locals, cx, depth + 1) {
                        Fate::Unclosed(_) | Fate::Inline(_) | Fate::Consumed(_) => {}
                        other => return other,
                    },
                }
            }
            "return_statement" | "array_initializer" | "lambda_expression" => {
                return Fate::Escapes;
            }
            // `Reader alias = in;`, `this.in = in;`, `other = in;`; but not `in = ..`.
            "variable_declarator" if holds_use("value") => return Fate::Escapes,
            "assignment_expression" if holds_use("right") => return Fate::Escapes,
            "ternary_expression" => return Fate::Escapes,
            _ => {}
        }
    }
    if closed_in_finally {
        Fate::Managed
    } else if let Some(close) = happy_close {
        Fate::HappyPathOnly {
            var: decl.name,
            close,
        }
    } else if decl.kind == DeclKind::Local {
        Fate::Unclosed(Some(decl.name))
    } else {
        Fate::Escapes
    }
}

/// Skips parentheses and casts between a use and what it is used by.
fn skip_wrapping<'t>(mut node: Node<'t>, locals: &Locals<'t>) -> Node<'t> {
    for _ in 0..MAX_STEPS {
        if !matches!(node.kind(), "parenthesized_expression" | "cast_expression") {
            break;
        }
        match locals.parent(node) {
            Some(parent) => node = parent,
            None => break,
        }
    }
    node
}

fn in_finally<'t>(node: Node<'t>, locals: &Locals<'t>) -> bool {
    locals
        .ancestors(node)
        .any(|a| a.kind() == "finally_clause")
}

fn has_cleanup_annotation(declaration: Node<'_>, cx: &Checker<'_>) -> bool {
    ast::named_children(declaration)
        .iter()
        .filter(|c| c.kind() == "modifiers")
        .flat_map(|m| ast::named_children(*m))
        .any(|a| {
            matches!(a.kind(), "marker_annotation" | "annotation")
                && a.child_by_field_name("name")
                    .is_some_and(|n| simple_name(cx.text(n)) == "Cleanup")
        })
}
