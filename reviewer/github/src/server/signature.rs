//! Webhook signatures: GitHub signs each delivery's raw body with HMAC-SHA256 under the
//! webhook secret and sends `X-Hub-Signature-256: sha256=<hex>`. Nothing of a request is
//! parsed before its signature checks out, and the check takes the same time however
//! much of a forged signature is right.

use std::fmt;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The header GitHub puts the signature in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Why a request's signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not `sha256=` and 64 hex digits")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body (is the webhook secret the App's?)")]
    Mismatch,
}

/// A signature as sent, decoded but not yet checked against a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature([u8; 32]);

impl Signature {
    /// Decodes the header's value, which is checked before the body is even read.
    pub fn parse(header: Option<&[u8]>) -> Result<Signature, SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let digits = header
            .strip_prefix(b"sha256=")
            .ok_or(SignatureError::Malformed)?;
        let mut tag = [0u8; 32];
        hex::decode_to_slice(digits, &mut tag).map_err(|_| SignatureError::Malformed)?;
        Ok(Signature(tag))
    }
}

/// The webhook secret, keyed once.
#[derive(Clone)]
pub struct WebhookSecret(HmacSha256);

/// The webhook secret cannot key HMAC-SHA256.
#[derive(Debug, thiserror::Error)]
#[error("the webhook secret cannot be used as an HMAC-SHA256 key")]
pub struct InvalidSecret;

impl WebhookSecret {
    /// Keys HMAC-SHA256 with the secret. HMAC takes keys of any length, so this fails
    /// only if the hmac crate changes its mind.
    pub fn new(secret: &[u8]) -> Result<WebhookSecret, InvalidSecret> {
        <HmacSha256 as KeyInit>::new_from_slice(secret)
            .map(WebhookSecret)
            .map_err(|_| InvalidSecret)
    }

    /// Checks the signature against `body`, in constant time.
    pub fn verify(&self, signature: &Signature, body: &[u8]) -> Result<(), SignatureError> {
        let mut mac = self.0.clone();
        mac.update(body);
        mac.verify_slice(&signature.0)
            .map_err(|_| SignatureError::Mismatch)
    }

    /// The `X-Hub-Signature-256` value GitHub would send for `body`: for tests and for
    /// tools that replay deliveries.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.0.clone();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example in GitHub's "Validating webhook deliveries" documentation.
    #[test]
    fn matches_githubs_documented_example() {
        let secret = WebhookSecret::new(b"It's a Secret to Everybody").unwrap();
        let header = secret.sign(b"Hello, World!");
        assert_eq!(
            header,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        let signature = Signature::parse(Some(header.as_bytes())).unwrap();
        secret.verify(&signature, b"Hello, World!").unwrap();
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        assert_eq!(Signature::parse(None), Err(SignatureError::Missing));
        assert_eq!(
            Signature::parse(Some(b"sha1=abcd")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            Signature::parse(Some(b"sha256=xyz")),
            Err(SignatureError::Malformed)
        );
        let secret = WebhookSecret::new(b"secret").unwrap();
        let header = secret.sign(b"body");
        let signature = Signature::parse(Some(header.as_bytes())).unwrap();
        let other = WebhookSecret::new(b"other secret").unwrap();
        assert_eq!(
            other.verify(&signature, b"body"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secret.verify(&signature, b"body!"),
            Err(SignatureError::Mismatch)
        );
    }
}
