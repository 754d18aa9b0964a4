//! Bearer tokens. HS256 with a shared secret (`CASEBRIDGE_JWT_SECRET`), an RS256 / EdDSA
//! public key as an identity provider would use (`CASEBRIDGE_JWT_PUBLIC_KEY`), or the
//! provider's key set (`CASEBRIDGE_JWT_JWKS`, see [`super::jwks`]) with a key chosen per token
//! by `kid`. The algorithm is pinned per key, and `exp`, `iss` and `aud` are required and
//! checked (jsonwebtoken checks iss/aud only when present unless told otherwise).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::jwks::{DEFAULT_REFRESH_SECS, Jwks, JwksSource, Miss};
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's login.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    /// Issued at: required (a token without it is refused).
    pub iat: i64,
    /// Not before: refused until then (less the leeway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Seconds of clock difference tolerated on `exp`, `nbf` and `iat`
/// (`CASEBRIDGE_JWT_LEEWAY`).
pub const DEFAULT_LEEWAY: u64 = 60;

#[derive(Clone)]
pub enum JwtKey {
    /// Shared secret: verifies and signs (the `token` command).
    Hs256(Vec<u8>),
    /// PEM public key (PKCS#1 or SPKI): verifies only; tokens come from the identity provider.
    Rs256Pem(Vec<u8>),
    /// PEM Ed25519 public key (SPKI): verifies only.
    EdDsaPem(Vec<u8>),
    /// The identity provider's key set (JWKS), from a file or an http(s) URL: verifies only,
    /// with the key the token's `kid` names.
    Jwks(JwksSource),
}

impl std::fmt::Debug for JwtKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JwtKey::Hs256(_) => "Hs256(..)",
            JwtKey::Rs256Pem(_) => "Rs256Pem(..)",
            JwtKey::EdDsaPem(_) => "EdDsaPem(..)",
            JwtKey::Jwks(source) => return write!(f, "Jwks({source})"),
        })
    }
}

#[derive(Clone)]
pub struct JwtConfig {
    pub key: JwtKey,
    pub issuer: String,
    pub audience: String,
    keys: Keys,
    /// Issuer, audience, required claims and leeway; the algorithm is the single key's, or
    /// replaced by the chosen key's for a key set.
    validation: Validation,
    /// Interval of the scheduled re-read of a key set ([`Self::start_refresh`]).
    jwks_refresh: Duration,
}

