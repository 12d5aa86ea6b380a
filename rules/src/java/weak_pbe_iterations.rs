use tree_sitter::Node;

use crate::java::calls;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for password-based key derivation with too few iterations: a constant
    /// iteration count below 10,000 in `new PBEKeySpec(password, salt, iterations, ..)`
    /// or `new PBEParameterSpec(salt, iterations)`.
    ///
    /// ## Why is this bad?
    /// The iteration count is what makes each password guess expensive. With 1,000
    /// iterations of PBKDF2-HMAC-SHA256, one GPU tests millions of candidate passwords
    /// a second against a stolen hash or encrypted file, so common passwords fall in
    /// minutes. OWASP recommends 600,000 iterations for PBKDF2-HMAC-SHA256 and 210,000
    /// for PBKDF2-HMAC-SHA512; 10,000 is the floor this rule enforces.
    ///
    /// ## Example
    /// ```java
    /// PBEKeySpec spec = new PBEKeySpec(password, salt, 1000, 256);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// PBEKeySpec spec = new PBEKeySpec(password, salt, 600_000, 256);
    /// ```
    ///
    /// Or a memory-hard function such as Argon2id or scrypt.
    pub WeakPbeIterations {
        id: "java-weak-pbe-iterations",
        title: "Password-based key derivation with too few iterations",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [916],
        precision: High,
        kinds: ["object_creation_expression"],
        fix: "Use at least 600,000 iterations for PBKDF2-HMAC-SHA256 (210,000 for SHA-512)",
    }
}

/// Counts below this are reported.
const MINIMUM_ITERATIONS: u64 = 10_000;

impl Rule for WeakPbeIterations {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let position = match calls::created_type(node, cx) {
            Some("PBEKeySpec") => 2,
            Some("PBEParameterSpec") => 1,
            _ => return,
        };
        let args = node
            .child_by_field_name("arguments")
            .map(calls::arguments)
            .unwrap_or_default();
        let Some(iterations) = args.get(position).copied() else {
            return;
        };
        let Some(count) = cx.java().constant_int(iterations) else {
            return;
        };
        if count >= MINIMUM_ITERATIONS {
            return;
        }
        cx.report(
            iterations,
            format!("{count} iterations make each password guess cheap: brute force on a GPU takes minutes"),
        );
    }
}
