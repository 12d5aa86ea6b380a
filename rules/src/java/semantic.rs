//! Facts about a Java file that many rules need, computed once and shared:
//!
//! - per compilation unit ([`Unit`]): imports, fields and the constant fields, so
//!   `MessageDigest.getInstance(ALGORITHM)` can be judged by the value of `ALGORITHM`;
//! - per method ([`Locals`]): the local variables and parameters, what is written to
//!   them, where they are used, and each node's parent, so a rule can ask "what is the
//!   declared type of `lock`?" or "where does `in` go?";
//! - whether an expression is built from data that is not a constant
//!   ([`Unit::dynamic_part`]), the question every injection rule asks.
//!
//! Everything here is iterative or depth-bounded: no traversal recurses over the tree.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::Node;

use crate::ast;

/// Facts about one Java compilation unit.
pub struct Unit<'t> {
    source: &'t str,
    /// Simple name → fully qualified name, from single-type imports.
    imports: HashMap<&'t str, &'t str>,
    /// `final` fields with an initializer: name → initializer expression.
    constants: HashMap<&'t str, Node<'t>>,
    /// Every field of every class in the file, by name.
    fields: HashMap<&'t str, Vec<Field<'t>>>,
    /// Names assigned to anywhere in the file (`x = ..`, `this.x = ..`, `x++`).
    assigned: HashSet<&'t str>,
    /// Names assigned to outside construction: not in a constructor, an instance
    /// initializer, `readObject`, `readResolve`, `clone` or an `init`/`initialize` method.
    assigned_after_construction: HashSet<&'t str>,
    interns_strings: std::cell::OnceCell<bool>,
    /// The facts of the methods asked about most recently; rules ask about the method
    /// the walk is in, so a handful of entries serve nearly every request.
    locals: RefCell<Vec<Arc<Locals<'t>>>>,
}

/// A field (or record component, or interface constant) declared in this file.
#[derive(Clone, Debug)]
pub struct Field<'t> {
    pub name: Node<'t>,
    pub ty: Node<'t>,
    pub value: Option<Node<'t>>,
    pub is_final: bool,
    pub is_static: bool,
    /// The body of the class declaring it; a use resolves to the innermost such body.
    owner: Range<usize>,
}

/// How many methods' facts [`Unit::locals`] keeps.
const LOCALS_CACHE: usize = 4;