/// The verifying keys: one, or the live key set (shared by every clone).
#[derive(Clone)]
enum Keys {
    Single(DecodingKey),
    Set(Arc<Jwks>),
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("key", &self.key)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl JwtConfig {
    pub fn new(key: JwtKey, issuer: String, audience: String) -> Result<Self, String> {
        let (decoding, algorithm) = match &key {
            JwtKey::Hs256(secret) => {
                if secret.len() < 32 {
                    return Err("CASEBRIDGE_JWT_SECRET must be at least 32 bytes".into());
                }
                (DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            JwtKey::Rs256Pem(pem) => {
                (DecodingKey::from_rsa_pem(pem).map_err(|e| format!("RS256 public key: {e}"))?, Algorithm::RS256)
            }
            JwtKey::EdDsaPem(pem) => {
                (DecodingKey::from_ed_pem(pem).map_err(|e| format!("EdDSA public key: {e}"))?, Algorithm::EdDSA)
            }
            JwtKey::Jwks(source) => {
                let jwks = Jwks::load(source.clone())?;
                return Ok(Self::with_keys(key, issuer, audience, Keys::Set(Arc::new(jwks)), Algorithm::EdDSA));
            }
        };
        Ok(Self::with_keys(key, issuer, audience, Keys::Single(decoding), algorithm))
    }

    fn with_keys(key: JwtKey, issuer: String, audience: String, keys: Keys, algorithm: Algorithm) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_audience(&[audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = DEFAULT_LEEWAY;
        Self { key, issuer, audience, keys, validation, jwks_refresh: Duration::from_secs(DEFAULT_REFRESH_SECS) }
    }

    /// The clock difference tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.validation.leeway = seconds;
        self
    }

    /// Seconds between the scheduled re-reads of a key set (`CASEBRIDGE_JWKS_REFRESH`); zero
    /// turns them off (unknown kids still cause one).
    pub fn with_jwks_refresh(mut self, every: Duration) -> Self {
        self.jwks_refresh = every;
        self
    }

    /// The live key set, when the keys come from one.
    pub fn jwks(&self) -> Option<&Arc<Jwks>> {
        match &self.keys {
            Keys::Set(jwks) => Some(jwks),
            Keys::Single(_) => None,
        }
    }

    /// Starts the scheduled re-read of a key set on the current tokio runtime (once, however
    /// often called; nothing for a secret or a PEM key). The application calls it at start.
    pub fn start_refresh(&self) {
        if let Keys::Set(jwks) = &self.keys {
            jwks.start_refresh(self.jwks_refresh);
        }
    }

    /// Verifies signature, algorithm, `exp`, `nbf`, `iat`, `iss` and `aud`, and returns the
    /// claims. A token issued in the future (beyond the leeway) is refused: no clock of an
    /// identity provider runs that far ahead, so it was forged or minted by a broken clock.
    ///
    /// With a key set, the key is the one the token's `kid` names in the set as last read;
    /// [`verify_fresh`](Self::verify_fresh) also re-reads the set for a kid it does not hold.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        self.verify_now(token).map_err(refusal)
    }

    /// [`verify`](Self::verify), but a token whose `kid` the key set does not hold causes one
    /// re-read of the set (single-flight, at most one per few seconds) before it is judged:
    /// a key the provider has just published is accepted at once.
    pub async fn verify_fresh(&self, token: &str) -> Result<Claims, AppError> {
        let arrived = Instant::now();
        match (self.verify_now(token), &self.keys) {
            (Err(Miss::UnknownKid), Keys::Set(jwks)) => {
                jwks.refresh_for_unknown_kid(arrived).await;
                self.verify(token)
            }
            (outcome, _) => outcome.map_err(refusal),
        }
    }

    fn verify_now(&self, token: &str) -> Result<Claims, Miss> {
        let claims = match &self.keys {
            Keys::Single(decoding) => self.decode(token, decoding, &self.validation)?,
            Keys::Set(jwks) => {
                let header = decode_header(token).map_err(|_| Miss::Refused("the token is not valid".into()))?;
                let set = jwks.current();
                let key = set.select(header.kid.as_deref(), header.alg)?;
                let mut validation = self.validation.clone();
                validation.algorithms = vec![key.algorithm];
                self.decode(token, &key.decoding, &validation)?
            }
        };
        if claims.iat > Utc::now().timestamp().saturating_add(self.validation.leeway as i64) {
            return Err(Miss::Refused("the token was issued in the future".into()));
        }
        Ok(claims)
    }

    fn decode(&self, token: &str, key: &DecodingKey, validation: &Validation) -> Result<Claims, Miss> {
        decode::<Claims>(token, key, validation).map(|data| data.claims).map_err(|err| {
            use jsonwebtoken::errors::ErrorKind;
            let why = match err.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
                ErrorKind::InvalidAudience => "the token is for another audience",
                ErrorKind::InvalidIssuer => "the token is from another issuer",
                ErrorKind::InvalidSignature => "the token's signature is not valid",
                ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                _ => "the token is not valid",
            };
            Miss::Refused(why.into())
        })
    }

    /// Signs a token for `login` (only with a shared secret; an identity provider signs
    /// its own).
    pub fn sign(&self, login: &str, ttl: chrono::Duration) -> Result<String, String> {
        let JwtKey::Hs256(secret) = &self.key else {
            return Err("tokens can be signed only with CASEBRIDGE_JWT_SECRET (HS256)".into());
        };
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: login.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl.num_seconds(),
            iat: now,
            nbf: None,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret)).map_err(|e| e.to_string())
    }
}

/// A refusal as the caller sees it.
fn refusal(miss: Miss) -> AppError {
    AppError::Unauthenticated(match miss {
        Miss::UnknownKid => "the token's key (kid) is not in the identity provider's key set".into(),
        Miss::Refused(why) => why,
    })
}

/// Parses `8h`, `30m`, `2d`, `45s` or a number of seconds.
pub fn parse_ttl(input: &str) -> Result<chrono::Duration, String> {
    let input = input.trim();
    let (number, unit) = input.split_at(input.find(|c: char| !c.is_ascii_digit()).unwrap_or(input.len()));
    let n: i64 = number.parse().map_err(|_| format!("not a duration: {input}"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!("unknown duration unit in {input} (use s, m, h or d)"));
        }
    };
    if seconds <= 0 {
        return Err("the duration must be positive".into());
    }
    Ok(chrono::Duration::seconds(seconds))
}
