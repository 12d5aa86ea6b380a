//! Questions many rules ask about a call or a value in the method around the node being
//! checked: the parts of a call, the declared type of a receiver, whether a result is
//! dropped, whether code runs once per loop iteration, and what happens to a value
//! stored in a local variable.
//!
//! Every helper here reads `cx.ancestors()`, so it answers for the node the engine is
//! checking, or for expressions in the same method.

use tree_sitter::Node;

use crate::java::semantic::{self, Decl, DeclKind, Locals};
use crate::java::text::simple_name;
use crate::{Checker, ast};

/// A method invocation taken apart.
#[derive(Clone, Debug)]
pub struct Call<'t> {
    pub node: Node<'t>,
    /// The receiver, without parentheses; `None` for `foo(..)`.
    pub object: Option<Node<'t>>,
    pub name: &'t str,
    pub args: Vec<Node<'t>>,
}

impl<'t> Call<'t> {
    /// `node` as a call, if it is a `method_invocation`.
    pub fn of(node: Node<'t>, cx: &Checker<'t>) -> Option<Call<'t>> {
        if node.kind() != "method_invocation" {
            return None;
        }
        cx.java_call(node, || {
            Some(Call {
                node,
                object: node.child_by_field_name("object").map(ast::unparenthesize),
                name: cx.text(node.child_by_field_name("name")?),
                args: node
                    .child_by_field_name("arguments")
                    .map(arguments)
                    .unwrap_or_default(),
            })
        })
    }

    /// The simple name of the receiver as written: `Pattern` for `java.util.regex.Pattern`.
    pub fn receiver_name(&self, cx: &Checker<'t>) -> &'t str {
        self.object.map_or("", |o| simple_name(cx.text(o)))
    }

    /// The `i`th argument, without parentheses.
    pub fn arg(&self, i: usize) -> Option<Node<'t>> {
        self.args.get(i).copied().map(ast::unparenthesize)
    }
}

/// The arguments of an `argument_list`, without comments.
pub fn arguments(list: Node<'_>) -> Vec<Node<'_>> {
    ast::named_children(list)
        .into_iter()
        .filter(|c| !c.kind().ends_with("comment"))
        .collect()
}

/// The simple type name of `new T<..>(..)`.
pub fn created_type<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    let node = ast::unparenthesize(node);
    if node.kind() != "object_creation_expression" {
        return None;
    }
    semantic::simple_type_name(node.child_by_field_name("type")?, cx.source())
}

/// Whether a `new T(..) { .. }` has a class body.
pub fn is_anonymous_class(creation: Node<'_>) -> bool {
    ast::named_children(creation)
        .iter()
        .any(|c| c.kind() == "class_body")
}

/// The declared simple type of a receiver: the type of `new T(..)`, or the declared type
/// of a local, parameter or field (`this.x` included).
pub fn receiver_type<'t>(expr: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    let expr = ast::unparenthesize(expr);
    if let Some(ty) = created_type(expr, cx) {
        return Some(ty);
    }
    if !matches!(expr.kind(), "identifier" | "field_access") {
        return None;
    }
    let scope = semantic::scope_of(cx.ancestors())?;
    let unit = cx.java();
    unit.type_of(&unit.locals(scope), expr)
}

/// Whether the node being checked is an expression statement of its own, so its value
/// is dropped.
pub fn result_ignored(cx: &Checker<'_>) -> bool {
    cx.ancestors()
        .next()
        .is_some_and(|p| p.kind() == "expression_statement")
}

/// The nearest loop that runs `node`, the node being checked, on every iteration: it is in the
/// loop's body or condition, not in a `for` initializer or the collection an enhanced
/// `for` iterates. Lambdas, classes and methods end the search.
pub fn enclosing_loop<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let mut child = node;
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "for_statement" | "while_statement" | "do_statement" | "enhanced_for_statement" => {
                let once = ["init", "value"].iter().any(|field| {
                    let mut cursor = ancestor.walk();
                    ancestor
                        .children_by_field_name(field, &mut cursor)
                        .any(|c| c.id() == child.id())
                });
                if !once {
                    return Some(ancestor);
                }
            }
            "lambda_expression"
            | "class_body"
            | "method_declaration"
            | "constructor_declaration"
            | "static_initializer" => return None,
            _ => {}
        }
        child = ancestor;
    }
    None
}