impl<'t> Unit<'t> {
    pub fn build(root: Node<'t>, source: &'t str) -> Unit<'t> {
        let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default();
        let mut unit = Unit {
            source,
            imports: HashMap::new(),
            constants: HashMap::new(),
            fields: HashMap::new(),
            assigned: HashSet::new(),
            assigned_after_construction: HashSet::new(),
            interns_strings: std::cell::OnceCell::new(),
            locals: RefCell::new(Vec::new()),
        };
        let mut walk = ast::walk(root);
        while let Some(step) = walk.next() {
            let node = step.node;
            match node.kind() {
                "import_declaration" => {
                    walk.skip_children();
                    let is_wildcard = ast::named_children(node)
                        .iter()
                        .any(|c| c.kind() == "asterisk");
                    if let Some(name) = node.named_child(0)
                        && name.kind() == "scoped_identifier"
                        && !is_wildcard
                        && let Some(simple) = name.child_by_field_name("name")
                    {
                        unit.imports.insert(text(simple), text(name));
                    }
                }
                "field_declaration" | "constant_declaration" => {
                    let Some(ty) = node.child_by_field_name("type") else {
                        continue;
                    };
                    // Interface fields are implicitly `static final`.
                    let in_interface = node.kind() == "constant_declaration";
                    let is_final = in_interface || has_modifier(node, "final", source);
                    let is_static = in_interface || has_modifier(node, "static", source);
                    let owner = step.parent.map_or(0..0, |p| p.byte_range());
                    let mut cursor = node.walk();
                    for declarator in node.children_by_field_name("declarator", &mut cursor) {
                        let Some(name) = declarator.child_by_field_name("name") else {
                            continue;
                        };
                        let value = declarator.child_by_field_name("value");
                        if is_final && let Some(value) = value {
                            unit.constants.insert(text(name), value);
                        }
                        unit.fields.entry(text(name)).or_default().push(Field {
                            name,
                            ty,
                            value,
                            is_final,
                            is_static,
                            owner: owner.clone(),
                        });
                    }
                }
                "record_declaration" => {
                    let (Some(params), Some(body)) = (
                        node.child_by_field_name("parameters"),
                        node.child_by_field_name("body"),
                    ) else {
                        continue;
                    };
                    for param in ast::named_children(params) {
                        if let (Some(name), Some(ty)) = (
                            param.child_by_field_name("name"),
                            param.child_by_field_name("type"),
                        ) {
                            unit.fields.entry(text(name)).or_default().push(Field {
                                name,
                                ty,
                                value: None,
                                is_final: true,
                                is_static: false,
                                owner: body.byte_range(),
                            });
                        }
                    }
                }
                "assignment_expression" => {
                    if let Some(left) = node.child_by_field_name("left") {
                        let target = match left.kind() {
                            "field_access" => left.child_by_field_name("field"),
                            "identifier" => Some(left),
                            _ => None,
                        };
                        if let Some(target) = target {
                            unit.assigned.insert(text(target));
                            if !during_construction(node, source) {
                                unit.assigned_after_construction.insert(text(target));
                            }
                        }
                    }
                }
                "update_expression" => {
                    if let Some(operand) = node.named_child(0) {
                        let target = match operand.kind() {
                            "field_access" => operand.child_by_field_name("field"),
                            "identifier" => Some(operand),
                            _ => None,
                        };
                        if let Some(target) = target {
                            unit.assigned.insert(text(target));
                            unit.assigned_after_construction.insert(text(target));
                        }
                    }
                }
                _ => {}
            }
        }
        unit
    }

    fn text(&self, node: Node<'_>) -> &'t str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    /// The fully qualified name a simple type name was imported as.
    pub fn import(&self, simple_name: &str) -> Option<&'t str> {
        self.imports.get(simple_name).copied()
    }

    /// The value of a constant string expression: a literal, a `+` concatenation of
    /// constants, or a `final` field of this file initialised to one.
    pub fn constant_str(&self, node: Node<'_>, source: &str) -> Option<String> {
        self.constant_str_at(node, source, 0)
    }

    fn constant_str_at(&self, node: Node<'_>, source: &str, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = ast::unparenthesize(node);
        match node.kind() {
            "string_literal" => string_value(node, source).map(str::to_string),
            "binary_expression" => {
                let op = node.child_by_field_name("operator")?;
                if source.get(op.byte_range())? != "+" {
                    return None;
                }
                let left =
                    self.constant_str_at(node.child_by_field_name("left")?, source, depth + 1)?;
                let right =
                    self.constant_str_at(node.child_by_field_name("right")?, source, depth + 1)?;
                Some(left + &right)
            }
            "identifier" => {
                let value = self.constant(source.get(node.byte_range())?)?;
                self.constant_str_at(value, source, depth + 1)
            }
            "field_access" => {
                // `Algorithms.MD5` or `this.ALGORITHM`: only fields declared in this file.
                let field = node.child_by_field_name("field")?;
                let value = self.constant(source.get(field.byte_range())?)?;
                self.constant_str_at(value, source, depth + 1)
            }
            _ => None,
        }
    }

    /// The value of a decimal integer literal, or of a `final` field of this file
    /// initialised to one.
    pub fn constant_int(&self, node: Node<'_>) -> Option<u64> {
        let mut node = ast::unparenthesize(node);
        if node.kind() == "identifier" {
            node = ast::unparenthesize(self.constant(self.text(node))?);
        }
        if node.kind() != "decimal_integer_literal" {
            return None;
        }
        self.text(node)
            .replace('_', "")
            .trim_end_matches(['l', 'L'])
            .parse()
            .ok()
    }

    /// The initializer of a `final` field of this file.
    pub fn constant(&self, name: &str) -> Option<Node<'t>> {
        self.constants.get(name).copied()
    }

    /// Like [`Unit::constant_str`], and also through a local variable that is initialised
    /// to a constant and never assigned again.
    pub fn constant_str_in(&self, locals: &Locals<'t>, node: Node<'t>) -> Option<String> {
        let node = ast::unparenthesize(node);
        if node.kind() == "identifier"
            && let Some(decl) = locals.resolve(node, self.source)
        {
            if decl.kind != DeclKind::Local || locals.writes_of(decl, self.source).next().is_some()
            {
                return None;
            }
            return self.constant_str(decl.value?, self.source);
        }
        self.constant_str(node, self.source)
    }

    /// The field `name` as seen from `at`: declared in the innermost class around `at`.
    pub fn field(&self, name: &str, at: Node<'_>) -> Option<&Field<'t>> {
        let at = at.start_byte();
        self.fields
            .get(name)?
            .iter()
            .filter(|f| f.owner.start <= at && at < f.owner.end)
            .max_by_key(|f| f.owner.start)
    }

    /// Whether a field called `name` is assigned anywhere in the file, outside its
    /// declaration.
    /// Whether the file interns the strings it handles: it calls `intern()` or keeps a
    /// symbol table, as XML parsers do. Computed once per file.
    pub fn interns_strings(&self) -> bool {
        *self.interns_strings.get_or_init(|| {
            self.source.contains(".intern()") || self.source.contains("SymbolTable")
        })
    }

    pub fn is_assigned(&self, name: &str) -> bool {
        self.assigned.contains(name)
    }

    /// Whether a field called `name` is assigned after its object is built: outside
    /// constructors, instance initializers and deserialization or cloning hooks.
    pub fn is_assigned_after_construction(&self, name: &str) -> bool {
        self.assigned_after_construction.contains(name)
    }

    /// What a name or `this.name` refers to at its use.
    pub fn resolve<'a>(
        &'a self,
        locals: &'a Locals<'t>,
        expr: Node<'t>,
    ) -> Option<Binding<'a, 't>> {
        let expr = ast::unparenthesize(expr);
        match expr.kind() {
            "identifier" => locals
                .resolve(expr, self.source)
                .map(Binding::Local)
                .or_else(|| self.field(self.text(expr), expr).map(Binding::Field)),
            "field_access" => {
                let object = expr.child_by_field_name("object")?;
                let field = expr.child_by_field_name("field")?;
                (object.kind() == "this")
                    .then(|| self.field(self.text(field), expr).map(Binding::Field))
                    .flatten()
            }
            _ => None,
        }
    }

    /// The simple name of the declared type of a name or `this.name`, looking through
    /// `var` to a `new T(..)` initializer.
    pub fn type_of(&self, locals: &Locals<'t>, expr: Node<'t>) -> Option<&'t str> {
        self.resolve(locals, expr)?.type_name(self.source)
    }

    /// The facts of one method (or constructor, or initializer), built on first request.
    ///
    /// `scope` should come from [`scope_of`], so every rule asks about the same node.
    pub fn locals(&self, scope: Node<'t>) -> Arc<Locals<'t>> {
        let mut cache = self.locals.borrow_mut();
        if let Some(hit) = cache.iter().find(|l| l.scope.id() == scope.id()) {
            return Arc::clone(hit);
        }
        let built = Arc::new(Locals::build(scope, self.source));
        if cache.len() >= LOCALS_CACHE {
            cache.remove(0);
        }
        cache.push(Arc::clone(&built));
        built
    }
}

