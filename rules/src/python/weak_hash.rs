use tree_sitter::Node;

use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for MD4, MD5 and SHA-1 digests created with `hashlib`, PyCryptodome or
    /// `cryptography`, unless the call says `usedforsecurity=False`.
    ///
    /// ## Why is this bad?
    /// Collisions for MD5 and SHA-1 can be computed on a laptop. A signature, integrity
    /// check, password hash or token built on them can be forged: an attacker produces a
    /// second input with the same digest.
    ///
    /// ## Example
    /// ```python
    /// import hashlib
    ///
    /// def fingerprint(document: bytes) -> str:
    ///     return hashlib.md5(document).hexdigest()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import hashlib
    ///
    /// def fingerprint(document: bytes) -> str:
    ///     return hashlib.sha256(document).hexdigest()
    /// ```
    ///
    /// For a checksum that protects nothing (a cache key, say), state it:
    /// `hashlib.md5(data, usedforsecurity=False)`.
    pub WeakHash {
        id: "py-weak-hash",
        title: "Weak hash algorithm",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [328, 327],
        precision: Low,
        kinds: ["call"],
        fix: "Use SHA-256 or stronger; pass `usedforsecurity=False` for non-security checksums",
    }
}

const WEAK_NAMES: &[&str] = &["md2", "md4", "md5", "sha", "sha1", "sha-1"];

const WEAK_CONSTRUCTORS: &[&str] = &[
    "hashlib.md5",
    "hashlib.sha1",
    "Crypto.Hash.MD2.new",
    "Crypto.Hash.MD4.new",
    "Crypto.Hash.MD5.new",
    "Crypto.Hash.SHA.new",
    "Crypto.Hash.SHA1.new",
    "Cryptodome.Hash.MD5.new",
    "Cryptodome.Hash.SHA1.new",
    "cryptography.hazmat.primitives.hashes.MD5",
    "cryptography.hazmat.primitives.hashes.SHA1",
];

/// Last names of the constructors above, checked before anything is resolved.
const CALLEE_NAMES: &[&str] = &["md5", "sha1", "new", "MD5", "SHA1", "MD2", "MD4", "SHA"];

impl Rule for WeakHash {
    fn check<'t>(&self, call: Node<'t>, cx: &Checker<'t>) {
        if !crate::python::call::callee_name(call, cx.source())
            .is_some_and(|name| CALLEE_NAMES.contains(&name))
        {
            return;
        }
        let Some(name) = cx.python().resolve_call(call) else {
            return;
        };
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let algorithm = if WEAK_CONSTRUCTORS.contains(&name.as_str()) {
            name.rsplit('.')
                .find(|part| *part != "new")
                .unwrap_or(&name)
                .to_ascii_uppercase()
        } else if name == "hashlib.new"
            && let Some(first) = arguments.named_child(0)
            && let Some(value) = cx.python().constant_str(first)
            && WEAK_NAMES.contains(&value.to_ascii_lowercase().as_str())
        {
            value.to_ascii_uppercase()
        } else {
            return;
        };
        if not_for_security(arguments, cx) {
            return;
        }
        cx.report(call, format!("{algorithm} is a weak hash: collisions can be forged"))
            .help("Use `hashlib.sha256` or stronger; for checksums that protect nothing, pass `usedforsecurity=False`");
    }
}

/// `usedforsecurity=False` marks a digest as a non-security checksum (Python 3.9+).
fn not_for_security(arguments: Node<'_>, cx: &Checker<'_>) -> bool {
    crate::ast::named_children(arguments)
        .into_iter()
        .any(|arg| {
            arg.kind() == "keyword_argument"
                && arg
                    .child_by_field_name("name")
                    .is_some_and(|n| cx.text(n) == "usedforsecurity")
                && arg
                    .child_by_field_name("value")
                    .is_some_and(|v| v.kind() == "false")
        })
}