/// The local variable a value is stored in, when it is the initializer of a local
/// (`T x = value;`) or assigned to one (`x = value;`), through parentheses and casts.
pub fn stored_in<'a, 't>(
    value: Node<'t>,
    locals: &'a Locals<'t>,
    cx: &Checker<'t>,
) -> Option<&'a Decl<'t>> {
    let mut expr = value;
    let mut parent = locals.parent(expr)?;
    while matches!(
        parent.kind(),
        "parenthesized_expression" | "cast_expression"
    ) {
        expr = parent;
        parent = locals.parent(expr)?;
    }
    let name = match parent.kind() {
        "variable_declarator" => parent.child_by_field_name("name")?,
        "assignment_expression"
            if parent
                .child_by_field_name("right")
                .is_some_and(|r| r.id() == expr.id()) =>
        {
            parent
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")?
        }
        _ => return None,
    };
    locals
        .resolve(name, cx.source())
        .filter(|d| matches!(d.kind, DeclKind::Local | DeclKind::Resource))
}

/// The `.build()` call that ends the builder chain starting at `builder`:
/// `X.builder().a(..).b(..).build()` for `X.builder()`.
pub fn built_by<'t>(builder: Node<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let mut value = builder;
    while let Some(parent) = locals.parent(value)
        && let Some(call) = Call::of(parent, cx)
        && call.object.is_some_and(|o| o.id() == value.id())
    {
        if call.name == "build" {
            return Some(parent);
        }
        value = parent;
    }
    None
}

/// What one use of a local variable does with it.
#[derive(Clone, Debug)]
pub enum Use<'t> {
    /// `x.name(..)`.
    Receiver(Call<'t>),
    /// Handed to a method or constructor, returned, stored elsewhere, captured: someone
    /// else may configure, close or use it.
    Escapes,
    /// Anything else: compared, tested, read in an expression.
    Other,
}

/// What each use of `decl` does with it, in source order.
pub fn uses<'t>(decl: &Decl<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Vec<Use<'t>> {
    let mut out = Vec::new();
    for used in locals.uses_of(decl, cx.source()) {
        let mut expr = used;
        let mut parent = locals.parent(expr);
        while let Some(p) = parent
            && matches!(p.kind(), "parenthesized_expression" | "cast_expression")
        {
            expr = p;
            parent = locals.parent(p);
        }
        let Some(parent) = parent else {
            out.push(Use::Other);
            continue;
        };
        let role = match parent.kind() {
            "method_invocation"
                if parent
                    .child_by_field_name("object")
                    .is_some_and(|o| ast::unparenthesize(o).id() == used.id()) =>
            {
                Call::of(parent, cx).map_or(Use::Other, Use::Receiver)
            }
            "assignment_expression"
                if parent
                    .child_by_field_name("left")
                    .is_some_and(|l| l.id() == expr.id()) =>
            {
                Use::Other
            }
            "argument_list"
            | "return_statement"
            | "assignment_expression"
            | "variable_declarator"
            | "array_initializer"
            | "resource"
            | "lambda_expression"
            | "ternary_expression"
            | "yield_statement" => Use::Escapes,
            _ if locals
                .ancestors(used)
                .any(|a| matches!(a.kind(), "lambda_expression" | "class_body")) =>
            {
                Use::Escapes
            }
            _ => Use::Other,
        };
        out.push(role);
    }
    out
}

/// Whether the first of the calls made on `decl` after `after` that is either a move
/// (one of `moves`) or a read (`is_read`) is a read: `rs.next(); rs.getString(1)`,
/// the row read with no test of the move in between.
pub fn read_before_move<'t>(
    decl: &Decl<'t>,
    after: Node<'t>,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
    moves: &[&str],
    is_read: impl Fn(&str) -> bool,
) -> bool {
    uses(decl, locals, cx)
        .into_iter()
        .filter_map(|u| match u {
            Use::Receiver(call) if call.node.start_byte() > after.end_byte() => Some(call),
            _ => None,
        })
        .find(|c| moves.contains(&c.name) || is_read(c.name))
        .is_some_and(|c| !moves.contains(&c.name))
}