/// How far constant folding follows names and operators, and [`Unit::dynamic_part`]
/// follows names, before they give up.
const MAX_DEPTH: usize = 32;

/// The value of a string literal, without quotes. Escapes are kept as written.
pub fn string_value<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    if node.kind() != "string_literal" {
        return None;
    }
    let text = source.get(node.byte_range())?;
    text.strip_prefix("\"\"\"")
        .and_then(|t| t.strip_suffix("\"\"\""))
        .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
}

/// Whether a declaration's `modifiers` include `modifier` (`final`, `static`, ..).
pub fn has_modifier(declaration: Node<'_>, modifier: &str, source: &str) -> bool {
    ast::named_children(declaration).iter().any(|c| {
        c.kind() == "modifiers"
            && source
                .get(c.byte_range())
                .unwrap_or_default()
                .split_whitespace()
                .any(|m| m == modifier)
    })
}

/// The node whose local variables a node can see: the nearest enclosing method,
/// constructor, initializer block or field declaration, found among `ancestors`
/// (nearest first, as `Checker::ancestors` gives them). Lambdas are not scopes: they see
/// the locals of the method around them.
pub fn scope_of<'t>(ancestors: impl Iterator<Item = Node<'t>>) -> Option<Node<'t>> {
    let mut previous: Option<Node<'t>> = None;
    for node in ancestors {
        match node.kind() {
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration"
            | "static_initializer"
            | "field_declaration" => return Some(node),
            // An instance initializer: a block directly in a class body.
            "class_body" | "enum_body_declarations"
                if previous.is_some_and(|p| p.kind() == "block") =>
            {
                return previous;
            }
            _ => {}
        }
        previous = Some(node);
    }
    None
}

/// The statements of a block, without its comments.
pub fn statements(block: Node<'_>) -> Vec<Node<'_>> {
    ast::named_children(block)
        .into_iter()
        .filter(|c| !c.kind().ends_with("comment"))
        .collect()
}

/// The `catch_formal_parameter` of a `catch_clause`: `IOException e` in
/// `catch (IOException e)`.
pub fn catch_parameter(catch_clause: Node<'_>) -> Option<Node<'_>> {
    ast::named_children(catch_clause)
        .into_iter()
        .find(|c| c.kind() == "catch_formal_parameter")
}

/// Whether `statement` is a call statement, `x.name(..);`, to one of `names`.
pub fn is_call_statement(statement: Node<'_>, names: &[&str], source: &str) -> bool {
    statement.kind() == "expression_statement"
        && statement.named_child(0).is_some_and(|call| {
            call.kind() == "method_invocation"
                && call
                    .child_by_field_name("name")
                    .and_then(|n| source.get(n.byte_range()))
                    .is_some_and(|name| names.contains(&name))
        })
}

/// The simple name of a type: `java.util.List<String>` → `List`, `Map.Entry` → `Entry`,
/// `int` → `int`. Arrays have none.
pub fn simple_type_name<'s>(ty: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut ty = ty;
    // generic_type → its base; annotated_type → its type; scoped_type_identifier → last part.
    for _ in 0..8 {
        match ty.kind() {
            "type_identifier" | "integral_type" | "floating_point_type" | "boolean_type" => {
                return source.get(ty.byte_range());
            }
            "generic_type" => ty = ty.named_child(0)?,
            "scoped_type_identifier" | "annotated_type" => {
                ty = ty.named_child(u32::try_from(ty.named_child_count().checked_sub(1)?).ok()?)?;
            }
            _ => return None,
        }
    }
    None
}

/// Whether the name is written like a constant: `MAX_SIZE`, `URL`.
pub fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What a name refers to.
#[derive(Clone, Copy, Debug)]
pub enum Binding<'a, 't> {
    Local(&'a Decl<'t>),
    Field(&'a Field<'t>),
}

impl<'t> Binding<'_, 't> {
    /// The declared type, if written (`var` is written, as `var`).
    pub fn ty(&self) -> Option<Node<'t>> {
        match self {
            Binding::Local(d) => d.ty,
            Binding::Field(f) => Some(f.ty),
        }
    }

    /// The initializer.
    pub fn value(&self) -> Option<Node<'t>> {
        match self {
            Binding::Local(d) => d.value,
            Binding::Field(f) => f.value,
        }
    }

    /// The simple name of the declared type, looking through `var` to `new T(..)`.
    pub fn type_name(&self, source: &'t str) -> Option<&'t str> {
        let name = simple_type_name(self.ty()?, source)?;
        if name != "var" {
            return Some(name);
        }
        let value = ast::unparenthesize(self.value()?);
        (value.kind() == "object_creation_expression")
            .then(|| simple_type_name(value.child_by_field_name("type")?, source))
            .flatten()
    }
}

/// Where a local name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    /// `T x = ..;`
    Local,
    /// A method, constructor or lambda parameter.
    Parameter,
    /// `catch (T e)`
    CatchParameter,
    /// `try (T x = ..)`
    Resource,
    /// `for (T x : xs)`; its value is the iterated expression.
    ForEach,
    /// `o instanceof T x`, or a pattern in a `switch`.
    Pattern,
}

