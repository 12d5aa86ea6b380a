use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for asymmetric keys that are too short: `KeyPairGenerator.initialize(n)`
    /// on a generator for RSA, DSA or Diffie-Hellman with fewer than 2048 bits, or for
    /// EC with fewer than 224 bits, and `new RSAKeyGenParameterSpec(n, ..)` with fewer
    /// than 2048 bits. The generator must be created in the same method or held in a
    /// field initialised with `KeyPairGenerator.getInstance(..)`, and the size must be a
    /// constant.
    ///
    /// ## Why is this bad?
    /// 512-bit RSA keys have been factored on rented cloud machines in hours, and 1024-bit
    /// keys are within reach of well-funded attackers. NIST disallowed keys below 2048
    /// bits (112-bit security) for signatures and key exchange after 2013.
    ///
    /// ## Example
    /// ```java
    /// KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    /// generator.initialize(1024);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    /// generator.initialize(3072);
    /// ```
    pub WeakKeySize {
        id: "java-weak-key-size",
        title: "Asymmetric key too short",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [326],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Use at least 2048-bit RSA, DSA or DH keys, or 256-bit EC keys",
    }
}

/// The smallest acceptable size for an algorithm, in bits.
fn minimum_bits(algorithm: &str) -> Option<u64> {
    match algorithm.to_ascii_uppercase().as_str() {
        "RSA" | "DSA" | "DH" | "DIFFIEHELLMAN" | "RSASSA-PSS" => Some(2048),
        "EC" | "ECDSA" | "ECDH" => Some(224),
        _ => None,
    }
}

impl Rule for WeakKeySize {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "object_creation_expression" {
            if calls::created_type(node, cx) == Some("RSAKeyGenParameterSpec")
                && let Some(bits) = node
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .and_then(|a| cx.java().constant_int(a))
                && bits < 2048
            {
                cx.report(node, format!("a {bits}-bit RSA key can be factored"));
            }
            return;
        }
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name != "initialize" {
            return;
        }
        let (Some(object), Some(bits)) = (call.object, call.arg(0).and_then(|a| cx.java().constant_int(a))) else {
            return;
        };
        let Some(algorithm) = generator_algorithm(object, cx) else {
            return;
        };
        let Some(minimum) = minimum_bits(&algorithm) else {
            return;
        };
        if bits < minimum {
            cx.report(node, format!("a {bits}-bit {algorithm} key is too short: use at least {minimum} bits"));
        }
    }
}

/// The algorithm of `KeyPairGenerator.getInstance(ALG)` behind a receiver.
fn generator_algorithm<'t>(object: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let value = match Call::of(object, cx) {
        Some(_) => object,
        None => {
            let scope = semantic::scope_of(cx.ancestors())?;
            let unit = cx.java();
            let locals = unit.locals(scope);
            match unit.resolve(&locals, object)? {
                Binding::Local(decl) => decl.value?,
                Binding::Field(field) => field.value?,
            }
        }
    };
    let call = Call::of(ast::unparenthesize(value), cx)?;
    if call.name != "getInstance" || call.receiver_name(cx) != "KeyPairGenerator" {
        return None;
    }
    cx.java().constant_str(call.arg(0)?, cx.source())
}
