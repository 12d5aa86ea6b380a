use tree_sitter::Node;

use crate::python::semantic::{self, Binding};
use crate::python::{call, place};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `jwt.decode(...)` (PyJWT, python-jose) that does not verify the
    /// token's signature: `options={"verify_signature": False}`, `verify=False` (PyJWT
    /// 1.x), or `algorithms` that include `"none"`. A function that also decodes the same
    /// way with verification (reading the header or issuer first to pick the key) is
    /// left alone.
    ///
    /// ## Why is this bad?
    /// A JWT's claims are only as trustworthy as its signature. Without verification,
    /// anyone can write a token saying `{"sub": "admin"}` and be believed; accepting the
    /// `none` algorithm lets an attacker strip the signature from a real token and edit
    /// it. Either way, authentication is bypassed.
    ///
    /// ## Example
    /// ```python
    /// import jwt
    ///
    /// def current_user(token):
    ///     claims = jwt.decode(token, options={"verify_signature": False})
    ///     return claims["sub"]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import jwt
    ///
    /// def current_user(token):
    ///     claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")
    ///     return claims["sub"]
    /// ```
    pub JwtVerificationDisabled {
        id: "py-jwt-verification-disabled",
        title: "JWT decoded without verifying its signature",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [347],
        precision: Medium,
        kinds: ["call"],
        fix: "Verify the signature: pass the key and an explicit list of strong algorithms",
    }
}

const DECODERS: &[&str] = &["jwt.decode", "jose.jwt.decode"];

impl Rule for JwtVerificationDisabled {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !is_decode(node, cx) {
            return;
        }
        let Some(reason) = unverified(node, cx) else {
            return;
        };
        if let Some(function) = place::enclosing_function(cx)
            && place::body_nodes(function)
                .any(|other| other.id() != node.id() && is_decode(other, cx) && unverified(other, cx).is_none())
        {
            return;
        }
        cx.report(node, format!("{reason}, so anyone can forge this token's claims"))
            .help("Pass the verification key and `algorithms=[...]` with the algorithm you issue tokens with");
    }
}

fn is_decode<'t>(node: Node<'t>, cx: &Checker<'t>) -> bool {
    node.kind() == "call"
        && call::callee_name(node, cx.source()) == Some("decode")
        && cx
            .python()
            .resolve_call(node)
            .is_some_and(|name| DECODERS.contains(&name.as_str()))
}

/// How the call skips verification, if it does.
fn unverified<'t>(node: Node<'t>, cx: &Checker<'t>) -> Option<&'static str> {
    let source = cx.source();
    if let Some(options) = call::keyword(node, "options", source)
        && disables_signature(options, cx)
    {
        return Some("`verify_signature` is off");
    }
    if call::keyword(node, "verify", source).is_some_and(|v| is_false(v, cx)) {
        return Some("`verify=False` skips the signature check");
    }
    if let Some(algorithms) = call::keyword(node, "algorithms", source) {
        let algorithms = follow(algorithms, cx);
        if matches!(algorithms.kind(), "list" | "tuple" | "set")
            && ast::named_children(algorithms).into_iter().any(|a| {
                cx.python()
                    .constant_str(a)
                    .is_some_and(|s| s.eq_ignore_ascii_case("none"))
            })
        {
            return Some("the `none` algorithm accepts tokens with no signature");
        }
    }
    None
}

/// A name bound once is replaced by its value.
fn follow<'t>(node: Node<'t>, cx: &Checker<'t>) -> Node<'t> {
    let node = ast::unparenthesize(node);
    if node.kind() == "identifier"
        && let Some([Binding::Assign(value)]) = cx.python().bindings(node)
    {
        return ast::unparenthesize(*value);
    }
    node
}

fn is_false<'t>(node: Node<'t>, cx: &Checker<'t>) -> bool {
    follow(node, cx).kind() == "false"
}

/// `{"verify_signature": False}` or `dict(verify_signature=False)`.
fn disables_signature<'t>(options: Node<'t>, cx: &Checker<'t>) -> bool {
    let options = follow(options, cx);
    match options.kind() {
        "dictionary" => ast::named_children(options).into_iter().any(|pair| {
            pair.kind() == "pair"
                && pair
                    .child_by_field_name("key")
                    .and_then(|k| semantic::string_value(k, cx.source()))
                    == Some("verify_signature")
                && pair
                    .child_by_field_name("value")
                    .is_some_and(|v| is_false(v, cx))
        }),
        "call" => {
            cx.python().resolve_call(options).as_deref() == Some("builtins.dict")
                && call::keyword(options, "verify_signature", cx.source())
                    .is_some_and(|v| is_false(v, cx))
        }
        _ => false,
    }
}