/// A local variable or parameter.
#[derive(Clone, Debug)]
pub struct Decl<'t> {
    pub kind: DeclKind,
    pub name: Node<'t>,
    pub ty: Option<Node<'t>>,
    pub value: Option<Node<'t>>,
    pub is_final: bool,
    /// Where the name refers to this declaration.
    visible: Range<usize>,
}

/// How a local is changed after its declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// `x = value`
    Assign,
    /// `x += value` and the other compound operators.
    Compound,
    /// `x.append(..)`, `x.add(..)`, `x.put(..)`: `value` is the argument list.
    Mutate,
    /// `x[i] = value`
    Element,
    /// `x++`
    Update,
}

/// A change of a local after its declaration.
#[derive(Clone, Copy, Debug)]
pub struct Write<'t> {
    pub kind: WriteKind,
    /// The name being written, as it appears in the write.
    pub target: Node<'t>,
    pub value: Node<'t>,
    /// The method called, for [`WriteKind::Mutate`].
    pub method: Option<&'t str>,
}

/// Methods that change the object they are called on by adding their arguments to it.
const MUTATORS: &[&str] = &[
    "append",
    "insert",
    "add",
    "addAll",
    "put",
    "putAll",
    "set",
    "push",
    "offer",
    "addFirst",
    "addLast",
    "addElement",
];

/// The locals of one method-like scope.
pub struct Locals<'t> {
    scope: Node<'t>,
    parents: HashMap<usize, Node<'t>>,
    decls: HashMap<&'t str, Vec<Decl<'t>>>,
    writes: HashMap<&'t str, Vec<Write<'t>>>,
    uses: HashMap<&'t str, Vec<Node<'t>>>,
}

