//! Who is calling: a token the test registered, an installation token the fake minted, a
//! GitHub App's JWT, or nobody. JWTs are checked as GitHub checks them (RS256 signature by
//! the app's key, `iss` naming the app, `exp` in the future but at most ten minutes away),
//! with GitHub's messages when they are not right.

use jsonwebtoken::{Algorithm, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde::Deserialize;
use serde_json::Value;

use crate::error::FakeError;
use crate::model::{Access, Account};
use crate::reply::Reply;
use crate::state::{State, TokenKind};

/// The caller of one request.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Anonymous,
    Token {
        token: String,
        access: Access,
        account: Account,
        kind: TokenKind,
    },
    App {
        app_id: u64,
    },
}

impl Caller {
    /// The rate-limit bucket the request counts against, and that bucket's hourly limit.
    pub(crate) fn budget(&self, state: &State) -> (String, u64) {
        match self {
            Caller::Anonymous => ("anonymous".to_owned(), 60),
            Caller::Token { token, .. } => (
                format!("token:{token}"),
                state.tokens.get(token).map_or(5_000, |t| t.hourly_limit()),
            ),
            Caller::App { app_id } => (format!("app:{app_id}"), 5_000),
        }
    }

    /// Who GitHub names in "API rate limit exceeded for …".
    pub(crate) fn rate_limit_subject(&self) -> String {
        match self {
            Caller::Anonymous => "127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)".to_owned(),
            Caller::Token {
                kind: TokenKind::Installation { installation_id, .. },
                ..
            } => format!("installation ID {installation_id}."),
            Caller::Token { account, .. } => format!("user ID {}.", account.id),
            Caller::App { app_id } => format!("integration ID {app_id}."),
        }
    }
}

/// The token of an `Authorization: Bearer T` or `Authorization: token T` header.
pub(crate) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| token.trim())
}

/// Identifies the caller; an answer (401) when the credentials are refused.
pub(crate) fn authenticate(
    state: &State,
    authorization: Option<&str>,
    now: u64,
) -> Result<Caller, Reply> {
    let Some(header) = authorization else {
        return Ok(Caller::Anonymous);
    };
    let Some(token) = bearer(header) else {
        return Err(Reply::bad_credentials());
    };
    if looks_like_jwt(token) {
        return verify_jwt(state, token, now).map(|app_id| Caller::App { app_id });
    }
    match state.tokens.get(token) {
        Some(t) if t.expires_at.is_none_or(|at| at > now) => Ok(Caller::Token {
            token: token.to_owned(),
            access: t.access,
            account: t.account.clone(),
            kind: t.kind,
        }),
        _ => Err(Reply::bad_credentials()),
    }
}

fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && jsonwebtoken::decode_header(token).is_ok()
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    iss: Value,
    #[serde(default)]
    iat: Value,
    #[serde(default)]
    exp: Value,
}

/// The app a JWT authenticates, or GitHub's 401.
fn verify_jwt(state: &State, jwt: &str, now: u64) -> Result<u64, Reply> {
    let undecodable = Reply::jwt_required;
    let claims = jsonwebtoken::dangerous::insecure_decode::<Claims>(jwt)
        .map_err(|_| undecodable())?
        .claims;
    // GitHub takes the app id as a number or a string, or the app's client id.
    let app = match &claims.iss {
        Value::Number(n) => n.as_u64().and_then(|id| state.apps.get(&id)),
        Value::String(s) => match s.parse::<u64>() {
            Ok(id) => state.apps.get(&id),
            Err(_) => state.apps.values().find(|a| a.client_id() == *s),
        },
        _ => None,
    }
    .ok_or_else(undecodable)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Claims>(jwt, &app.key, &validation).map_err(|_| undecodable())?;

    let unauthorized = |message: &str| {
        Reply::error(
            axum::http::StatusCode::UNAUTHORIZED,
            message,
            crate::reply::DOCS,
        )
    };
    let Some(iat) = claims.iat.as_u64() else {
        return Err(unauthorized(
            "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
        ));
    };
    // GitHub allows some clock drift on `iat`; a minute here.
    if iat > now + 60 {
        return Err(unauthorized(
            "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
        ));
    }
    let exp = claims.exp.as_u64().filter(|exp| *exp > now).ok_or_else(|| {
        unauthorized(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
        )
    })?;
    if exp > now + 600 {
        return Err(unauthorized(
            "'Expiration time' claim ('exp') is too far in the future",
        ));
    }
    Ok(app.id)
}

/// A fresh RSA key pair: the private key as PKCS#1 PEM (what GitHub hands an app), the
/// public key as SPKI PEM.
pub(crate) fn generate_key_pair() -> Result<(String, String), FakeError> {
    let mut rng = rsa::rand_core::OsRng;
    let private =
        rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| FakeError::BadKey(e.to_string()))?;
    let private_pem = private
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| FakeError::BadKey(e.to_string()))?
        .to_string();
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| FakeError::BadKey(e.to_string()))?;
    Ok((private_pem, public_pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_token_schemes_are_both_accepted() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("token abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("abc"), None);
    }
}
