use tree_sitter::Node;

use crate::common::secrets;
use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for values from the `random` module used as secrets: a call to
    /// `random.random`, `randint`, `choice`, `choices`, `getrandbits`, `randbytes`, ...
    /// whose result is assigned to a name such as `token`, `password`, `salt`, `nonce`,
    /// `otp` or `session_id`, passed as such a keyword argument, or returned from a
    /// function named like one (`generate_password`).
    ///
    /// `random.SystemRandom()` and the `secrets` module are fine. Randomness for
    /// simulations, sampling, jitter or shuffling is not reported.
    ///
    /// ## Why is this bad?
    /// `random` is a Mersenne Twister: fast and statistically good, but predictable.
    /// After observing 624 outputs an attacker can compute every past and future value,
    /// and seeds from the time are guessable outright. Reset links, session ids, API keys
    /// and one-time codes made with it can be predicted.
    ///
    /// ## Example
    /// ```python
    /// import random
    /// import string
    ///
    /// def reset_token():
    ///     return "".join(random.choice(string.ascii_letters) for _ in range(32))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import secrets
    ///
    /// def reset_token():
    ///     return secrets.token_urlsafe(32)
    /// ```
    pub InsecureRandom {
        id: "py-insecure-random",
        title: "Predictable random value used as a secret",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [330, 338],
        precision: Medium,
        kinds: ["call"],
        fix: "Use the `secrets` module (`secrets.token_urlsafe`, `secrets.choice`)",
    }
}

const RANDOM_FUNCTIONS: &[&str] = &[
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "getrandbits",
    "randbytes",
    "sample",
    "uniform",
];

/// Expressions and statements a value passes through on its way to a name.
const CARRIERS: &[&str] = &[
    "call",
    "argument_list",
    "generator_expression",
    "list_comprehension",
    "binary_operator",
    "parenthesized_expression",
    "string",
    "interpolation",
    "concatenated_string",
    "expression_list",
    "tuple",
    "list",
    "attribute",
    "conditional_expression",
    "format_specifier",
];

impl Rule for InsecureRandom {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::callee_name(node, cx.source()).is_some_and(|n| RANDOM_FUNCTIONS.contains(&n)) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let Some(function) = name
            .strip_prefix("random.")
            .filter(|f| RANDOM_FUNCTIONS.contains(f))
        else {
            return;
        };
        if matches!(function, "choice" | "choices" | "sample") && !picks_characters(node, cx) {
            return;
        }
        let Some(target) = secret_target(node, cx) else {
            return;
        };
        cx.report(
            node,
            format!("`random.{function}` is predictable, and its result becomes `{target}`"),
        )
        .help("Use the `secrets` module: `secrets.token_urlsafe(n)`, `secrets.token_hex(n)`, `secrets.choice(seq)`");
    }
}

/// The secret-looking name the value of `node`, the call being checked, ends up in.
fn secret_target<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<&'t str> {
    for ancestor in cx.ancestors() {
        match ancestor.kind() {
            "assignment" | "augmented_assignment" => {
                if !ancestor
                    .child_by_field_name("right")
                    .is_some_and(|right| ast::contains(right, node))
                {
                    return None;
                }
                let left = ancestor.child_by_field_name("left")?;
                let name = match left.kind() {
                    "identifier" => left,
                    "attribute" => left.child_by_field_name("attribute")?,
                    "subscript" => {
                        let key = left.child_by_field_name("subscript")?;
                        return cx
                            .python()
                            .constant_str(key)
                            .filter(|k| secrets::is_unpredictable_name(k))
                            .map(|_| cx.text(key));
                    }
                    _ => return None,
                };
                let name = cx.text(name);
                return secrets::is_unpredictable_name(name).then_some(name);
            }
            "keyword_argument" => {
                let name = cx.text(ancestor.child_by_field_name("name")?);
                return secrets::is_unpredictable_name(name).then_some(name);
            }
            "return_statement" => {
                let function = cx
                    .ancestors()
                    .find(|a| {
                        matches!(
                            a.kind(),
                            "function_definition" | "lambda" | "class_definition"
                        )
                    })
                    .filter(|f| f.kind() == "function_definition")?;
                let name = cx.text(function.child_by_field_name("name")?);
                return secrets::is_unpredictable_name(name).then_some(name);
            }
            kind if CARRIERS.contains(&kind) => {}
            _ => return None,
        }
    }
    None
}

/// Whether a `choice`/`choices`/`sample` call picks characters (from a string, such as
/// `string.ascii_letters + string.digits`), or builds a sequence element by element in a
/// comprehension: the shapes of a generated secret, not of picking one object of many.
fn picks_characters(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let in_comprehension = cx
        .ancestors()
        .take_while(|a| CARRIERS.contains(&a.kind()))
        .any(|a| matches!(a.kind(), "generator_expression" | "list_comprehension"));
    if in_comprehension {
        return true;
    }
    let Some(population) = call::argument(node, 0, "population", cx.source())
        .or_else(|| call::keyword(node, "seq", cx.source()))
    else {
        return false;
    };
    let mut work = vec![population];
    let mut is_text = true;
    while let Some(part) = work.pop() {
        let part = ast::unparenthesize(part);
        match part.kind() {
            "binary_operator" => work.extend(
                [part.child_by_field_name("left"), part.child_by_field_name("right")]
                    .into_iter()
                    .flatten(),
            ),
            _ => {
                is_text &= cx.python().constant_str(part).is_some()
                    || cx
                        .python()
                        .resolve(part)
                        .is_some_and(|n| n.starts_with("string."));
            }
        }
    }
    is_text
}
