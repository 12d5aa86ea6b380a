use std::collections::HashSet;

use tree_sitter::Node;

use crate::common::secrets::is_unpredictable_name;
use crate::java::semantic::{self, Binding, DeclKind, Locals};
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for values from a predictable random number generator that are used as
    /// secrets: `java.util.Random`, `Math.random()`, `ThreadLocalRandom`,
    /// `SplittableRandom`, and commons-lang `RandomStringUtils.random*` /
    /// `RandomStringUtils.insecure()` whose result ends up in
    /// - a variable, field or method whose name says it is a secret: a token, password,
    ///   salt, nonce, IV, one-time code, session id, CSRF token or key;
    /// - a call or a map/header/cookie entry named that way
    ///   (`setResetToken(..)`, `new Cookie("SESSIONID", ..)`);
    /// - a cryptographic parameter: `IvParameterSpec`, `SecretKeySpec`,
    ///   `GCMParameterSpec`, `PBEParameterSpec`.
    ///
    /// The value is followed through arithmetic, conversions, `StringBuilder`s and local
    /// variables. Randomness for games, simulations, sampling, jitter and shuffles is
    /// not reported.
    ///
    /// ## Why is this bad?
    /// These generators are built for speed and statistical quality, not secrecy.
    /// `java.util.Random` has 48 bits of state: after seeing one or two outputs, an
    /// attacker can compute every past and future value, and so predict the next
    /// password-reset token or session id. `RandomStringUtils` used such a generator
    /// before commons-lang 3.15.
    ///
    /// ## Example
    /// ```java
    /// private final Random random = new Random();
    ///
    /// String newResetToken() {
    ///     return Long.toHexString(random.nextLong());
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// private final SecureRandom random = new SecureRandom();
    ///
    /// String newResetToken() {
    ///     byte[] bytes = new byte[32];
    ///     random.nextBytes(bytes);
    ///     return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    /// }
    /// ```
    pub InsecureRandom {
        id: "java-insecure-random",
        title: "Predictable random value used as a secret",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [330, 338],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use `java.security.SecureRandom` for security-sensitive values",
    }
}

/// Methods of `Random` and its relatives that produce values.
const NEXT_METHODS: &[&str] = &[
    "nextInt", "nextLong", "nextDouble", "nextFloat", "nextBoolean", "nextGaussian",
    "nextBytes", "ints", "longs", "doubles",
];

/// Predictable generator types.
const WEAK_GENERATORS: &[&str] = &["Random", "SplittableRandom", "ThreadLocalRandom"];

/// Constructors whose arguments are key material or cipher parameters.
const CRYPTO_SPECS: &[&str] = &[
    "IvParameterSpec",
    "SecretKeySpec",
    "GCMParameterSpec",
    "PBEParameterSpec",
    "PBEKeySpec",
    "ChaCha20ParameterSpec",
    "RC5ParameterSpec",
];

/// Operators that keep a value's randomness (unlike comparisons, which make a boolean).
const KEEPING_OPERATORS: &[&str] = &["+", "-", "*", "/", "%", "^", "&", "|", "<<", ">>", ">>>"];

/// How many variable-to-variable hops the value is followed through.
const MAX_HOPS: usize = 3;

/// How many parents a value is followed up through, per variable.
const MAX_CLIMB: usize = 24;

impl Rule for InsecureRandom {
    fn check<'t>(&self, call: Node<'t>, cx: &Checker<'t>) {
        let Some(name) = call.child_by_field_name("name") else {
            return;
        };
        let method = cx.text(name);
        let object = call.child_by_field_name("object").map(ast::unparenthesize);
        let is_next = NEXT_METHODS.contains(&method);
        if !is_next && !matches!(method, "random" | "insecure") && !method.starts_with("random") && !method.starts_with("next") {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let generator = if is_next {
            match object.and_then(|o| weak_generator(o, scope, cx)) {
                Some(generator) => generator,
                None => return,
            }
        } else if let Some(generator) = static_source(method, object, cx) {
            generator
        } else {
            return;
        };

        let unit = cx.java();
        let locals = unit.locals(scope);
        // `random.nextBytes(buffer)` puts the value in `buffer`, not in the result.
        let start = if method == "nextBytes" {
            let Some(buffer) = call
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .map(ast::unparenthesize)
            else {
                return;
            };
            Start::Variable(buffer)
        } else {
            Start::Value(call)
        };
        let Some(sink) = find_sink(start, &locals, cx) else {
            return;
        };
        cx.report(
            call,
            format!("{generator} is predictable, and this value {sink}"),
        )
        .help("Use `java.security.SecureRandom` (e.g. `secureRandom.nextBytes(bytes)`) for secrets, tokens and keys");
    }
}

