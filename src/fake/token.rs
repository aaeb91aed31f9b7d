//! Authentication tokens (Enswitch 4.1 and later): `user/login` with `token=1` issues one, and
//! every function then takes `auth_token` in place of `auth_username` and `auth_password`.
//!
//! A token is a JSON Web Token signed with HS256 (the vendor encrypts theirs; a client may not
//! look inside either way, so only the `eyJ` start is something it could rely on). Its claims
//! are the user's name, when it was issued and, unless tokens never expire, when it expires, in
//! the world's time: with the logical clock, `POST /_fake/clock` moves a world past a token's
//! expiry without waiting. The key is made at random when the server starts, or given with
//! `--token-key` so that tokens survive a restart or work across several fakes; it is never
//! shown, logged or kept.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::fake::mutant::{self, Mutant};

/// How long a token lives unless `--token-expiry` says otherwise: an hour (the vendor's
/// default is not shown on its page).
pub const DEFAULT_TOKEN_EXPIRY: u64 = 3600;

/// Who issued a token: this fake, so one of another kind is refused before its claims are read.
const ISSUER: &str = "enswitch-fake";

/// The secret tokens are signed with. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    /// 32 bytes from the operating system's generator: a key for this run only.
    pub fn random() -> TokenKey {
        let mut key = vec![0; 32];
        getrandom::fill(&mut key).expect("the operating system gives random bytes");
        TokenKey(key)
    }

    /// A key given as text (`--token-key`); `None` if it is empty.
    pub fn from_text(text: &str) -> Option<TokenKey> {
        (!text.is_empty()).then(|| TokenKey(text.as_bytes().to_vec()))
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

/// Issues and checks tokens with one key.
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens([redacted])")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    /// The username.
    sub: String,
    iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
}

/// A token as `user/login` hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub token: String,
    /// Seconds it has left, and when it expires (Unix time); `None` if it never does.
    pub expiry: Option<(u64, i64)>,
}

impl Tokens {
    pub(crate) fn new(key: &TokenKey) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the world's clock below, not the wall clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[ISSUER]);
        Tokens {
            encoding: EncodingKey::from_secret(&key.0).expect("a key is never empty"),
            decoding: DecodingKey::from_secret(&key.0).expect("a key is never empty"),
            validation,
        }
    }

    /// A token for `username`, issued at `now`, living `expiry` seconds (`None`: for ever).
    pub(crate) fn issue(&self, username: &str, now: i64, expiry: Option<u64>) -> Issued {
        let exp = expiry.map(|seconds| now.saturating_add_unsigned(seconds));
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: username.to_owned(),
            iat: now,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 claims encode");
        Issued {
            token,
            expiry: expiry.zip(exp),
        }
    }

    /// The username a token was issued to, if it is this fake's, unaltered, and not expired at
    /// `now`.
    pub(crate) fn verify(&self, token: &str, now: i64, mutant: Option<Mutant>) -> Option<String> {
        let claims = if mutant::is(mutant, Mutant::TokenSignatureUnchecked) {
            jsonwebtoken::dangerous::insecure_decode::<Claims>(token)
                .ok()?
                .claims
        } else {
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                .ok()?
                .claims
        };
        let expired = claims.exp.is_some_and(|exp| now >= exp);
        if expired && !mutant::is(mutant, Mutant::TokenExpiryIgnored) {
            return None;
        }
        Some(claims.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(&TokenKey::from_text("test key").unwrap())
    }

    #[test]
    fn a_token_names_its_user_until_it_expires() {
        let tokens = tokens();
        let issued = tokens.issue("user", 1000, Some(60));
        assert!(issued.token.starts_with("eyJ"), "{}", issued.token);
        assert_eq!(issued.expiry, Some((60, 1060)));
        assert_eq!(
            tokens.verify(&issued.token, 1059, None),
            Some("user".into())
        );
        assert_eq!(tokens.verify(&issued.token, 1060, None), None);
        let forever = tokens.issue("user", 1000, None);
        assert_eq!(forever.expiry, None);
        assert_eq!(
            tokens.verify(&forever.token, i64::MAX, None),
            Some("user".into())
        );
    }

    #[test]
    fn an_altered_or_foreign_token_names_nobody() {
        let tokens = tokens();
        let token = tokens.issue("user", 1000, Some(60)).token;
        // The payload changed to name another user, with the old signature.
        let (head, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let payload = base64_url(r#"{"iss":"enswitch-fake","sub":"admin","iat":1000}"#);
        let forged = format!("{head}.{payload}.{signature}");
        assert_eq!(tokens.verify(&forged, 1001, None), None);
        let other = Tokens::new(&TokenKey::from_text("another key").unwrap());
        assert_eq!(other.verify(&token, 1001, None), None);
        assert_eq!(tokens.verify("not a token", 1001, None), None);
        assert_eq!(
            tokens.verify(&forged, 1001, Some(Mutant::TokenSignatureUnchecked)),
            Some("admin".into())
        );
    }

    #[test]
    fn the_key_is_never_shown() {
        let key = TokenKey::from_text("s3cret-key").unwrap();
        assert!(!format!("{key:?}{:?}", Tokens::new(&key)).contains("s3cret"));
        assert!(TokenKey::from_text("").is_none());
    }

    fn base64_url(text: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }
}
