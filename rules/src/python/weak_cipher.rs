use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for broken ciphers, modes and key sizes in PyCryptodome (`Crypto`,
    /// `Cryptodome`) and `cryptography`:
    /// - DES, Triple DES, RC2, RC4 (ARC4), Blowfish, CAST5, IDEA, SEED and XOR ciphers;
    /// - ECB mode (`AES.MODE_ECB`, `modes.ECB()`);
    /// - RSA and DSA keys generated with fewer than 2048 bits;
    /// - elliptic curves with fewer than 224 bits (`SECP192R1`, `SECT163K1`, `P-192`).
    ///
    /// ## Why is this bad?
    /// DES keys are found by brute force in hours; Triple DES and Blowfish have 64-bit
    /// blocks, so long-lived keys leak plaintext through birthday collisions (Sweet32);
    /// RC4's keystream is biased enough to recover cookies. ECB encrypts equal blocks to
    /// equal ciphertext, so the structure of the data shows through and blocks can be
    /// swapped undetected. RSA-1024 and 192-bit curves are within reach of well-funded
    /// attackers and are no longer allowed by NIST.
    ///
    /// ## Example
    /// ```python
    /// from Crypto.Cipher import AES, DES
    ///
    /// def encrypt(key, data):
    ///     return AES.new(key, AES.MODE_ECB).encrypt(data)
    ///
    /// def legacy(key, data):
    ///     return DES.new(key, DES.MODE_CBC).encrypt(data)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from Crypto.Cipher import AES
    ///
    /// def encrypt(key, data):
    ///     cipher = AES.new(key, AES.MODE_GCM)
    ///     ciphertext, tag = cipher.encrypt_and_digest(data)
    ///     return cipher.nonce, ciphertext, tag
    /// ```
    pub WeakCipher {
        id: "py-weak-cipher",
        title: "Weak cipher, mode or key size",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [327, 326],
        precision: High,
        kinds: ["call", "attribute"],
        fix: "Use AES-GCM or ChaCha20-Poly1305, RSA keys of 2048+ bits, curves of 224+ bits",
    }
}

/// Cipher modules of PyCryptodome (`Crypto.Cipher.X.new`) and algorithm classes of
/// `cryptography`, by last name.
const WEAK_CIPHERS: &[(&str, &str)] = &[
    ("DES", "DES"),
    ("DES3", "Triple DES"),
    ("TripleDES", "Triple DES"),
    ("ARC2", "RC2"),
    ("ARC4", "RC4"),
    ("Blowfish", "Blowfish"),
    ("CAST", "CAST"),
    ("CAST5", "CAST5"),
    ("IDEA", "IDEA"),
    ("SEED", "SEED"),
    ("XOR", "XOR"),
];

const CIPHER_PACKAGES: &[&str] = &["Crypto.Cipher.", "Cryptodome.Cipher."];

const CRYPTOGRAPHY_ALGORITHMS: &[&str] = &[
    "cryptography.hazmat.primitives.ciphers.algorithms.",
    "cryptography.hazmat.decrepit.ciphers.algorithms.",
];

/// Curves below 224 bits, by `cryptography` class name or PyCryptodome curve name.
const WEAK_CURVES: &[&str] = &[
    "SECP192R1",
    "SECT163K1",
    "SECT163R2",
    "P-192",
    "p192",
    "P192",
    "NIST P-192",
    "secp192r1",
    "prime192v1",
];

const CALLEE_NAMES: &[&str] = &["new", "generate", "generate_private_key", "ECB"];

const MIN_RSA_BITS: i64 = 2048;

impl Rule for WeakCipher {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "attribute" {
            check_ecb_constant(node, cx);
            return;
        }
        let is_candidate = call::may_call(node, cx.source(), CALLEE_NAMES)
            || call::callee_name(node, cx.source())
                .is_some_and(|callee| WEAK_CIPHERS.iter().any(|(name, _)| *name == callee));
        if !is_candidate {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        if let Some(cipher) = weak_cipher(&name) {
            cx.report(node, format!("{cipher} is a broken cipher"))
                .help("Use AES in GCM mode, or ChaCha20-Poly1305");
            return;
        }
        if name == "cryptography.hazmat.primitives.ciphers.modes.ECB" {
            report_ecb(node, cx);
            return;
        }
        check_key_size(node, &name, cx);
    }
}