/// `Math.random()`, `RandomStringUtils.randomAlphanumeric(..)`,
/// `RandomStringUtils.insecure().nextAlphanumeric(..)`, `RandomUtils.nextInt(..)`.
fn static_source<'t>(
    method: &str,
    object: Option<Node<'t>>,
    cx: &Checker<'t>,
) -> Option<String> {
    let object = object?;
    let receiver = cx.text(object);
    let class = simple_name(receiver);
    if method == "random" && class == "Math" {
        return Some("`Math.random()`".to_string());
    }
    if class == "RandomStringUtils" && method.starts_with("random") {
        return Some(format!(
            "`RandomStringUtils.{method}` (before commons-lang 3.15)"
        ));
    }
    if class == "RandomUtils" && method.starts_with("next") {
        return Some(format!("`RandomUtils.{method}` (before commons-lang 3.15)"));
    }
    // `RandomStringUtils.insecure().next..(..)`
    if object.kind() == "method_invocation"
        && method.starts_with("next")
        && object
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n) == "insecure")
        && object
            .child_by_field_name("object")
            .is_some_and(|o| matches!(simple_name(cx.text(o)), "RandomStringUtils" | "RandomUtils"))
    {
        return Some(format!("`{}.{method}`", crate::java::text::quote(receiver)));
    }
    None
}

/// The generator behind a `next*` receiver, when it is known to be predictable:
/// `new Random()`, `ThreadLocalRandom.current()`, or a variable or field of a weak type
/// initialised with one.
fn weak_generator<'t>(object: Node<'t>, scope: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    if let Some(generator) = weak_creation(object, cx) {
        return Some(generator);
    }
    if !matches!(object.kind(), "identifier" | "field_access") {
        return None;
    }
    let unit = cx.java();
    let locals = unit.locals(scope);
    let binding = unit.resolve(&locals, object)?;
    let ty = binding.type_name(cx.source())?;
    if !WEAK_GENERATORS.contains(&ty) {
        return None;
    }
    if ty == "Random"
        && unit
            .import("Random")
            .is_some_and(|q| q != "java.util.Random")
    {
        return None;
    }
    // A `Random` parameter or a field without initializer may well be a `SecureRandom`.
    let value = binding.value()?;
    weak_creation(ast::unparenthesize(value), cx)
        .map(|_| format!("`{}` (a `{ty}`)", cx.text(object)))
}

fn weak_creation(node: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    match node.kind() {
        "object_creation_expression" => {
            let written = cx.text(node.child_by_field_name("type")?);
            let ty = simple_name(written);
            // A `Random` imported from another library is not `java.util.Random`.
            let foreign = ty == "Random"
                && !written.contains('.')
                && cx
                    .java()
                    .import("Random")
                    .is_some_and(|q| q != "java.util.Random");
            (!foreign && (ty == "Random" || ty == "SplittableRandom"))
                .then(|| format!("`new {ty}()`"))
        }
        "method_invocation" => {
            let is_current = cx.text(node.child_by_field_name("name")?) == "current"
                && simple_name(cx.text(node.child_by_field_name("object")?)) == "ThreadLocalRandom";
            is_current.then(|| "`ThreadLocalRandom`".to_string())
        }
        _ => None,
    }
}

