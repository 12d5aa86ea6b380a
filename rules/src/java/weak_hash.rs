use tree_sitter::Node;

use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for MD2, MD4, MD5 and SHA-1 digests: `MessageDigest.getInstance("MD5")`,
    /// Apache Commons `DigestUtils.md5Hex(..)` and Guava `Hashing.md5()`, with the
    /// algorithm given as a literal or as a constant of the same file.
    ///
    /// ## Why is this bad?
    /// Collisions for MD5 and SHA-1 can be computed cheaply. A signature, integrity check,
    /// password hash or token built on them can be forged: an attacker produces a second
    /// input with the same digest.
    ///
    /// ## Example
    /// ```java
    /// MessageDigest md = MessageDigest.getInstance("MD5");
    /// byte[] digest = md.digest(document);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// MessageDigest md = MessageDigest.getInstance("SHA-256");
    /// byte[] digest = md.digest(document);
    /// ```
    pub WeakHash {
        id: "java-weak-hash",
        title: "Weak hash algorithm",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [328, 327],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Use SHA-256 or stronger",
    }
}

const WEAK_ALGORITHMS: &[&str] = &["MD2", "MD4", "MD5", "SHA", "SHA1", "SHA-1"];

/// Commons Codec `DigestUtils` and Guava `Hashing` helpers that use a weak digest.
const WEAK_HELPERS: &[(&str, &[&str])] = &[
    (
        "DigestUtils",
        &[
            "md2", "md2Hex", "md5", "md5Hex", "sha", "shaHex", "sha1", "sha1Hex", "getMd2Digest",
            "getMd5Digest", "getShaDigest", "getSha1Digest",
        ],
    ),
    ("Hashing", &["md5", "sha1"]),
];

impl Rule for WeakHash {
    fn check<'t>(&self, call: Node<'t>, cx: &Checker<'t>) {
        let (Some(object), Some(name)) = (
            call.child_by_field_name("object"),
            call.child_by_field_name("name"),
        ) else {
            return;
        };
        let class = simple_name(cx.text(object));
        let method = cx.text(name);

        if (class == "MessageDigest" || class == "DigestUtils") && method == "getInstance"
            || class == "DigestUtils" && method == "getDigest"
        {
            let Some(algorithm) = call
                .child_by_field_name("arguments")
                .and_then(|args| args.named_child(0))
                .and_then(|arg| cx.java().constant_str(arg, cx.source()))
            else {
                return;
            };
            if WEAK_ALGORITHMS.contains(&algorithm.to_ascii_uppercase().as_str()) {
                cx.report(call, format!("{algorithm} is a weak hash: collisions can be forged"))
                    .help("Use `MessageDigest.getInstance(\"SHA-256\")` or stronger");
            }
            return;
        }

        if WEAK_HELPERS
            .iter()
            .any(|(owner, methods)| class == *owner && methods.contains(&method))
        {
            let algorithm = if method.to_ascii_lowercase().contains("md") {
                method
                    .trim_start_matches("get")
                    .trim_end_matches("Hex")
                    .trim_end_matches("Digest")
                    .to_ascii_uppercase()
            } else {
                "SHA-1".to_string()
            };
            cx.report(call, format!("`{class}.{method}` uses {algorithm}, a weak hash"))
                .help(format!("Use the SHA-256 variant of `{class}` instead"));
        }
    }
}

/// `java.security.MessageDigest` → `MessageDigest`.
fn simple_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}