/// The method calls anywhere in `node`, outside nested classes.
pub fn calls_in<'t>(node: Node<'t>, cx: &Checker<'t>) -> Vec<Call<'t>> {
    let mut out = Vec::new();
    let mut nodes = ast::descendants(node);
    while let Some(n) = nodes.next() {
        if n.kind() == "class_body" {
            nodes.skip_children();
        } else if let Some(call) = Call::of(n, cx) {
            out.push(call);
        }
    }
    out
}

/// Packages of the AWS SDKs for Java, v1 and v2.
const AWS_PACKAGES: &[&str] = &["com.amazonaws.", "software.amazon.awssdk."];

/// Whether a simple type name comes from an AWS SDK: imported from one, or not imported
/// by name in a file that imports from one.
pub fn is_aws_type(name: &str, cx: &Checker<'_>) -> bool {
    match cx.java().import(name) {
        Some(qualified) => AWS_PACKAGES.iter().any(|p| qualified.starts_with(p)),
        None => imports_aws(cx),
    }
}

/// Whether the file imports anything from an AWS SDK for Java.
pub fn imports_aws(cx: &Checker<'_>) -> bool {
    AWS_PACKAGES
        .iter()
        .any(|p| cx.source().contains(&format!("import {p}")))
}

/// Whether the file imports anything from the AWS SDK for Java v2.
pub fn imports_aws_v2(cx: &Checker<'_>) -> bool {
    cx.source().contains("import software.amazon.awssdk.")
}

/// Whether `receiver` plausibly is an AWS SDK client of one of `services` (lowercase
/// fragments such as `"dynamo"`): its declared type is an AWS type naming the service,
/// or, when its type is not known, the file imports an AWS SDK and the receiver's name
/// names the service.
pub fn is_aws_client<'t>(receiver: Node<'t>, services: &[&str], cx: &Checker<'t>) -> bool {
    let names_service = |name: &str| {
        let name = name.to_ascii_lowercase();
        services.iter().any(|s| name.contains(s))
    };
    match receiver_type(receiver, cx) {
        Some(ty) => names_service(ty) && is_aws_type(ty, cx),
        None => {
            let receiver = ast::unparenthesize(receiver);
            matches!(receiver.kind(), "identifier" | "field_access")
                && names_service(simple_name(cx.text(receiver)))
                && imports_aws(cx)
        }
    }
}

/// Declared types whose `lock()` acquires a `java.util.concurrent.locks.Lock`.
const LOCK_TYPES: &[&str] = &["Lock", "ReentrantLock", "ReadLock", "WriteLock"];

/// Whether a receiver is a `java.util.concurrent.locks` lock: a local, parameter or
/// field of a lock type, or `rw.readLock()`/`rw.writeLock()`.
pub fn is_lock<'t>(receiver: Node<'t>, scope: Node<'t>, cx: &Checker<'t>) -> bool {
    let is_rw_view = |n: Node<'t>| {
        n.kind() == "method_invocation"
            && n.child_by_field_name("name")
                .is_some_and(|m| matches!(cx.text(m), "readLock" | "writeLock"))
            && n.child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0)
    };
    if is_rw_view(receiver) {
        return true;
    }
    if !matches!(receiver.kind(), "identifier" | "field_access") {
        return false;
    }
    let unit = cx.java();
    let locals = unit.locals(scope);
    let Some(binding) = unit.resolve(&locals, receiver) else {
        return false;
    };
    match binding.type_name(cx.source()) {
        Some(ty) => LOCK_TYPES.contains(&ty),
        // `var l = rw.writeLock();`
        None => binding
            .value()
            .map(ast::unparenthesize)
            .is_some_and(is_rw_view),
    }
}
