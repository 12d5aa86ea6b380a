use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for JSON Web Tokens read without checking their signature:
    ///
    /// - jjwt's `parseClaimsJwt`, `parsePlaintextJwt`, `parseUnsecuredClaims` and
    ///   `parseUnsecuredContent`, which accept only unsigned tokens;
    /// - jjwt's `parse(token)` on a parser built with the API before 0.12
    ///   (`setSigningKey`), which accepts unsigned tokens as well as signed ones;
    /// - auth0's `JWT.decode(token)` whose claims are read in a method that never calls
    ///   `verify`.
    ///
    /// ## Why is this bad?
    /// Anyone can write a token with `"alg": "none"` and any claims they like: another
    /// user's subject, an admin role, a far-off expiry. A parser that accepts unsigned
    /// tokens, or code that reads claims it never verified, trusts those claims, and
    /// authentication is bypassed.
    ///
    /// ## Example
    /// ```java
    /// Claims claims = (Claims) Jwts.parser().setSigningKey(key).parse(token).getBody();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Claims claims = Jwts.parser().setSigningKey(key).parseClaimsJws(token).getBody();
    /// ```
    pub InsecureJwtParsing {
        id: "java-insecure-jwt-parsing",
        title: "JWT read without verifying its signature",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [347],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Parse with `parseClaimsJws` (jjwt) or `JWTVerifier.verify` (auth0), which reject unsigned tokens",
    }
}

/// jjwt methods that accept only unsigned tokens.
const UNSIGNED_PARSE: &[&str] = &[
    "parseClaimsJwt",
    "parsePlaintextJwt",
    "parseUnsecuredClaims",
    "parseUnsecuredContent",
];

/// Methods of jjwt's 0.12 parser builder, which rejects unsigned tokens in `parse`
/// unless `unsecured()` is called.
const MODERN_BUILDER: &[&str] = &["verifyWith", "decryptWith", "keyLocator"];

/// auth0 `DecodedJWT` getters that read claims.
const CLAIM_GETTERS: &[&str] = &[
    "getClaim",
    "getClaims",
    "getSubject",
    "getIssuer",
    "getAudience",
    "getExpiresAt",
    "getPayload",
];

/// How many calls and names a parser chain is followed through.
const MAX_CHAIN: usize = 32;

impl Rule for InsecureJwtParsing {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name == "decode" && call.receiver_name(cx) == "JWT" && call.args.len() == 1 {
            check_auth0_decode(&call, cx);
            return;
        }
        let unsigned_only = UNSIGNED_PARSE.contains(&call.name);
        if !(unsigned_only || call.name == "parse" && call.args.len() == 1) {
            return;
        }
        let Some(chain) = call.object.and_then(|o| jjwt_chain(o, cx)) else {
            return;
        };
        let message = if unsigned_only {
            format!("`{}` accepts only unsigned JWTs: anyone can forge their claims", call.name)
        } else if chain.contains(&"unsecured") {
            "this parser accepts unsigned JWTs (`unsecured()`): anyone can forge their claims".to_string()
        } else if chain.iter().any(|m| MODERN_BUILDER.contains(m))
            || chain.last() == Some(&"parser") && chain.contains(&"build")
        {
            // jjwt 0.12: `Jwts.parser()` is a builder, and `parse` rejects unsigned tokens.
            return;
        } else {
            "`parse` accepts unsigned JWTs as well as signed ones: anyone can forge their claims"
                .to_string()
        };
        cx.report(node, message);
    }
}

/// The method names of a jjwt parser chain, from `Jwts.parser()` or
/// `Jwts.parserBuilder()` to `receiver`, following locals and fields to their
/// initializers.
fn jjwt_chain<'t>(receiver: Node<'t>, cx: &Checker<'t>) -> Option<Vec<&'t str>> {
    let scope = semantic::scope_of(cx.ancestors())?;
    let unit = cx.java();
    let locals = unit.locals(scope);
    let mut names = Vec::new();
    let mut expr = ast::unparenthesize(receiver);
    for _ in 0..MAX_CHAIN {
        if let Some(call) = Call::of(expr, cx) {
            names.push(call.name);
            if matches!(call.name, "parser" | "parserBuilder") && call.receiver_name(cx) == "Jwts" {
                return Some(names);
            }
            expr = call.object?;
        } else if matches!(expr.kind(), "identifier" | "field_access") {
            expr = ast::unparenthesize(unit.resolve(&locals, expr)?.value()?);
        } else {
            return None;
        }
    }
    None
}

/// `JWT.decode(token)` whose claims are read, in a method that never verifies.
fn check_auth0_decode<'t>(call: &Call<'t>, cx: &Checker<'t>) {
    if cx
        .java()
        .import("JWT")
        .is_some_and(|f| !f.starts_with("com.auth0"))
    {
        return;
    }
    let Some(scope) = semantic::scope_of(cx.ancestors()) else {
        return;
    };
    if calls::calls_in(scope, cx).iter().any(|c| c.name == "verify") {
        return;
    }
    let locals = cx.java().locals(scope);
    let reads_claims = match locals.parent(call.node).and_then(|p| Call::of(p, cx)) {
        Some(chained) if chained.object.is_some_and(|o| o.id() == call.node.id()) => {
            CLAIM_GETTERS.contains(&chained.name)
        }
        _ => calls::stored_in(call.node, &locals, cx).is_some_and(|decl| {
            calls::uses(decl, &locals, cx)
                .iter()
                .any(|u| matches!(u, Use::Receiver(c) if CLAIM_GETTERS.contains(&c.name)))
        }),
    };
    if reads_claims {
        cx.report(
            call.node,
            "`JWT.decode` does not check the signature, and the claims it returns are used without `verify`: anyone can forge them",
        )
        .help("Verify the token with `JWT.require(algorithm).build().verify(token)` and read the claims it returns");
    }
}
