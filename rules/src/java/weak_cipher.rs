use tree_sitter::Node;

use crate::java::semantic;
use crate::java::text::simple_name;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for broken or misused ciphers in the Java Cryptography Architecture:
    /// - `Cipher.getInstance` with DES, Triple DES (`DESede`), RC2, RC4 (`ARCFOUR`),
    ///   Blowfish or a password-based scheme built on them (`PBEWithMD5AndDES`);
    /// - any transformation in ECB mode (`AES/ECB/PKCS5Padding`), and a bare `"AES"`,
    ///   which the JDK providers expand to `AES/ECB/PKCS5Padding`;
    /// - RSA without padding (`RSA/ECB/NoPadding`);
    /// - `KeyGenerator` and `SecretKeyFactory` for those algorithms, `DESKeySpec`,
    ///   `DESedeKeySpec` and `NullCipher`.
    ///
    /// The transformation may be a literal, a constant of the same file, or a local
    /// variable initialised to one.
    ///
    /// ## Why is this bad?
    /// DES keys are short enough to brute-force; Triple DES, RC2 and Blowfish have
    /// 64-bit blocks, which leak plaintext after a few dozen gigabytes (Sweet32); RC4's
    /// keystream is biased. ECB mode encrypts identical plaintext blocks to identical
    /// ciphertext blocks, so the structure of the data shows through, and blocks can be
    /// reordered or replayed undetected. Unpadded RSA is deterministic and malleable.
    /// `NullCipher` does not encrypt at all.
    ///
    /// ## Example
    /// ```java
    /// Cipher cipher = Cipher.getInstance("AES");
    /// cipher.init(Cipher.ENCRYPT_MODE, key);
    /// byte[] sealed = cipher.doFinal(plaintext);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// byte[] iv = new byte[12];
    /// new SecureRandom().nextBytes(iv);
    /// Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    /// cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
    /// byte[] sealed = cipher.doFinal(plaintext);
    /// ```
    pub WeakCipher {
        id: "java-weak-cipher",
        title: "Weak cipher or cipher mode",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [327],
        precision: High,
        kinds: ["method_invocation", "object_creation_expression"],
        fix: "Use `Cipher.getInstance(\"AES/GCM/NoPadding\")` with a fresh random IV",
    }
}

/// Factories whose `getInstance(algorithm)` names a cipher algorithm.
const FACTORIES: &[&str] = &["Cipher", "KeyGenerator", "SecretKeyFactory"];

const GOOD_KEY: &str = "Use `KeyGenerator.getInstance(\"AES\")` with `init(256)`";

const GOOD_KEY_FACTORY: &str =
    "Derive keys with `SecretKeyFactory.getInstance(\"PBKDF2WithHmacSHA256\")` for AES";

const GOOD_CIPHER: &str = "Use `Cipher.getInstance(\"AES/GCM/NoPadding\")` with a fresh random 12-byte IV";

/// Why an algorithm name is weak, for the message.
fn weak_algorithm(algorithm: &str) -> Option<&'static str> {
    let upper = algorithm.to_ascii_uppercase();
    let base = upper.strip_prefix("PBEWITH").map_or(upper.as_str(), |rest| {
        // `PBEWithMD5AndDES`, `PBEWithSHA1AndDESede`: the cipher comes after `AND`.
        rest.rsplit("AND").next().unwrap_or(rest)
    });
    if base.starts_with("DESEDE") || base.starts_with("TRIPLEDES") || base.starts_with("3DES") {
        Some("Triple DES, a 64-bit block cipher vulnerable to Sweet32")
    } else if base.starts_with("DES") {
        Some("DES, whose 56-bit key can be brute-forced")
    } else if base.starts_with("RC2") {
        Some("RC2, a broken cipher")
    } else if base.starts_with("RC4") || base.starts_with("ARCFOUR") {
        Some("RC4, whose keystream is biased")
    } else if base.starts_with("BLOWFISH") {
        Some("Blowfish, a 64-bit block cipher vulnerable to Sweet32")
    } else {
        None
    }
}

impl Rule for WeakCipher {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "object_creation_expression" {
            let Some(ty) = node.child_by_field_name("type") else {
                return;
            };
            let message = match simple_name(cx.text(ty)) {
                "NullCipher" => "`NullCipher` does not encrypt: the \"ciphertext\" is the plaintext",
                "DESKeySpec" => "`DESKeySpec` builds a DES key, which can be brute-forced",
                "DESedeKeySpec" => "`DESedeKeySpec` builds a Triple DES key, a 64-bit block cipher vulnerable to Sweet32",
                _ => return,
            };
            let help = if message.starts_with("`NullCipher`") {
                GOOD_CIPHER
            } else {
                "Use a 256-bit AES key: `new SecretKeySpec(keyBytes, \"AES\")`"
            };
            cx.report(node, message).help(help);
            return;
        }

        let (Some(object), Some(name)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("name"),
        ) else {
            return;
        };
        if cx.text(name) != "getInstance" {
            return;
        }
        let factory = simple_name(cx.text(object));
        if !FACTORIES.contains(&factory) {
            return;
        }
        let Some(arg) = node
            .child_by_field_name("arguments")
            .and_then(|args| args.named_child(0))
        else {
            return;
        };
        let Some(transformation) = transformation(arg, cx) else {
            return;
        };
        let mut parts = transformation.split('/').map(str::trim);
        let algorithm = parts.next().unwrap_or_default();
        let mode = parts.next().map(str::to_ascii_uppercase);
        let padding = parts.next().map(str::to_ascii_uppercase);
        let call = format!("{factory}.getInstance(\"{transformation}\")");

        if let Some(why) = weak_algorithm(algorithm) {
            let help = match factory {
                "KeyGenerator" => GOOD_KEY,
                "SecretKeyFactory" => GOOD_KEY_FACTORY,
                _ => GOOD_CIPHER,
            };
            cx.report(node, format!("`{call}` uses {why}")).help(help);
            return;
        }
        if factory != "Cipher" {
            return;
        }
        let is_rsa = algorithm.eq_ignore_ascii_case("RSA");
        if is_rsa {
            if padding.as_deref() == Some("NOPADDING") {
                cx.report(node, format!("`{call}` uses RSA without padding: encryption is deterministic and malleable"))
                    .help("Use `Cipher.getInstance(\"RSA/ECB/OAEPWithSHA-256AndMGF1Padding\")`");
            }
            return;
        }
        let default_mode = mode.is_none() && algorithm.eq_ignore_ascii_case("AES");
        if mode.as_deref() == Some("ECB") || default_mode {
            let what = if default_mode {
                "defaults to ECB mode"
            } else {
                "uses ECB mode"
            };
            cx.report(
                node,
                format!("`{call}` {what}: identical plaintext blocks encrypt to identical ciphertext blocks"),
            )
            .help(GOOD_CIPHER);
        }
    }
}

/// The transformation string: a literal, a constant, or a local initialised to one.
fn transformation<'t>(arg: Node<'t>, cx: &Checker<'t>) -> Option<String> {
    let unit = cx.java();
    if let Some(value) = unit.constant_str(arg, cx.source()) {
        return Some(value);
    }
    let scope = semantic::scope_of(cx.ancestors())?;
    unit.constant_str_in(&unit.locals(scope), arg)
}