/// Where the random value starts.
#[derive(Clone, Copy)]
enum Start<'t> {
    /// The value of this expression.
    Value(Node<'t>),
    /// Whatever this variable holds afterwards.
    Variable(Node<'t>),
}

/// Follows the random value up through the expressions that carry it, and through local
/// variables, until it reaches something named like a secret. Returns how it got there,
/// for the message: "becomes `resetToken`".
fn find_sink<'t>(start: Start<'t>, locals: &Locals<'t>, cx: &Checker<'t>) -> Option<String> {
    let mut work: Vec<(Start<'t>, usize)> = vec![(start, 0)];
    let mut seen: HashSet<usize> = HashSet::new();
    while let Some((item, hops)) = work.pop() {
        let mut expr = match item {
            Start::Value(expr) => expr,
            Start::Variable(var) => {
                if let Some(sink) = variable_sink(var, locals, cx, hops, &mut work, &mut seen) {
                    return Some(sink);
                }
                continue;
            }
        };
        for _ in 0..MAX_CLIMB {
            let Some(parent) = locals.parent(expr) else {
                break;
            };
            match parent.kind() {
                "parenthesized_expression"
                | "cast_expression"
                | "unary_expression"
                | "array_access"
                | "array_initializer"
                | "array_creation_expression"
                | "method_invocation"
                | "lambda_expression" => {}
                "binary_expression" => {
                    let keeps = parent
                        .child_by_field_name("operator")
                        .is_some_and(|op| KEEPING_OPERATORS.contains(&cx.text(op)));
                    if !keeps {
                        break;
                    }
                }
                "ternary_expression" => {
                    if parent
                        .child_by_field_name("condition")
                        .is_some_and(|c| c.id() == expr.id())
                    {
                        break;
                    }
                }
                "argument_list" => {
                    let Some(call) = locals.parent(parent) else {
                        break;
                    };
                    if let Some(sink) = call_sink(call, parent, cx) {
                        return Some(sink);
                    }
                    // `token.append(..)`, `parts.add(..)`: the value goes into the receiver.
                    if call.kind() == "method_invocation"
                        && let Some(receiver) = mutated_receiver(call, cx)
                    {
                        work.push((Start::Variable(receiver), hops));
                    }
                    expr = call;
                    continue;
                }
                "variable_declarator" => {
                    if let Some(name) = parent.child_by_field_name("name") {
                        work.push((Start::Variable(name), hops));
                    }
                    break;
                }
                "assignment_expression" => {
                    let is_value = parent
                        .child_by_field_name("right")
                        .is_some_and(|r| r.id() == expr.id());
                    if let Some(left) = parent.child_by_field_name("left")
                        && is_value
                    {
                        let target = match left.kind() {
                            "array_access" => left.child_by_field_name("array"),
                            _ => Some(left),
                        };
                        if let Some(target) = target {
                            work.push((Start::Variable(target), hops));
                        }
                    }
                    break;
                }
                "return_statement" => {
                    let in_lambda = locals
                        .ancestors(parent)
                        .any(|a| a.kind() == "lambda_expression");
                    let method = locals.scope();
                    if !in_lambda
                        && method.kind() == "method_declaration"
                        && let Some(name) = method.child_by_field_name("name")
                        && is_unpredictable_name(cx.text(name))
                    {
                        return Some(format!("is returned by `{}()`", cx.text(name)));
                    }
                    break;
                }
                _ => break,
            }
            expr = parent;
        }
    }
    None
}

/// The random value reached a variable (`var`): is it named like a secret? If not, and it
/// is a local, follow its uses.
fn variable_sink<'t>(
    var: Node<'t>,
    locals: &Locals<'t>,
    cx: &Checker<'t>,
    hops: usize,
    work: &mut Vec<(Start<'t>, usize)>,
    seen: &mut HashSet<usize>,
) -> Option<String> {
    let name_node = match var.kind() {
        "field_access" => var.child_by_field_name("field")?,
        "identifier" => var,
        _ => return None,
    };
    let name = cx.text(name_node);
    let unit = cx.java();
    // A declaration's name resolves to itself; a use resolves to its declaration.
    let binding = match locals.resolve(name_node, cx.source()) {
        Some(decl) => Some(Binding::Local(decl)),
        None => unit.resolve(locals, var),
    };
    let is_key_bytes = binding
        .and_then(|b| b.ty())
        .is_some_and(|t| t.kind() == "array_type" && matches!(cx.text(t), "byte[]" | "char[]"))
        && ast::identifier_words(name).iter().any(|w| w == "key" || w == "seed");
    if is_unpredictable_name(name) || is_key_bytes {
        return Some(format!("becomes `{name}`"));
    }
    let Some(Binding::Local(decl)) = binding else {
        return None;
    };
    if hops >= MAX_HOPS || decl.kind == DeclKind::Parameter || !seen.insert(decl.name.id()) {
        return None;
    }
    for use_ in locals.uses_of(decl, cx.source()) {
        work.push((Start::Value(use_), hops + 1));
    }
    None
}

/// A call that makes its argument a secret: a crypto parameter, a method named like a
/// secret, or an entry whose key is (`headers.put("X-Auth-Token", ..)`).
fn call_sink(call: Node<'_>, args: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    match call.kind() {
        "object_creation_expression" => {
            let ty = simple_name(cx.text(call.child_by_field_name("type")?));
            if CRYPTO_SPECS.contains(&ty) {
                return Some(format!("is used in `new {ty}(..)`"));
            }
        }
        "method_invocation" => {
            let method = cx.text(call.child_by_field_name("name")?);
            if is_unpredictable_name(method) {
                return Some(format!("is passed to `{method}(..)`"));
            }
        }
        _ => return None,
    }
    let key = ast::named_children(args).into_iter().find_map(|arg| {
        let value = semantic::string_value(arg, cx.source())?;
        is_unpredictable_name(value).then_some(value)
    })?;
    Some(format!("is stored as \"{key}\""))
}

/// `sb` in `sb.append(x)` or `sb.append(a).append(x)`.
fn mutated_receiver<'t>(call: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let method = cx.text(call.child_by_field_name("name")?);
    if !matches!(method, "append" | "insert" | "add" | "put" | "push" | "offer" | "set") {
        return None;
    }
    let mut base = call.child_by_field_name("object")?;
    for _ in 0..MAX_CLIMB {
        if base.kind() != "method_invocation" {
            break;
        }
        base = base.child_by_field_name("object")?;
    }
    matches!(base.kind(), "identifier" | "field_access").then_some(base)
}