impl<'t> Locals<'t> {
    pub fn build(scope: Node<'t>, source: &'t str) -> Locals<'t> {
        let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default();
        let mut locals = Locals {
            scope,
            parents: HashMap::new(),
            decls: HashMap::new(),
            writes: HashMap::new(),
            uses: HashMap::new(),
        };
        let mut walk = ast::walk(scope);
        while let Some(step) = walk.next() {
            let node = step.node;
            if !node.is_named() {
                continue;
            }
            if let Some(parent) = step.parent {
                locals.parents.insert(node.id(), parent);
            }
            let parent_range = step.parent.map_or(scope.byte_range(), |p| p.byte_range());
            let grandparent_range = walk
                .ancestors()
                .nth(1)
                .map_or(scope.byte_range(), |p| p.byte_range());
            let mut declare = |kind, name: Node<'t>, ty, value, is_final, visible| {
                if name.kind() == "identifier" {
                    locals.decls.entry(text(name)).or_default().push(Decl {
                        kind,
                        name,
                        ty,
                        value,
                        is_final,
                        visible,
                    });
                }
            };
            match node.kind() {
                "local_variable_declaration" => {
                    let ty = node.child_by_field_name("type");
                    let is_final = has_modifier(node, "final", source);
                    let mut cursor = node.walk();
                    for declarator in node.children_by_field_name("declarator", &mut cursor) {
                        if let Some(name) = declarator.child_by_field_name("name") {
                            declare(
                                DeclKind::Local,
                                name,
                                ty,
                                declarator.child_by_field_name("value"),
                                is_final,
                                node.start_byte()..parent_range.end,
                            );
                        }
                    }
                }
                "formal_parameter" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        declare(
                            DeclKind::Parameter,
                            name,
                            node.child_by_field_name("type"),
                            None,
                            has_modifier(node, "final", source),
                            grandparent_range,
                        );
                    }
                }
                "spread_parameter" => {
                    let children = ast::named_children(node);
                    let ty = children.iter().copied().find(|c| {
                        !matches!(
                            c.kind(),
                            "modifiers"
                                | "annotation"
                                | "marker_annotation"
                                | "variable_declarator"
                        )
                    });
                    if let Some(name) = children
                        .iter()
                        .find(|c| c.kind() == "variable_declarator")
                        .and_then(|d| d.child_by_field_name("name"))
                    {
                        declare(
                            DeclKind::Parameter,
                            name,
                            ty,
                            None,
                            false,
                            grandparent_range,
                        );
                    }
                }
                "catch_formal_parameter" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        let ty = ast::named_children(node)
                            .into_iter()
                            .find(|c| c.kind() == "catch_type");
                        declare(
                            DeclKind::CatchParameter,
                            name,
                            ty,
                            None,
                            false,
                            parent_range,
                        );
                    }
                }
                "resource" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        declare(
                            DeclKind::Resource,
                            name,
                            node.child_by_field_name("type"),
                            node.child_by_field_name("value"),
                            true,
                            node.start_byte()..grandparent_range.end,
                        );
                    }
                }
                "enhanced_for_statement" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        declare(
                            DeclKind::ForEach,
                            name,
                            node.child_by_field_name("type"),
                            node.child_by_field_name("value"),
                            false,
                            node.byte_range(),
                        );
                    }
                }
                "lambda_expression" => {
                    if let Some(params) = node.child_by_field_name("parameters") {
                        let names = match params.kind() {
                            "identifier" => vec![params],
                            "inferred_parameters" => ast::named_children(params),
                            _ => Vec::new(),
                        };
                        for name in names {
                            declare(
                                DeclKind::Parameter,
                                name,
                                None,
                                None,
                                false,
                                node.byte_range(),
                            );
                        }
                    }
                }
                "instanceof_expression" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        // The pattern variable is in scope where the test held: approximated
                        // by the rest of the enclosing statement's block.
                        let block_end = walk
                            .ancestors()
                            .find(|a| matches!(a.kind(), "block" | "switch_block"))
                            .map_or(scope.end_byte(), |b| b.end_byte());
                        declare(
                            DeclKind::Pattern,
                            name,
                            node.child_by_field_name("right"),
                            None,
                            false,
                            node.start_byte()..block_end,
                        );
                    }
                }
                "type_pattern" => {
                    let children = ast::named_children(node);
                    if let [ty, name] = children.as_slice() {
                        declare(
                            DeclKind::Pattern,
                            *name,
                            Some(*ty),
                            None,
                            false,
                            grandparent_range,
                        );
                    }
                }
                "assignment_expression" => {
                    let (Some(left), Some(right), Some(op)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                        node.child_by_field_name("operator"),
                    ) else {
                        continue;
                    };
                    let left = ast::unparenthesize(left);
                    let kind = if text(op) == "=" {
                        WriteKind::Assign
                    } else {
                        WriteKind::Compound
                    };
                    let (kind, target) = match left.kind() {
                        "identifier" => (kind, Some(left)),
                        "array_access" => (
                            WriteKind::Element,
                            left.child_by_field_name("array")
                                .filter(|a| a.kind() == "identifier"),
                        ),
                        _ => (kind, None),
                    };
                    if let Some(target) = target {
                        locals.add_write(text(target), kind, target, right, None);
                    }
                }
                "update_expression" => {
                    if let Some(operand) = node.named_child(0)
                        && operand.kind() == "identifier"
                    {
                        locals.add_write(text(operand), WriteKind::Update, operand, node, None);
                    }
                }
                "method_invocation" => {
                    let (Some(name), Some(args)) = (
                        node.child_by_field_name("name"),
                        node.child_by_field_name("arguments"),
                    ) else {
                        continue;
                    };
                    let method = text(name);
                    if !MUTATORS.contains(&method) {
                        continue;
                    }
                    // `sb.append(a).append(b)`: each call in the chain writes to `sb`.
                    let mut base = node.child_by_field_name("object");
                    for _ in 0..MAX_DEPTH {
                        match base {
                            Some(b)
                                if b.kind() == "method_invocation"
                                    && b.child_by_field_name("name")
                                        .is_some_and(|n| MUTATORS.contains(&text(n))) =>
                            {
                                base = b.child_by_field_name("object");
                            }
                            _ => break,
                        }
                    }
                    if let Some(base) = base.map(ast::unparenthesize)
                        && base.kind() == "identifier"
                    {
                        locals.add_write(text(base), WriteKind::Mutate, base, args, Some(method));
                    }
                }
                "identifier" => {
                    let declares = matches!(step.field, Some("name" | "field" | "label"))
                        || (step.field == Some("parameters")
                            && step.parent.is_some_and(|p| p.kind() == "lambda_expression"))
                        || step.parent.is_some_and(|p| {
                            matches!(
                                p.kind(),
                                "inferred_parameters"
                                    | "method_reference"
                                    | "labeled_statement"
                                    | "break_statement"
                                    | "continue_statement"
                                    | "scoped_identifier"
                                    | "type_pattern"
                            )
                        });
                    if !declares {
                        locals.uses.entry(text(node)).or_default().push(node);
                    }
                }
                _ => {}
            }
        }
        locals
    }

    fn add_write(
        &mut self,
        name: &'t str,
        kind: WriteKind,
        target: Node<'t>,
        value: Node<'t>,
        method: Option<&'t str>,
    ) {
        self.writes.entry(name).or_default().push(Write {
            kind,
            target,
            value,
            method,
        });
    }

    /// The method, constructor, initializer or field these facts are about.
    pub fn scope(&self) -> Node<'t> {
        self.scope
    }

    /// The parent of a node inside the scope, in O(1).
    pub fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        self.parents.get(&node.id()).copied()
    }

    /// The ancestors of a node inside the scope, nearest first, ending at the scope.
    pub fn ancestors(&self, node: Node<'t>) -> impl Iterator<Item = Node<'t>> + '_ {
        std::iter::successors(self.parent(node), |n| self.parent(*n))
    }

    /// The local or parameter a name refers to, if it is declared in this scope.
    pub fn resolve(&self, ident: Node<'t>, source: &str) -> Option<&Decl<'t>> {
        let name = source.get(ident.byte_range())?;
        let at = ident.start_byte();
        self.decls
            .get(name)?
            .iter()
            .filter(|d| d.visible.start <= at && at < d.visible.end)
            .max_by_key(|d| d.visible.start)
    }

    /// Every local or parameter declared in the scope.
    pub fn decls(&self) -> impl Iterator<Item = &Decl<'t>> {
        self.decls.values().flatten()
    }

    /// The writes to `decl` after its declaration, in source order.
    pub fn writes_of<'a>(
        &'a self,
        decl: &'a Decl<'t>,
        source: &'a str,
    ) -> impl Iterator<Item = &'a Write<'t>> + 'a {
        let name = source.get(decl.name.byte_range()).unwrap_or_default();
        self.writes
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |w| self.is_same(w.target, decl, source))
    }

    /// The uses of `decl`: every occurrence of its name that refers to it, other than
    /// its declaration. Writes are uses too.
    pub fn uses_of<'a>(
        &'a self,
        decl: &'a Decl<'t>,
        source: &'a str,
    ) -> impl Iterator<Item = Node<'t>> + 'a {
        let name = source.get(decl.name.byte_range()).unwrap_or_default();
        self.uses
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |u| self.is_same(*u, decl, source))
    }

    fn is_same(&self, ident: Node<'t>, decl: &Decl<'t>, source: &str) -> bool {
        self.resolve(ident, source)
            .is_some_and(|d| d.name.id() == decl.name.id())
    }
}

