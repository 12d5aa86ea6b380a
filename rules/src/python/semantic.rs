//! Facts about a Python file that many rules need: which names each scope binds and how
//! (imports, assignments, parameters, `with` targets), so a name can be resolved to what
//! it refers to, and whether an expression's value is fixed by the file's own constants.
//!
//! Built once per file, on first use, by one iterative pass over the tree. Scopes follow
//! Python's rules closely enough for rules to trust them: a name bound anywhere in a
//! function is local to the whole function, parameters shadow imports and builtins,
//! class bodies do not enclose their methods, `global` and `nonlocal` redirect bindings.
//! Everything is flow-insensitive: a name is judged by all of its bindings in its scope.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tree_sitter::Node;

use crate::ast;
use crate::python::call;

/// What kind of block a scope is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Function,
    Lambda,
    Class,
    Comprehension,
}

/// One way a name gets its value.
#[derive(Clone, Debug)]
pub enum Binding<'t> {
    /// `name = value`, `name: T = value`, `name := value`; holds the value.
    Assign(Node<'t>),
    /// `name += value` and the other augmented operators; holds the right-hand side.
    Augment(Node<'t>),
    /// `import m`, `from m import n`; holds the qualified name.
    Import(String),
    /// A function or lambda parameter; holds the parameter node.
    Parameter(Node<'t>),
    /// `with value as name`; holds the context-manager expression.
    With(Node<'t>),
    /// `def name` or `class name`; holds the definition.
    Definition(Node<'t>),
    /// `for name in iterable`, in a loop or a comprehension; holds the iterable.
    Iterate(Node<'t>),
    /// An unpacked element, `except ... as name`: the value is unknown.
    Unknown(Node<'t>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Declared {
    Global,
    Nonlocal,
}

struct Scope<'t> {
    kind: ScopeKind,
    /// Byte range of the scope's node; nested scopes lie inside their parent's range.
    start: usize,
    end: usize,
    parent: Option<usize>,
    bindings: HashMap<&'t str, Vec<Binding<'t>>>,
    declared: HashMap<&'t str, Declared>,
}

impl<'t> Scope<'t> {
    fn new(kind: ScopeKind, start: usize, end: usize, parent: Option<usize>) -> Scope<'t> {
        Scope {
            kind,
            start,
            end,
            parent,
            bindings: HashMap::new(),
            declared: HashMap::new(),
        }
    }
}

/// Facts about one Python module.
pub struct Module<'t> {
    source: &'t str,
    /// Index 0 is the module; the rest in pre-order, so sorted by `start`.
    scopes: Vec<Scope<'t>>,
}

impl<'t> Module<'t> {
    pub fn build(root: Node<'t>, source: &'t str) -> Module<'t> {
        let mut builder = Builder {
            source,
            scopes: vec![Scope::new(ScopeKind::Module, 0, usize::MAX, None)],
            stack: vec![0],
        };
        let mut nodes = ast::descendants(root);
        while let Some(node) = nodes.next() {
            if builder.visit(node) == Descend::No {
                nodes.skip_children();
            }
        }
        Module {
            source,
            scopes: builder.scopes,
        }
    }

    /// The bindings of the name `ident` refers to where it appears, from the nearest scope
    /// that binds it; `None` when no scope in the file binds it (a builtin, or undefined).
    pub fn bindings(&self, ident: Node<'_>) -> Option<&[Binding<'t>]> {
        let name = self.source.get(ident.byte_range())?;
        self.bindings_at(name, ident.start_byte())
    }

    /// The bindings `name` has at byte offset `at`; see [`Module::bindings`].
    pub fn bindings_at(&self, name: &str, at: usize) -> Option<&[Binding<'t>]> {
        let innermost = self.scope_at(at);
        let mut current = Some(innermost);
        while let Some(index) = current {
            let scope = self.scopes.get(index)?;
            // A class body is not an enclosing scope for the functions defined in it.
            if scope.kind == ScopeKind::Class && index != innermost {
                current = scope.parent;
                continue;
            }
            match scope.declared.get(name) {
                Some(Declared::Global) if index != 0 => {
                    current = Some(0);
                    continue;
                }
                Some(Declared::Nonlocal) => {
                    current = scope.parent;
                    continue;
                }
                _ => {}
            }
            if let Some(bindings) = scope.bindings.get(name) {
                return Some(bindings);
            }
            current = scope.parent;
        }
        None
    }

    fn scope_at(&self, at: usize) -> usize {
        let mut index = self
            .scopes
            .partition_point(|s| s.start <= at)
            .saturating_sub(1);
        // Scopes nest, so the last one starting before `at` is inside or around the answer.
        while let Some(scope) = self.scopes.get(index) {
            if scope.start <= at && at < scope.end {
                return index;
            }
            match scope.parent {
                Some(parent) => index = parent,
                None => return 0,
            }
        }
        0
    }

    /// The qualified name an expression refers to: `hashlib.md5` for `hashlib.md5`,
    /// `md5` (after `from hashlib import md5`) or `h.md5` (after `import hashlib as h`);
    /// `builtins.eval` for a builtin no scope rebinds. `None` for anything else, including
    /// names a parameter, assignment or definition shadows.
    pub fn resolve(&self, node: Node<'_>) -> Option<String> {
        // `a.b.c` is an attribute chain; it is walked, not recursed into, however long.
        let mut attributes = Vec::new();
        let mut root = ast::unparenthesize(node);
        while root.kind() == "attribute" {
            attributes.push(root.child_by_field_name("attribute")?);
            root = ast::unparenthesize(root.child_by_field_name("object")?);
        }
        if root.kind() != "identifier" {
            return None;
        }
        let name = self.source.get(root.byte_range())?;
        let mut qualified = match self.bindings_at(name, root.start_byte()) {
            Some(bindings) => bindings.iter().find_map(|b| match b {
                Binding::Import(qualified) => Some(qualified.clone()),
                _ => None,
            })?,
            None if is_builtin(name) => format!("builtins.{name}"),
            None => return None,
        };
        for attribute in attributes.iter().rev() {
            qualified.push('.');
            qualified.push_str(self.source.get(attribute.byte_range())?);
        }
        Some(qualified)
    }

    /// The qualified name of the function a `call` node calls.
    pub fn resolve_call(&self, call: Node<'_>) -> Option<String> {
        self.resolve(call.child_by_field_name("function")?)
    }

    /// The qualified names of the calls a name is bound to by `=`, `:=` or `with ... as`:
    /// `requests.Session` for `s` after `s = requests.Session()`.
    pub fn bound_calls(&self, ident: Node<'_>) -> Vec<String> {
        if ident.kind() != "identifier" {
            return Vec::new();
        }
        self.bindings(ident)
            .unwrap_or_default()
            .iter()
            .filter_map(|binding| match binding {
                Binding::Assign(value) | Binding::With(value) => {
                    let value = ast::unparenthesize(*value);
                    (value.kind() == "call")
                        .then(|| self.resolve_call(value))
                        .flatten()
                }
                _ => None,
            })
            .collect()
    }

    /// The value of a constant string expression: a literal without interpolation, an
    /// implicit or `+` concatenation of such, or a name bound once, to one.
    pub fn constant_str(&self, node: Node<'_>) -> Option<String> {
        self.constant_str_at(node, 0)
    }

    fn constant_str_at(&self, node: Node<'_>, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = ast::unparenthesize(node);
        match node.kind() {
            "string" => string_value(node, self.source).map(str::to_string),
            "concatenated_string" => ast::named_children(node)
                .into_iter()
                .filter(|part| part.kind() != "comment")
                .map(|part| self.constant_str_at(part, depth + 1))
                .collect(),
            "binary_operator" => {
                let op = node.child_by_field_name("operator")?;
                if self.source.get(op.byte_range())? != "+" {
                    return None;
                }
                let left = self.constant_str_at(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.constant_str_at(node.child_by_field_name("right")?, depth + 1)?;
                Some(left + &right)
            }
            "identifier" => match self.bindings(node)? {
                [Binding::Assign(value)] => self.constant_str_at(*value, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value of a constant integer expression: a literal (`2048`, `0o644`, `0x1F`,
    /// `1_024`), a negation, `|`, `&`, `+`, `*` or `<<` of such, or a name bound once, to
    /// one. `None` for anything else, and on overflow.
    pub fn constant_int(&self, node: Node<'_>) -> Option<i64> {
        self.constant_int_at(node, 0)
    }

    fn constant_int_at(&self, node: Node<'_>, depth: usize) -> Option<i64> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = ast::unparenthesize(node);
        match node.kind() {
            "integer" => parse_int(self.source.get(node.byte_range())?),
            "unary_operator" => {
                let operand =
                    self.constant_int_at(node.child_by_field_name("argument")?, depth + 1)?;
                match node.child_by_field_name("operator")?.kind() {
                    "-" => operand.checked_neg(),
                    "+" => Some(operand),
                    _ => None,
                }
            }
            "binary_operator" => {
                let left = self.constant_int_at(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.constant_int_at(node.child_by_field_name("right")?, depth + 1)?;
                match node.child_by_field_name("operator")?.kind() {
                    "|" => Some(left | right),
                    "&" => Some(left & right),
                    "+" => left.checked_add(right),
                    "*" => left.checked_mul(right),
                    "<<" => u32::try_from(right).ok().and_then(|r| left.checked_shl(r)),
                    _ => None,
                }
            }
            "identifier" => match self.bindings(node)? {
                [Binding::Assign(value)] => self.constant_int_at(*value, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether `expr` may evaluate to text that is not fixed by the file itself: anything
    /// that reaches a parameter, an unknown call, an attribute or a subscript of one.
    /// Names are followed through all of their assignments, and loop variables through
    /// what they iterate over.
    ///
    /// Fixed values are literals, names bound only to fixed values, imported or undefined
    /// `UPPER_CASE` names and `UPPER_CASE` attributes of modules, classes and `self`
    /// (constants by convention, defined elsewhere), string methods and
    /// `str()`/`format()` of fixed values, and numbers from `int()`, `float()`, `len()` and
    /// the like, which cannot carry code, SQL or shell syntax. An element of a fixed
    /// container (`COMMANDS[choice]`) is fixed whatever the index.
    pub fn is_dynamic(&self, expr: Node<'_>) -> bool {
        self.is_dynamic_except(expr, &[])
    }

    /// [`Module::is_dynamic`], with calls to the `sanitizers` counted as fixed: qualified
    /// names such as `shlex.quote`, or `.name` for any function or method of that name
    /// (`.quote_name` for `connection.ops.quote_name(table)`, or for `quote_name(table)`
    /// after `quote_name = connection.ops.quote_name`).
    pub fn is_dynamic_except(&self, expr: Node<'_>, sanitizers: &[&str]) -> bool {
        let mut work = vec![(expr, 0)];
        let mut followed = HashSet::new();
        let mut budget = MAX_WORK;
        while let Some((node, depth)) = work.pop() {
            budget -= 1;
            if budget == 0 || depth > MAX_DEPTH {
                // Too deep or too wide to judge: assume the worst.
                return true;
            }
            match self.parts(ast::unparenthesize(node), sanitizers, &mut followed) {
                Parts::Fixed => {}
                Parts::Dynamic => return true,
                Parts::Of(parts) => work.extend(parts.into_iter().map(|p| (p, depth + 1))),
            }
        }
        false
    }

    /// What the value of `node` is made of, one level down.
    fn parts<'n>(
        &self,
        node: Node<'n>,
        sanitizers: &[&str],
        followed: &mut HashSet<usize>,
    ) -> Parts<'n>
    where
        't: 'n,
    {
        let children = |n: Node<'n>| {
            Parts::Of(
                ast::named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .collect(),
            )
        };
        match node.kind() {
            "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "ellipsis"
            | "not_operator"
            | "comparison_operator" => Parts::Fixed,
            "string" => Parts::Of(interpolations(node)),
            "concatenated_string" => Parts::Of(
                ast::named_children(node)
                    .into_iter()
                    .flat_map(interpolations)
                    .collect(),
            ),
            "parenthesized_expression"
            | "tuple"
            | "list"
            | "set"
            | "expression_list"
            | "list_splat"
            | "dictionary_splat"
            | "unary_operator"
            | "boolean_operator"
            | "dictionary"
            | "pair" => children(node),
            "binary_operator" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return Parts::Dynamic;
                };
                let is_percent = node
                    .child_by_field_name("operator")
                    .is_some_and(|op| op.kind() == "%");
                if is_percent && self.formats_only_numbers(left) {
                    Parts::Of(vec![left])
                } else {
                    Parts::Of(vec![left, right])
                }
            }
            "conditional_expression" => {
                // `a if condition else b`: the condition does not become part of the value.
                let branches = ast::named_children(node)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .enumerate()
                    .filter(|(i, _)| *i != 1)
                    .map(|(_, c)| c)
                    .collect();
                Parts::Of(branches)
            }
            "list_comprehension" | "set_comprehension" | "generator_expression" => node
                .child_by_field_name("body")
                .map_or(Parts::Dynamic, |body| Parts::Of(vec![body])),
            "dictionary_comprehension" => {
                children(node.child_by_field_name("body").unwrap_or(node))
            }
            "subscript" => node
                .child_by_field_name("value")
                .map_or(Parts::Dynamic, |value| Parts::Of(vec![value])),
            "attribute" => {
                if self.is_constant_attribute(node) {
                    Parts::Fixed
                } else {
                    Parts::Dynamic
                }
            }
            "call" => self.call_parts(node, sanitizers),
            "identifier" => {
                let Some(name) = self.source.get(node.byte_range()) else {
                    return Parts::Dynamic;
                };
                let Some(bindings) = self.bindings_at(name, node.start_byte()) else {
                    return if is_constant_name(name) {
                        Parts::Fixed
                    } else {
                        Parts::Dynamic
                    };
                };
                let mut parts = Vec::new();
                for binding in bindings {
                    match binding {
                        Binding::Assign(value) | Binding::Augment(value) => {
                            if followed.insert(value.id()) {
                                parts.push(assigned_value(*value));
                            }
                        }
                        // An element of a fixed sequence is fixed.
                        Binding::Iterate(iterable) => {
                            if followed.insert(iterable.id()) {
                                parts.push(*iterable);
                            }
                        }
                        Binding::Import(_) if is_constant_name(name) => {}
                        _ => return Parts::Dynamic,
                    }
                }
                Parts::Of(parts)
            }
            _ => Parts::Dynamic,
        }
    }

    /// `settings.BASE_URL`, `Queries.BY_ID`, `self.TIMEOUT`: an `UPPER_CASE` attribute of
    /// a module, a class or `self`. Not `request.GET`, whose object is a parameter.
    fn is_constant_attribute(&self, attribute: Node<'_>) -> bool {
        let is_constant = attribute
            .child_by_field_name("attribute")
            .and_then(|a| self.source.get(a.byte_range()))
            .is_some_and(is_constant_name);
        let mut root = attribute;
        for _ in 0..MAX_DEPTH {
            match root.child_by_field_name("object") {
                Some(object) if root.kind() == "attribute" => root = object,
                _ => break,
            }
        }
        if !is_constant || root.kind() != "identifier" {
            return false;
        }
        let name = self.source.get(root.byte_range()).unwrap_or_default();
        if matches!(name, "self" | "cls") {
            return true;
        }
        self.bindings(root).is_some_and(|bindings| {
            bindings
                .iter()
                .all(|b| matches!(b, Binding::Import(_) | Binding::Definition(_)))
        })
    }

    fn call_parts<'n>(&self, node: Node<'n>, sanitizers: &[&str]) -> Parts<'n> {
        let Some(function) = node.child_by_field_name("function") else {
            return Parts::Dynamic;
        };
        if let Some(name) = call::callee_name(node, self.source)
            && sanitizers.iter().any(|s| s.strip_prefix('.') == Some(name))
        {
            return Parts::Fixed;
        }
        let arguments = call::argument_values(node);
        if function.kind() == "attribute"
            && let Some(method) = function.child_by_field_name("attribute")
            && STR_METHODS.contains(&self.source.get(method.byte_range()).unwrap_or_default())
            && let Some(object) = function.child_by_field_name("object")
            && self.resolve(object).is_none()
        {
            let mut parts = arguments;
            parts.push(object);
            return Parts::Of(parts);
        }
        let Some(name) = self.resolve(function) else {
            return Parts::Dynamic;
        };
        if NUMERIC.contains(&name.as_str()) || sanitizers.contains(&name.as_str()) {
            Parts::Fixed
        } else if TEXT_OF_ARGUMENTS.contains(&name.as_str()) {
            Parts::Of(arguments)
        } else {
            Parts::Dynamic
        }
    }

    /// Whether `format` is a fixed `%` format whose conversions are all numeric
    /// (`%d`, `%.2f`): its arguments can only ever become numbers.
    fn formats_only_numbers(&self, format: Node<'_>) -> bool {
        let Some(text) = self.constant_str(format) else {
            return false;
        };
        let mut chars = text.chars().peekable();
        let mut conversions = 0;
        while let Some(c) = chars.next() {
            if c != '%' {
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                continue;
            }
            if chars.peek() == Some(&'(') {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            let conversion = chars.find(|c| !"#0- +*.0123456789hlL".contains(*c));
            match conversion {
                Some(c) if "diouxXeEfFgG".contains(c) => conversions += 1,
                _ => return false,
            }
        }
        conversions > 0
    }

    /// Where `expr` is a string built from dynamic parts (an f-string interpolating
    /// them, `%` formatting, `.format()`, `.join()` or `+`), following names through all
    /// their assignments, including `+=`. `None` when every build in reach is constant,
    /// or when the value is passed through unchanged (a parameter, an unknown call).
    ///
    /// Calls to `sanitizers` count as fixed, as in [`Module::is_dynamic_except`].
    pub fn dynamic_string_build(
        &self,
        expr: Node<'t>,
        sanitizers: &[&str],
    ) -> Option<StringBuild<'t>> {
        let mut work = vec![(expr, 0)];
        let mut followed = HashSet::new();
        while let Some((node, depth)) = work.pop() {
            if depth > MAX_DEPTH || followed.len() > MAX_WORK {
                return None;
            }
            let node = ast::unparenthesize(node);
            let how = match node.kind() {
                "string" if !interpolations(node).is_empty() => Some(Build::FString),
                "concatenated_string"
                    if ast::named_children(node)
                        .iter()
                        .any(|s| !interpolations(*s).is_empty()) =>
                {
                    Some(Build::FString)
                }
                "binary_operator" => match node.child_by_field_name("operator").map(|o| o.kind()) {
                    Some("+") => Some(Build::Concatenation),
                    Some("%") => Some(Build::Percent),
                    _ => None,
                },
                "call" => {
                    match node
                        .child_by_field_name("function")
                        .filter(|f| f.kind() == "attribute")
                        .and_then(|f| f.child_by_field_name("attribute"))
                        .and_then(|a| self.source.get(a.byte_range()))
                    {
                        Some("format" | "format_map") => Some(Build::Format),
                        Some("join") => Some(Build::Join),
                        _ => None,
                    }
                }
                "conditional_expression" => {
                    let branches = ast::named_children(node);
                    for (i, branch) in branches.into_iter().enumerate() {
                        if i != 1 {
                            work.push((branch, depth + 1));
                        }
                    }
                    None
                }
                "identifier" => {
                    for binding in self.bindings(node).unwrap_or_default() {
                        match binding {
                            Binding::Assign(value) if followed.insert(value.id()) => {
                                work.push((assigned_value(*value), depth + 1));
                            }
                            Binding::Augment(value) if followed.insert(value.id()) => {
                                if self.is_dynamic_except(*value, sanitizers) {
                                    return Some(StringBuild {
                                        node: *value,
                                        how: Build::Concatenation,
                                    });
                                }
                                work.push((*value, depth + 1));
                            }
                            _ => {}
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(how) = how
                && self.is_dynamic_except(node, sanitizers)
            {
                return Some(StringBuild { node, how });
            }
        }
        None
    }
}

/// A string built at run time from values that are not constant.
#[derive(Clone, Copy, Debug)]
pub struct StringBuild<'t> {
    /// The expression that builds the string.
    pub node: Node<'t>,
    pub how: Build,
}

/// How a string is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    FString,
    Percent,
    Format,
    Join,
    Concatenation,
}

impl Build {
    /// The way of building, for messages: "an f-string".
    pub fn describe(self) -> &'static str {
        match self {
            Build::FString => "an f-string",
            Build::Percent => "`%` formatting",
            Build::Format => "`str.format`",
            Build::Join => "`str.join`",
            Build::Concatenation => "string concatenation",
        }
    }
}

enum Parts<'n> {
    Fixed,
    Dynamic,
    Of(Vec<Node<'n>>),
}

/// The value an assignment gives: `a = b = value` gives `value` to `a`.
fn assigned_value(mut value: Node<'_>) -> Node<'_> {
    for _ in 0..MAX_DEPTH {
        match value.child_by_field_name("right") {
            Some(right) if value.kind() == "assignment" => value = right,
            _ => break,
        }
    }
    value
}

/// The interpolated expressions of an f-string.
fn interpolations(string: Node<'_>) -> Vec<Node<'_>> {
    if string.kind() != "string" {
        return Vec::new();
    }
    ast::named_children(string)
        .into_iter()
        .filter(|c| c.kind() == "interpolation")
        .filter_map(|c| c.child_by_field_name("expression"))
        .collect()
}

/// `MAX_RETRIES`, `BASE_URL`: a constant by PEP 8 convention.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// How far name and operator chains are followed before giving up.
const MAX_DEPTH: usize = 32;

/// How many expression nodes one judgement may look at.
const MAX_WORK: usize = 512;

/// Calls whose result is a number.
const NUMERIC: &[&str] = &[
    "builtins.range",
    "builtins.int",
    "builtins.float",
    "builtins.len",
    "builtins.bool",
    "builtins.abs",
    "builtins.round",
    "builtins.ord",
    "builtins.hash",
    "builtins.id",
];

/// Calls whose result is text made only from their arguments.
const TEXT_OF_ARGUMENTS: &[&str] = &[
    "builtins.str",
    "builtins.repr",
    "builtins.ascii",
    "builtins.format",
    "builtins.bytes",
    "textwrap.dedent",
    "textwrap.indent",
    "inspect.cleandoc",
];

/// `str` methods whose result is made only from the receiver and the arguments.
const STR_METHODS: &[&str] = &[
    "format",
    "format_map",
    "join",
    "replace",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "casefold",
    "title",
    "capitalize",
    "swapcase",
    "encode",
    "decode",
    "ljust",
    "rjust",
    "center",
    "zfill",
    "expandtabs",
    "removeprefix",
    "removesuffix",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Descend {
    Yes,
    No,
}

/// What [`Builder::visit`] does with a node kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Binds names or opens a scope.
    Binding,
    /// An expression that binds nothing itself; skipped when its text cannot bind.
    Expression,
    Other,
}

/// Expressions longer than this are descended into rather than scanned, so that no
/// text is scanned more than a bounded number of times however deep the nesting.
const MAX_SCANNED_EXPRESSION: usize = 2048;

/// Whether expression text may contain `lambda`, a comprehension's `for`, or `:=`.
/// False positives only cost a descent.
fn may_bind(text: &[u8]) -> bool {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.windows(2).enumerate().any(|(i, pair)| match pair {
        b":=" => true,
        b"la" => text.get(i..i + 6) == Some(b"lambda".as_slice()),
        b"fo" => {
            text.get(i + 2) == Some(&b'r')
                && !i
                    .checked_sub(1)
                    .and_then(|p| text.get(p))
                    .is_some_and(|&b| is_word(b))
                && !text.get(i + 3).is_some_and(|&b| is_word(b))
        }
        _ => false,
    })
}

/// [`Kind`] by kind id: comparing ids is much cheaper than comparing kind names.
static KIND_TABLE: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    const EXPRESSIONS: &[&str] = &[
        "call",
        "argument_list",
        "keyword_argument",
        "attribute",
        "subscript",
        "binary_operator",
        "comparison_operator",
        "boolean_operator",
        "not_operator",
        "unary_operator",
        "conditional_expression",
        "parenthesized_expression",
        "list",
        "tuple",
        "set",
        "dictionary",
        "pair",
        "expression_list",
        "string",
        "concatenated_string",
        "await",
    ];
    const BINDINGS: &[&str] = &[
        "function_definition",
        "lambda",
        "class_definition",
        "list_comprehension",
        "set_comprehension",
        "dictionary_comprehension",
        "generator_expression",
        "for_in_clause",
        "for_statement",
        "assignment",
        "augmented_assignment",
        "named_expression",
        "with_item",
        "except_clause",
        "import_statement",
        "import_from_statement",
        "global_statement",
        "nonlocal_statement",
    ];
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    (0..language.node_kind_count())
        .map(|id| {
            let kind = u16::try_from(id)
                .ok()
                .filter(|&id| language.node_kind_is_named(id))
                .and_then(|id| language.node_kind_for_id(id));
            match kind {
                Some(kind) if BINDINGS.contains(&kind) => Kind::Binding,
                Some(kind) if EXPRESSIONS.contains(&kind) => Kind::Expression,
                _ => Kind::Other,
            }
        })
        .collect()
});

/// The one pass that records scopes and bindings.
struct Builder<'t> {
    source: &'t str,
    scopes: Vec<Scope<'t>>,
    /// Scopes open at the node being visited, module first.
    stack: Vec<usize>,
}

impl<'t> Builder<'t> {
    fn text(&self, node: Node<'_>) -> &'t str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    fn current(&self) -> usize {
        self.stack.last().copied().unwrap_or(0)
    }

    fn visit(&mut self, node: Node<'t>) -> Descend {
        let kind = KIND_TABLE
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(Kind::Other);
        match kind {
            Kind::Other => return Descend::Yes,
            Kind::Expression => {
                // Only lambdas, comprehensions and `:=` bind names inside an expression;
                // when its text has none, nothing below it binds anything.
                let short = node.byte_range().len() <= MAX_SCANNED_EXPRESSION;
                return if short && !may_bind(self.text(node).as_bytes()) {
                    Descend::No
                } else {
                    Descend::Yes
                };
            }
            Kind::Binding => {}
        }
        // Pre-order: a node starting at or after a scope's end is outside it.
        while self.stack.len() > 1
            && self
                .scopes
                .get(self.current())
                .is_some_and(|s| node.start_byte() >= s.end)
        {
            self.stack.pop();
        }
        match node.kind() {
            "function_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind(self.current(), name, Binding::Definition(node));
                }
                let scope = self.open(ScopeKind::Function, node);
                if let Some(parameters) = node.child_by_field_name("parameters") {
                    self.bind_parameters(scope, parameters);
                }
            }
            "lambda" => {
                let scope = self.open(ScopeKind::Lambda, node);
                if let Some(parameters) = node.child_by_field_name("parameters") {
                    self.bind_parameters(scope, parameters);
                }
            }
            "class_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind(self.current(), name, Binding::Definition(node));
                }
                self.open(ScopeKind::Class, node);
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                self.open(ScopeKind::Comprehension, node);
            }
            "for_in_clause" | "for_statement" => {
                if let Some(left) = node.child_by_field_name("left") {
                    match node.child_by_field_name("right") {
                        Some(iterable) if left.kind() == "identifier" => {
                            self.bind(self.current(), left, Binding::Iterate(iterable));
                        }
                        _ => self.bind_unknown(self.current(), left),
                    }
                }
            }
            "assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    self.bind_assignment(left, right);
                }
            }
            "augmented_assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    if left.kind() == "identifier" {
                        self.bind(self.current(), left, Binding::Augment(right));
                    } else {
                        self.bind_unknown(self.current(), left);
                    }
                }
            }
            "named_expression" => {
                // `:=` in a comprehension binds in the enclosing function or module.
                let scope = self
                    .stack
                    .iter()
                    .rev()
                    .copied()
                    .find(|&s| {
                        self.scopes
                            .get(s)
                            .is_some_and(|s| s.kind != ScopeKind::Comprehension)
                    })
                    .unwrap_or(0);
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) {
                    self.bind(scope, name, Binding::Assign(value));
                }
            }
            "with_item" => {
                if let Some(value) = node.child_by_field_name("value")
                    && value.kind() == "as_pattern"
                    && let Some(target) = value.child_by_field_name("alias")
                    && let Some(manager) = value.named_child(0)
                {
                    let target = target.named_child(0).unwrap_or(target);
                    if target.kind() == "identifier" {
                        self.bind(self.current(), target, Binding::With(manager));
                    } else {
                        self.bind_unknown(self.current(), target);
                    }
                }
            }
            "except_clause" => {
                if let Some(value) = node.child_by_field_name("value")
                    && value.kind() == "as_pattern"
                    && let Some(target) = value.child_by_field_name("alias")
                {
                    self.bind_unknown(self.current(), target);
                }
            }
            "import_statement" => self.bind_import(node),
            "import_from_statement" => self.bind_import_from(node),
            "global_statement" | "nonlocal_statement" => {
                let declared = if node.kind() == "global_statement" {
                    Declared::Global
                } else {
                    Declared::Nonlocal
                };
                let current = self.current();
                for name in ast::named_children(node) {
                    if name.kind() == "identifier" {
                        let name = self.text(name);
                        if let Some(scope) = self.scopes.get_mut(current) {
                            scope.declared.insert(name, declared);
                        }
                    }
                }
            }
            _ => {}
        }
        Descend::Yes
    }

    fn open(&mut self, kind: ScopeKind, node: Node<'t>) -> usize {
        let index = self.scopes.len();
        self.scopes.push(Scope::new(
            kind,
            node.start_byte(),
            node.end_byte(),
            Some(self.current()),
        ));
        self.stack.push(index);
        index
    }

    /// Records a binding of the identifier `name` in `scope`, or where a `global` or
    /// `nonlocal` declaration sends it.
    fn bind(&mut self, scope: usize, name: Node<'t>, binding: Binding<'t>) {
        let name = self.text(name);
        if name.is_empty() {
            return;
        }
        let mut target = scope;
        match self.scopes.get(scope).and_then(|s| s.declared.get(name)) {
            Some(Declared::Global) => target = 0,
            Some(Declared::Nonlocal) => {
                // The nearest enclosing function; classes do not count.
                let mut parent = self.scopes.get(scope).and_then(|s| s.parent);
                while let Some(p) = parent {
                    match self.scopes.get(p) {
                        Some(s) if s.kind == ScopeKind::Class => parent = s.parent,
                        _ => break,
                    }
                }
                target = parent.unwrap_or(0);
            }
            None => {}
        }
        if let Some(scope) = self.scopes.get_mut(target) {
            scope.bindings.entry(name).or_default().push(binding);
        }
    }

    /// Binds every name in a target pattern (`a`, `a, b`, `[a, *rest]`) to an unknown
    /// value; attributes and subscripts bind no name.
    fn bind_unknown(&mut self, scope: usize, target: Node<'t>) {
        let mut nodes = ast::descendants(target);
        while let Some(node) = nodes.next() {
            match node.kind() {
                "identifier" => self.bind(scope, node, Binding::Unknown(node)),
                "pattern_list"
                | "tuple_pattern"
                | "list_pattern"
                | "list_splat_pattern"
                | "tuple"
                | "list"
                | "parenthesized_expression"
                | "as_pattern_target"
                | "expression_list" => {}
                _ => nodes.skip_children(),
            }
        }
    }

    fn bind_assignment(&mut self, left: Node<'t>, right: Node<'t>) {
        let scope = self.current();
        if left.kind() == "identifier" {
            self.bind(scope, left, Binding::Assign(right));
            return;
        }
        // `a, b = x, y` pairs names with values when both sides are flat and equally long.
        let is_sequence = |n: Node<'_>| {
            matches!(
                n.kind(),
                "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple"
            )
        };
        if is_sequence(left) && is_sequence(ast::unparenthesize(right)) {
            let targets: Vec<_> = ast::named_children(left)
                .into_iter()
                .filter(|n| n.kind() != "comment")
                .collect();
            let values: Vec<_> = ast::named_children(ast::unparenthesize(right))
                .into_iter()
                .filter(|n| n.kind() != "comment")
                .collect();
            if targets.len() == values.len()
                && targets.iter().all(|t| t.kind() == "identifier")
                && values.iter().all(|v| v.kind() != "list_splat")
            {
                for (target, value) in targets.into_iter().zip(values) {
                    self.bind(scope, target, Binding::Assign(value));
                }
                return;
            }
        }
        self.bind_unknown(scope, left);
    }

    fn bind_parameters(&mut self, scope: usize, parameters: Node<'t>) {
        for parameter in ast::named_children(parameters) {
            let name = match parameter.kind() {
                "identifier" => Some(parameter),
                "default_parameter" | "typed_default_parameter" => {
                    parameter.child_by_field_name("name")
                }
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    ast::named_children(parameter)
                        .into_iter()
                        .find_map(|n| match n.kind() {
                            "identifier" => Some(n),
                            "list_splat_pattern" | "dictionary_splat_pattern" => n.named_child(0),
                            _ => None,
                        })
                }
                _ => None,
            };
            if let Some(name) = name {
                if name.kind() == "identifier" {
                    self.bind(scope, name, Binding::Parameter(parameter));
                } else {
                    self.bind_unknown(scope, name);
                }
            }
        }
    }

    fn bind_import(&mut self, node: Node<'t>) {
        let scope = self.current();
        for name in ast::named_children(node) {
            match name.kind() {
                "dotted_name" => {
                    // `import a.b` binds `a`, which refers to the package `a`.
                    if let Some(head) = name.named_child(0) {
                        let qualified = self.text(head).to_string();
                        self.bind(scope, head, Binding::Import(qualified));
                    }
                }
                "aliased_import" => {
                    if let (Some(target), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) {
                        let qualified = self.text(target).to_string();
                        self.bind(scope, alias, Binding::Import(qualified));
                    }
                }
                _ => {}
            }
        }
    }

    fn bind_import_from(&mut self, node: Node<'t>) {
        let scope = self.current();
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        let module = self.text(module);
        let mut cursor = node.walk();
        let names: Vec<_> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
            match name.kind() {
                "dotted_name" => {
                    let qualified = format!("{module}.{}", self.text(name));
                    self.bind(scope, name, Binding::Import(qualified));
                }
                "aliased_import" => {
                    if let (Some(target), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) {
                        let qualified = format!("{module}.{}", self.text(target));
                        self.bind(scope, alias, Binding::Import(qualified));
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_builtin(name: &str) -> bool {
    BUILTINS.binary_search(&name).is_ok()
}

/// The names of Python 3's `builtins` module that rules care about, sorted.
const BUILTINS: &[&str] = &[
    "BaseException",
    "Exception",
    "__import__",
    "abs",
    "ascii",
    "bool",
    "bytearray",
    "bytes",
    "compile",
    "dict",
    "eval",
    "exec",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hash",
    "id",
    "input",
    "int",
    "isinstance",
    "iter",
    "len",
    "list",
    "next",
    "open",
    "ord",
    "print",
    "range",
    "repr",
    "round",
    "set",
    "setattr",
    "sorted",
    "str",
    "tuple",
];

/// The value of a Python integer literal: decimal, `0x`, `0o` or `0b`, with `_` separators.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.replace('_', "").to_ascii_lowercase();
    let (digits, radix) = match text.get(..2) {
        Some("0x") => (&text[2..], 16),
        Some("0o") => (&text[2..], 8),
        Some("0b") => (&text[2..], 2),
        _ => (text.as_str(), 10),
    };
    i64::from_str_radix(digits, radix).ok()
}

/// The value of a plain string literal (no interpolation), without quotes or prefix.
/// Escapes are kept as written; rules only compare against simple values.
pub fn string_value<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    if node.kind() != "string" {
        return None;
    }
    let mut content_start = None;
    let mut content_end = None;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "interpolation" => return None,
            "string_start" => content_start = Some(child.end_byte()),
            "string_end" => content_end = Some(child.start_byte()),
            _ => {}
        }
    }
    source.get(content_start?..content_end?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        parser.parse(source, None).unwrap()
    }

    /// The first node of `kind` whose text is `text`.
    fn find<'t>(root: Node<'t>, source: &str, kind: &str, text: &str) -> Node<'t> {
        ast::descendants(root)
            .find(|n| n.kind() == kind && &source[n.byte_range()] == text)
            .unwrap()
    }

    /// What every call in `source` resolves to, in source order.
    fn resolved_calls(source: &str) -> Vec<Option<String>> {
        let tree = parse(source);
        let module = Module::build(tree.root_node(), source);
        ast::descendants(tree.root_node())
            .filter(|n| n.kind() == "call")
            .map(|n| module.resolve_call(n))
            .collect()
    }

    #[test]
    fn only_lambdas_comprehensions_and_walrus_may_bind_in_expressions() {
        for text in [
            "f(lambda x: x)",
            "[a for a in b]",
            "g((m := re.match(p, s)))",
            "f(x)for x in y",
        ] {
            assert!(may_bind(text.as_bytes()), "{text}");
        }
        for text in [
            "f(x, y=1)",
            "'{}'.format(before)",
            "a[b] + c",
            "platform.formats",
        ] {
            assert!(!may_bind(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn bindings_inside_expressions_are_still_found() {
        let source = "x = f(lambda open: open('p'), [eval for eval in y])\nopen('q')\n";
        let calls = resolved_calls(source);
        assert_eq!(calls, [None, None, Some("builtins.open".to_string())]);
    }

    #[test]
    fn builtins_are_sorted_for_binary_search() {
        assert!(BUILTINS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parameters_and_local_definitions_shadow_imports_and_builtins() {
        let source = "\
import subprocess as sp
from os import system

def a(system):
    system('x')

def b():
    def eval(x): return x
    eval('y')
    sp.run('z')

class C:
    def open(self): pass
    def m(self):
        open('f')
";
        let calls = resolved_calls(source);
        assert_eq!(
            calls,
            [
                None,
                None,
                Some("subprocess.run".to_string()),
                Some("builtins.open".to_string())
            ]
        );
    }

    #[test]
    fn function_local_imports_resolve_only_inside_the_function() {
        let source = "def f():\n    import pickle as p\n    p.loads(b'')\n\np.loads(b'')\n";
        let calls = resolved_calls(source);
        assert_eq!(calls, [Some("pickle.loads".to_string()), None]);
    }

    #[test]
    fn dynamic_values_are_followed_through_every_assignment() {
        let source = "\
BASE = 'ls'
import shlex
def f(user, n):
    fixed = BASE + ' -l'
    also_fixed = f'{fixed} {int(n)}'
    grows = 'a'
    grows += user
    choice = COMMANDS[user]
    quoted = 'ls ' + shlex.quote(user)
    looped = ''
    for looped in user: pass
    for each in ('a', BASE): pass
    return fixed, also_fixed, grows, choice, quoted, looped, each
";
        let tree = parse(source);
        let root = tree.root_node();
        let module = Module::build(root, source);
        let ret = find(
            root,
            source,
            "expression_list",
            "fixed, also_fixed, grows, choice, quoted, looped, each",
        );
        let values: Vec<_> = ast::named_children(ret)
            .into_iter()
            .map(|n| module.is_dynamic(n))
            .collect();
        assert_eq!(values, [false, false, true, false, true, true, false]);
        let last = ast::descendants(ret)
            .filter(|n| n.kind() == "identifier" && &source[n.byte_range()] == "quoted")
            .last()
            .unwrap();
        assert!(!module.is_dynamic_except(last, &["shlex.quote"]));
    }

    #[test]
    fn numeric_percent_formats_are_not_dynamic() {
        let source = "def f(x):\n    return 'id = %d' % x, 'name = %s' % x, 'n=%(n)05.2f%%' % x\n";
        let tree = parse(source);
        let module = Module::build(tree.root_node(), source);
        let ret = find(
            tree.root_node(),
            source,
            "expression_list",
            "'id = %d' % x, 'name = %s' % x, 'n=%(n)05.2f%%' % x",
        );
        let values: Vec<_> = ast::named_children(ret)
            .into_iter()
            .map(|n| module.is_dynamic(n))
            .collect();
        assert_eq!(values, [false, true, false]);
    }

    #[test]
    fn deeply_nested_expressions_do_not_overflow() {
        let depth = 10_000;
        let source = format!("x = {}1{}\neval(x)\n", "(".repeat(depth), ")".repeat(depth));
        let tree = parse(&source);
        let module = Module::build(tree.root_node(), &source);
        let x = ast::descendants(tree.root_node())
            .filter(|n| n.kind() == "identifier" && &source[n.byte_range()] == "x")
            .last()
            .unwrap();
        let _ = module.is_dynamic(x);
        let _ = module.dynamic_string_build(x, &[]);
        let _ = module.constant_str(x);

        let chain = format!("import os\nos{}.system(x)\n", ".path".repeat(depth));
        assert_eq!(resolved_calls(&chain).len(), 1);
    }
}