/// `DES` for `Crypto.Cipher.DES.new` or `...algorithms.TripleDES`.
fn weak_cipher(name: &str) -> Option<&'static str> {
    let last = if let Some(rest) = CIPHER_PACKAGES.iter().find_map(|p| name.strip_prefix(p)) {
        rest.strip_suffix(".new")?
    } else {
        CRYPTOGRAPHY_ALGORITHMS
            .iter()
            .find_map(|p| name.strip_prefix(p))?
    };
    WEAK_CIPHERS
        .iter()
        .find(|(module, _)| *module == last)
        .map(|(_, cipher)| *cipher)
}

/// `AES.MODE_ECB` wherever it appears: passed to `new`, or bound to a name first.
fn check_ecb_constant<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if node
        .child_by_field_name("attribute")
        .is_none_or(|a| cx.text(a) != "MODE_ECB")
    {
        return;
    }
    let is_pycryptodome = cx.python().resolve(node).is_some_and(|name| {
        CIPHER_PACKAGES
            .iter()
            .any(|p| name.starts_with(p) && name.ends_with(".MODE_ECB"))
    });
    if is_pycryptodome {
        report_ecb(node, cx);
    }
}

fn report_ecb(node: Node<'_>, cx: &Checker<'_>) {
    cx.report(
        node,
        "ECB mode encrypts equal blocks to equal ciphertext, so patterns in the data show through",
    )
    .help("Use an authenticated mode: GCM, or ChaCha20-Poly1305");
}

fn check_key_size<'t>(node: Node<'t>, name: &str, cx: &Checker<'t>) {
    let (bits, algorithm) = match name {
        "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key" => {
            (call::argument(node, 1, "key_size", cx.source()), "RSA")
        }
        "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key" => {
            (call::argument(node, 0, "key_size", cx.source()), "DSA")
        }
        "Crypto.PublicKey.RSA.generate" | "Cryptodome.PublicKey.RSA.generate" => {
            (call::argument(node, 0, "bits", cx.source()), "RSA")
        }
        "Crypto.PublicKey.DSA.generate" | "Cryptodome.PublicKey.DSA.generate" => {
            (call::argument(node, 0, "bits", cx.source()), "DSA")
        }
        "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key" => {
            check_curve(node, call::argument(node, 0, "curve", cx.source()), cx);
            return;
        }
        "Crypto.PublicKey.ECC.generate" | "Cryptodome.PublicKey.ECC.generate" => {
            check_curve(node, call::keyword(node, "curve", cx.source()), cx);
            return;
        }
        _ => return,
    };
    if let Some(bits) = bits
        && let Some(size) = cx.python().constant_int(bits)
        && size < MIN_RSA_BITS
    {
        cx.report(
            node,
            format!("a {size}-bit {algorithm} key is too short to resist factoring or discrete-log attacks"),
        )
        .help(format!("Generate {algorithm} keys of at least 2048 bits (3072 for use beyond 2030)"));
    }
}

fn check_curve<'t>(node: Node<'t>, curve: Option<Node<'t>>, cx: &Checker<'t>) {
    let Some(curve) = curve else {
        return;
    };
    let curve = ast::unparenthesize(curve);
    let name = match curve.kind() {
        "call" => cx
            .python()
            .resolve_call(curve)
            .filter(|n| n.starts_with("cryptography.hazmat.primitives.asymmetric.ec."))
            .and_then(|n| n.rsplit('.').next().map(str::to_string)),
        "attribute" => cx
            .python()
            .resolve(curve)
            .filter(|n| n.starts_with("cryptography.hazmat.primitives.asymmetric.ec."))
            .and_then(|n| n.rsplit('.').next().map(str::to_string)),
        _ => cx.python().constant_str(curve),
    };
    if let Some(name) = name
        && WEAK_CURVES.contains(&name.as_str())
    {
        cx.report(node, format!("the curve {name} gives less than 112 bits of security"))
            .help("Use SECP256R1 (P-256) or stronger, or Ed25519");
    }
}