/// Why an expression's value is not a constant.
#[derive(Clone, Copy, Debug)]
pub struct Dynamic<'t> {
    /// The expression whose value is not known here: a parameter, a call, a field.
    pub source: Node<'t>,
    /// Whether the value is assembled from parts on the way (`+`, `+=`,
    /// `String.format`, `StringBuilder.append`), rather than passed through unchanged.
    pub built: bool,
}

/// Methods whose result is a number or a boolean: nothing an attacker can inject.
const SAFE_RESULT_METHODS: &[&str] = &[
    "pid",
    "size",
    "length",
    "count",
    "ordinal",
    "indexOf",
    "lastIndexOf",
    "compareTo",
    "hashCode",
    "intValue",
    "longValue",
    "doubleValue",
    "parseInt",
    "parseLong",
    "parseDouble",
    "getAsInt",
    "getAsLong",
    "currentTimeMillis",
    "nanoTime",
    "isEmpty",
    "equals",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "max",
    "min",
    "abs",
];

/// Methods that assemble a string from their receiver and arguments.
const BUILDING_METHODS: &[&str] = &[
    "format",
    "formatted",
    "concat",
    "join",
    "append",
    "insert",
    "repeat",
];

/// Methods whose result is made of their receiver and arguments and nothing else.
const TRANSPARENT_METHODS: &[&str] = &[
    "toString",
    "trim",
    "strip",
    "stripLeading",
    "stripTrailing",
    "toLowerCase",
    "toUpperCase",
    "substring",
    "replace",
    "replaceAll",
    "replaceFirst",
    "intern",
    "toArray",
    "toList",
    "split",
    "valueOf",
    "of",
    "asList",
    "singletonList",
    "singleton",
    "copyOf",
    "unmodifiableList",
    "requireNonNull",
    "stream",
    "build",
    "getBytes",
    "toCharArray",
    "charAt",
];

/// Declared types whose values cannot carry an injection: numbers, booleans, UUIDs, dates.
pub(crate) const SAFE_TYPES: &[&str] = &[
    "int",
    "long",
    "short",
    "byte",
    "double",
    "float",
    "boolean",
    "Integer",
    "Long",
    "Short",
    "Byte",
    "Double",
    "Float",
    "Boolean",
    "BigDecimal",
    "BigInteger",
    "Number",
    "UUID",
    "LocalDate",
    "LocalDateTime",
    "Instant",
    "AtomicInteger",
    "AtomicLong",
];

/// The most expressions [`Unit::dynamic_part`] looks at for one question.
const DYNAMIC_BUDGET: usize = 4096;

impl<'t> Unit<'t> {
    /// Whether `expr` (inside `locals`' scope) carries data that is not a constant, and
    /// where that data comes from.
    ///
    /// Literals, constants (`final` fields with constant values, `ALL_CAPS` names, class
    /// names), numbers and booleans are constant. Locals are followed through their
    /// initializer and every later write (`=`, `+=`, `append`, `add`), so a `StringBuilder`
    /// or a `List` built in the method is judged by what was put in it. Parameters,
    /// fields that change, and the results of unknown calls are dynamic.
    ///
    /// A built source is preferred over one passed through unchanged, so
    /// `q = cond ? param : "a" + name` reports `name`, built.
    /// `System.getProperty("java.home")`: a property the JVM itself sets (its install
    /// folder, the temporary folder, the platform's separators), not an input.
    fn is_jvm_property(&self, call: Node<'t>) -> bool {
        let is_get_property = call
            .child_by_field_name("name")
            .is_some_and(|n| self.text(n) == "getProperty")
            && call
                .child_by_field_name("object")
                .is_some_and(|o| self.text(o) == "System");
        is_get_property
            && call
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|k| self.constant_str(k, self.source))
                .is_some_and(|key| {
                    matches!(
                        key.as_str(),
                        "java.home"
                            | "java.io.tmpdir"
                            | "user.dir"
                            | "user.home"
                            | "os.name"
                            | "os.arch"
                            | "file.separator"
                            | "path.separator"
                            | "line.separator"
                            | "java.version"
                            | "java.vendor"
                    )
                })
    }

    pub fn dynamic_part(&self, locals: &Locals<'t>, expr: Node<'t>) -> Option<Dynamic<'t>> {
        let mut work: Vec<(Node<'t>, usize, bool)> = vec![(expr, 0, false)];
        let mut seen: HashSet<usize> = HashSet::new();
        let mut unbuilt: Option<Dynamic<'t>> = None;
        let mut budget = DYNAMIC_BUDGET;
        while let Some((node, depth, built)) = work.pop() {
            let Some(left) = budget.checked_sub(1) else {
                return unbuilt;
            };
            budget = left;
            if depth > MAX_DEPTH {
                continue;
            }
            let node = ast::unparenthesize(node);
            // Depth counts the names followed; the budget bounds the expression sizes.
            let next = depth;
            let dynamic = match node.kind() {
                "string_literal"
                | "character_literal"
                | "decimal_integer_literal"
                | "hex_integer_literal"
                | "octal_integer_literal"
                | "binary_integer_literal"
                | "decimal_floating_point_literal"
                | "hex_floating_point_literal"
                | "true"
                | "false"
                | "null_literal"
                | "class_literal"
                | "this"
                | "lambda_expression"
                | "method_reference"
                | "unary_expression"
                | "update_expression"
                | "instanceof_expression" => false,
                "identifier" | "field_access" => {
                    self.follow_name(locals, node, depth + 1, built, &mut work, &mut seen)
                }
                "binary_expression" => {
                    let is_concat = node
                        .child_by_field_name("operator")
                        .is_some_and(|op| self.text(op) == "+");
                    // Any other operator yields a number or a boolean.
                    if is_concat {
                        for side in ["left", "right"] {
                            if let Some(side) = node.child_by_field_name(side) {
                                work.push((side, next, true));
                            }
                        }
                    }
                    false
                }
                "ternary_expression" => {
                    for branch in ["consequence", "alternative"] {
                        if let Some(branch) = node.child_by_field_name(branch) {
                            work.push((branch, next, built));
                        }
                    }
                    false
                }
                "cast_expression" => {
                    if let Some(value) = node.child_by_field_name("value") {
                        work.push((value, next, built));
                    }
                    false
                }
                "array_creation_expression" => {
                    if let Some(value) = node.child_by_field_name("value") {
                        work.push((value, next, built));
                    }
                    false
                }
                "array_initializer" | "argument_list" => {
                    for child in ast::named_children(node) {
                        work.push((child, next, built));
                    }
                    false
                }
                "array_access" => {
                    if let Some(array) = node.child_by_field_name("array") {
                        work.push((array, next, built));
                    }
                    false
                }
                "object_creation_expression" => {
                    if let Some(args) = node.child_by_field_name("arguments") {
                        work.push((args, next, built));
                    }
                    false
                }
                "method_invocation" => {
                    let name = node
                        .child_by_field_name("name")
                        .map_or("", |n| self.text(n));
                    if SAFE_RESULT_METHODS.contains(&name) || self.is_jvm_property(node) {
                        false
                    } else if BUILDING_METHODS.contains(&name)
                        || TRANSPARENT_METHODS.contains(&name)
                    {
                        let built = built || BUILDING_METHODS.contains(&name);
                        for part in ["object", "arguments"] {
                            if let Some(part) = node.child_by_field_name(part) {
                                work.push((part, next, built));
                            }
                        }
                        false
                    } else {
                        true
                    }
                }
                _ => true,
            };
            if dynamic {
                let found = Dynamic {
                    source: node,
                    built,
                };
                if built {
                    return Some(found);
                }
                unbuilt.get_or_insert(found);
            }
        }
        unbuilt
    }

    /// One step of [`Unit::dynamic_part`] for a name: queues what the name holds, or
    /// says that it is dynamic.
    fn follow_name(
        &self,
        locals: &Locals<'t>,
        node: Node<'t>,
        next: usize,
        built: bool,
        work: &mut Vec<(Node<'t>, usize, bool)>,
        seen: &mut HashSet<usize>,
    ) -> bool {
        let name_node = if node.kind() == "field_access" {
            match node.child_by_field_name("field") {
                Some(f) => f,
                None => return true,
            }
        } else {
            node
        };
        let name = self.text(name_node);
        let Some(binding) = self.resolve(locals, node) else {
            // `Other.CONSTANT`, `CONSTANT`, a class name used as a receiver, or a static
            // field of a class (`File.separator`).
            let of_class = node.kind() == "field_access"
                && node.child_by_field_name("object").is_some_and(|o| {
                    matches!(o.kind(), "identifier" | "field_access")
                        && self
                            .text(o)
                            .rsplit('.')
                            .next()
                            .is_some_and(|c| c.starts_with(|c: char| c.is_ascii_uppercase()))
                });
            return !(is_constant_name(name)
                || of_class
                || node.kind() == "identifier"
                    && name.starts_with(|c: char| c.is_ascii_uppercase()));
        };
        if binding
            .type_name(self.source)
            .is_some_and(|t| SAFE_TYPES.contains(&t))
        {
            return false;
        }
        match binding {
            Binding::Local(decl) => {
                if !seen.insert(decl.name.id()) {
                    return false;
                }
                match decl.kind {
                    DeclKind::Local | DeclKind::Resource | DeclKind::ForEach => {
                        if let Some(value) = decl.value {
                            work.push((value, next, built));
                        }
                        for write in locals.writes_of(decl, self.source) {
                            let built = built
                                || write.kind == WriteKind::Compound
                                || write.method.is_some_and(|m| BUILDING_METHODS.contains(&m));
                            if write.kind != WriteKind::Update {
                                work.push((write.value, next, built));
                            }
                        }
                        false
                    }
                    DeclKind::Parameter | DeclKind::CatchParameter | DeclKind::Pattern => true,
                }
            }
            Binding::Field(field) => {
                if !seen.insert(field.name.id()) {
                    return false;
                }
                let unchanged = field.is_final || !self.assigned.contains(name);
                match field.value {
                    Some(value) if unchanged => {
                        work.push((value, next, built));
                        false
                    }
                    // A final field set in a constructor: constant only by convention.
                    None if field.is_final && field.is_static => false,
                    _ => !is_constant_name(name),
                }
            }
        }
    }
}

/// Whether an assignment runs while its object is still being built, before other
/// threads can see it.
fn during_construction(node: Node<'_>, source: &str) -> bool {
    let Some(owner) = ast::ancestor_of_kind(
        node,
        &[
            "constructor_declaration",
            "method_declaration",
            "lambda_expression",
            "block",
        ],
    )
    .and_then(|n| {
        if n.kind() == "block" {
            // An instance initializer is a block directly in a class body.
            if n.parent().is_some_and(|p| p.kind() == "class_body") {
                return Some(n);
            }
            ast::ancestor_of_kind(
                n,
                &[
                    "constructor_declaration",
                    "method_declaration",
                    "lambda_expression",
                ],
            )
        } else {
            Some(n)
        }
    }) else {
        return false;
    };
    match owner.kind() {
        "constructor_declaration" | "block" => true,
        "method_declaration" => owner
            .child_by_field_name("name")
            .and_then(|n| source.get(n.byte_range()))
            .is_some_and(|name| {
                matches!(
                    name,
                    "readObject" | "readResolve" | "clone" | "init" | "initialize"
                )
            }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn parse(source: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_java::LANGUAGE.into())
            .unwrap();
        parser.parse(source, None).unwrap()
    }

    /// Asks `dynamic_part` about the argument of the call to `sink(..)` in `source`.
    fn dynamic(source: &str) -> Option<(String, bool)> {
        let tree = parse(source);
        let unit = Unit::build(tree.root_node(), source);
        let mut walk = ast::walk(tree.root_node());
        while let Some(step) = walk.next() {
            let node = step.node;
            if node.kind() == "method_invocation"
                && node
                    .child_by_field_name("name")
                    .is_some_and(|n| &source[n.byte_range()] == "sink")
            {
                let scope = scope_of(walk.ancestors()).unwrap();
                let locals = unit.locals(scope);
                let arg = node
                    .child_by_field_name("arguments")
                    .unwrap()
                    .named_child(0)
                    .unwrap();
                return unit
                    .dynamic_part(&locals, arg)
                    .map(|d| (source[d.source.byte_range()].to_string(), d.built));
            }
        }
        panic!("no sink call");
    }

    #[test]
    fn constants_and_literals_are_not_dynamic() {
        let src = r#"class A {
            static final String TABLE = "users";
            private final String column = "name";
            void m(int id) {
                String q = "SELECT " + column + " FROM " + TABLE + " WHERE id = " + id;
                q += " LIMIT " + Limits.MAX;
                sink(q);
            }
        }"#;
        assert_eq!(dynamic(src), None);
    }

    #[test]
    fn parameters_are_dynamic_and_concatenation_is_built() {
        let src = r#"class A { void m(String name) { sink("SELECT * FROM t WHERE n = '" + name + "'"); } }"#;
        assert_eq!(dynamic(src), Some(("name".into(), true)));
        let src = r#"class A { void m(String sql) { String q = sql; sink(q); } }"#;
        assert_eq!(dynamic(src), Some(("sql".into(), false)));
    }

    #[test]
    fn builders_lists_and_compound_assignments_are_followed() {
        let src = r#"class A { void m(String user) {
            StringBuilder sb = new StringBuilder("SELECT * FROM t");
            sb.append(" WHERE u = '").append(user).append("'");
            sink(sb.toString());
        } }"#;
        assert_eq!(dynamic(src), Some(("user".into(), true)));
        let src = r#"class A { void m(String dir) {
            List<String> cmd = new ArrayList<>();
            cmd.add("ls");
            cmd.add(dir);
            sink(cmd);
        } }"#;
        assert_eq!(dynamic(src), Some(("dir".into(), false)));
        let src = r#"class A { void m(Request r) {
            String q = "SELECT 1";
            q += r.getParameter("x");
            sink(q);
        } }"#;
        assert_eq!(dynamic(src), Some(("r.getParameter(\"x\")".into(), true)));
    }

    #[test]
    fn self_referencing_assignments_terminate() {
        let src = r#"class A { void m(String a) {
            String q = "x";
            for (int i = 0; i < 3; i++) { q = q + q; }
            sink(q);
        } }"#;
        assert_eq!(dynamic(src), None);
    }

    #[test]
    fn ten_thousand_levels_of_nesting_neither_overflow_nor_crawl() {
        let depth = 10_000;
        let src = format!(
            "class A {{ void m(String p) {{ String q = {}p{}; sink(q); }} }}",
            "(\"a\" + ".repeat(depth),
            ")".repeat(depth)
        );
        let started = std::time::Instant::now();
        // Beyond the budget the answer is "nothing known", quickly.
        assert_eq!(dynamic(&src), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn long_concatenations_are_followed_to_their_first_part() {
        let src = format!(
            "class A {{ void m(String p) {{ sink(p{}); }} }}",
            " + \", x\"".repeat(300)
        );
        assert_eq!(dynamic(&src), Some(("p".into(), true)));
    }

    #[test]
    fn locals_resolve_to_the_declaration_in_scope() {
        let src = r#"class A {
            Lock lock;
            void m(FileChannel ch) {
                { Lock lock = new ReentrantLock(); lock.lock(); }
                { var lock = ch; lock.lock(); }
                lock.lock();
            }
        }"#;
        let tree = parse(src);
        let unit = Unit::build(tree.root_node(), src);
        let mut types = Vec::new();
        let mut walk = ast::walk(tree.root_node());
        while let Some(step) = walk.next() {
            if step.node.kind() == "method_invocation" {
                let scope = scope_of(walk.ancestors()).unwrap();
                let locals = unit.locals(scope);
                let object = step.node.child_by_field_name("object").unwrap();
                types.push(unit.type_of(&locals, object));
            }
        }
        assert_eq!(types, [Some("Lock"), None, Some("Lock")]);
    }
}
