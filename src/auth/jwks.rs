//! Keys as an identity provider hands them: a JSON Web Key Set (RFC 7517) read from a file or
//! an http(s) URL (`CASEBRIDGE_JWT_JWKS`). Several keys are live at once so the provider can
//! rotate: it publishes the new key beside the old one, signs with the new one, and later
//! withdraws the old one. A token picks its key by `kid`.
//!
//! The set is re-read every `CASEBRIDGE_JWKS_REFRESH` seconds by a background task
//! ([`Jwks::start_refresh`]) and, when a token names a `kid` the set does not hold, once more
//! on demand ([`Jwks::refresh_for_unknown_kid`]): single-flight, and at most one on-demand
//! re-read per [`REFETCH_COOLDOWN`], so a stream of made-up kids cannot make us hammer the
//! provider. A re-read that fails, or yields no usable key, keeps the old set.
//!
//! Only public keys are taken: RS256/384/512 and PS256/384/512 (kty RSA), ES256 (EC P-256),
//! ES384 (EC P-384), EdDSA (OKP Ed25519). A shared secret (kty oct, HS*) is never accepted
//! from a key set: whoever can read the set could otherwise sign tokens.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

/// Seconds between two scheduled re-reads (`CASEBRIDGE_JWKS_REFRESH`).
pub const DEFAULT_REFRESH_SECS: u64 = 300;

/// Least time between two re-reads caused by unknown kids. Scheduled re-reads do not count:
/// a provider that publishes a key and signs with it a second later is still followed.
pub const REFETCH_COOLDOWN: Duration = Duration::from_secs(5);

/// A provider that has not answered in this time is down; the old set stays.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// A key set is a few kilobytes; anything far larger is not one.
const MAX_BYTES: usize = 1 << 20;

/// Where the key set is read from.
#[derive(Clone, PartialEq, Eq)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

impl JwksSource {
    /// An `http://` or `https://` address is fetched; anything else is a file path.
    pub fn parse(input: &str) -> Self {
        let lower = input.trim().to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            JwksSource::Url(input.trim().to_string())
        } else {
            JwksSource::File(PathBuf::from(input))
        }
    }
}

impl std::fmt::Display for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwksSource::File(path) => write!(f, "{}", path.display()),
            JwksSource::Url(url) => f.write_str(url),
        }
    }
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

/// One public key of the set, with the one algorithm it verifies.
#[derive(Clone)]
pub struct VerifyKey {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub(crate) decoding: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    // The key itself is public, but logs have no use for it: kid and algorithm say which.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey").field("kid", &self.kid).field("algorithm", &self.algorithm).finish()
    }
}

/// The usable keys of one reading of the set.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyKey>,
}

/// Why no key of the set verifies a token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The token names a kid the set does not hold: a re-read may find it.
    UnknownKid,
    /// Anything else: a re-read would not help.
    Refused(String),
}

impl KeySet {
    /// Reads a key set document. Keys that cannot be used (a secret, an encryption key, an
    /// unsupported type or algorithm) are left out and described in the second value; a
    /// document with no usable key at all is an error.
    pub fn parse(body: &[u8]) -> Result<(KeySet, Vec<String>), String> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document =
            serde_json::from_slice(body).map_err(|e| format!("not a JSON Web Key Set ({{\"keys\": [...]}}): {e}"))?;
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (index, value) in document.keys.into_iter().enumerate() {
            let kid = value.get("kid").and_then(|k| k.as_str()).map(str::to_string);
            match usable(value) {
                Ok(key) => keys.push(key),
                Err(why) => skipped.push(format!("key {} skipped: {why}", kid.unwrap_or_else(|| format!("#{index}")))),
            }
        }
        if keys.is_empty() {
            let detail = if skipped.is_empty() { "the set is empty".to_string() } else { skipped.join("; ") };
            return Err(format!("no usable key in the set ({detail})"));
        }
        Ok((KeySet { keys }, skipped))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The kids of the set, in its order (keys without one are left out).
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }

    /// The key for a token with this header. With a kid, the key of that kid (and of the
    /// token's algorithm); without one, the one key of the token's algorithm, if exactly one.
    pub(crate) fn select(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&VerifyKey, Miss> {
        match kid {
            Some(kid) => {
                let mut named = self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).peekable();
                if named.peek().is_none() {
                    return Err(Miss::UnknownKid);
                }
                named
                    .find(|k| k.algorithm == algorithm)
                    .ok_or_else(|| Miss::Refused("the token's algorithm is not the one of its key".into()))
            }
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.algorithm == algorithm);
                match (fitting.next(), fitting.count()) {
                    (Some(key), 0) => Ok(key),
                    (None, _) => {
                        Err(Miss::Refused("no key of the identity provider fits the token's algorithm".into()))
                    }
                    (Some(_), more) => Err(Miss::Refused(format!(
                        "the token names no key (kid) and {} keys of the identity provider fit its algorithm",
                        more + 1
                    ))),
                }
            }
        }
    }
}

/// One JWK as a verifying key, or why not.
fn usable(value: serde_json::Value) -> Result<VerifyKey, String> {
    if value.get("kty").and_then(|k| k.as_str()) == Some("oct") {
        return Err("a shared secret (kty oct) is never taken from a key set".into());
    }
    let jwk: Jwk = serde_json::from_value(value).map_err(|e| format!("not a JWK this server reads ({e})"))?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return Err("an encryption key (use enc)".into());
    }
    let alg = jwk.common.key_algorithm;
    let algorithm = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::OctetKey(_), _) => {
            return Err("a shared secret (kty oct) is never taken from a key set".into());
        }
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS384)) => Algorithm::RS384,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS512)) => Algorithm::RS512,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS256)) => Algorithm::PS256,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS384)) => Algorithm::PS384,
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS512)) => Algorithm::PS512,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256)) if p.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES384)) if p.curve == EllipticCurve::P384 => {
            Algorithm::ES384
        }
        (AlgorithmParameters::OctetKeyPair(p), None | Some(KeyAlgorithm::EdDSA))
            if p.curve == EllipticCurve::Ed25519 =>
        {
            Algorithm::EdDSA
        }
        (_, Some(alg)) => {
            return Err(format!("algorithm {alg} does not fit the key's type or curve, or is not supported"));
        }
        (_, None) => return Err("unsupported key type or curve".into()),
    };
    if let AlgorithmParameters::OctetKeyPair(p) = &jwk.algorithm {
        // from_jwk takes any length; a wrong one would only show as every signature failing.
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p.x.trim_end_matches('='))
            .map_err(|_| "x is not base64url".to_string())?;
        if raw.len() != 32 {
            return Err("x is not a 32-byte Ed25519 public key".into());
        }
    }
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| format!("unreadable key ({e})"))?;
    Ok(VerifyKey { kid: jwk.common.key_id, algorithm, decoding })
}

/// When the last re-reads began; guarded by the single-flight lock.
#[derive(Default)]
struct FetchLog {
    /// Start of the last re-read that succeeded: a token that arrived before it is answered
    /// by its result.
    last_success_start: Option<Instant>,
    /// Start of the last on-demand re-read, successful or not (the cooldown).
    last_on_demand: Option<Instant>,
}

/// The live key set of one source, shared by every clone of the `JwtConfig`.
pub struct Jwks {
    source: JwksSource,
    current: RwLock<Arc<KeySet>>,
    /// Single flight: one re-read at a time; waiters look at the log before reading again.
    fetch: tokio::sync::Mutex<FetchLog>,
    refresh_started: AtomicBool,
    reads: AtomicU64,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks").field("source", &self.source).field("kids", &self.current().kids()).finish()
    }
}

impl Jwks {
    /// Reads the set once, at start-up: a source that cannot be read, or holds no usable key,
    /// is an error naming the source. Callable with or without a running runtime (a URL is
    /// fetched on a thread of its own).
    pub fn load(source: JwksSource) -> Result<Self, String> {
        let body = match &source {
            JwksSource::File(path) => std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display())),
            JwksSource::Url(url) => {
                let url = url.clone();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("starting a runtime to fetch the key set: {e}"))?;
                    runtime.block_on(fetch(&url))
                })
                .join()
                .map_err(|_| "the thread fetching the key set panicked".to_string())?
            }
        };
        let (set, skipped) =
            body.and_then(|body| KeySet::parse(&body)).map_err(|e| format!("JWT key set {source}: {e}"))?;
        for why in &skipped {
            tracing::warn!(source = %source, "{why}");
        }
        tracing::info!(source = %source, kids = ?set.kids(), "JWT key set loaded");
        Ok(Self {
            source,
            current: RwLock::new(Arc::new(set)),
            fetch: tokio::sync::Mutex::new(FetchLog::default()),
            refresh_started: AtomicBool::new(false),
            reads: AtomicU64::new(1),
        })
    }

    pub fn source(&self) -> &JwksSource {
        &self.source
    }

    /// The set as last read (a cheap clone of an `Arc`; a re-read swaps it whole).
    pub fn current(&self) -> Arc<KeySet> {
        Arc::clone(&self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// How many times the source has been read, the start-up read included (for tests).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Reads the source and swaps the set in; on failure the old set stays and a warning is
    /// logged. Callers hold the single-flight lock.
    async fn reload(&self) -> bool {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let body = match &self.source {
            JwksSource::File(path) => {
                let path = path.clone();
                match tokio::task::spawn_blocking(move || std::fs::read(&path)).await {
                    Ok(read) => read.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
            JwksSource::Url(url) => fetch(url).await,
        };
        match body.and_then(|body| KeySet::parse(&body)) {
            Ok((set, skipped)) => {
                for why in &skipped {
                    tracing::warn!(source = %self.source, "{why}");
                }
                let kids = set.kids().into_iter().map(str::to_string).collect::<Vec<_>>();
                let changed = self.current().kids() != kids;
                *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(set);
                if changed {
                    tracing::info!(source = %self.source, ?kids, "JWT key set changed");
                }
                true
            }
            Err(error) => {
                tracing::warn!(source = %self.source, %error, "re-reading the JWT key set failed; the old set stays");
                false
            }
        }
    }

    /// A token that arrived at `arrived` names a kid the set does not hold: re-read the set,
    /// unless a re-read that began after the token arrived has already answered, or an
    /// on-demand re-read began less than [`REFETCH_COOLDOWN`] ago.
    pub async fn refresh_for_unknown_kid(&self, arrived: Instant) {
        let mut log = self.fetch.lock().await;
        if log.last_success_start.is_some_and(|start| start >= arrived) {
            return;
        }
        if log.last_on_demand.is_some_and(|start| start.elapsed() < REFETCH_COOLDOWN) {
            return;
        }
        let start = Instant::now();
        log.last_on_demand = Some(start);
        if self.reload().await {
            log.last_success_start = Some(start);
        }
    }

    /// The scheduled re-read.
    pub async fn refresh(&self) -> bool {
        let mut log = self.fetch.lock().await;
        let start = Instant::now();
        let ok = self.reload().await;
        if ok {
            log.last_success_start = Some(start);
        }
        ok
    }

    /// Starts the task that re-reads the set every `every` (on the current tokio runtime);
    /// a second call does nothing, and so does a zero interval. The task holds the set weakly
    /// and ends when the last `JwtConfig` sharing it is gone.
    pub fn start_refresh(self: &Arc<Self>, every: Duration) {
        if every.is_zero() || self.refresh_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(jwks) = weak.upgrade() else { return };
                jwks.refresh().await;
            }
        });
    }
}

/// GETs the set, with a timeout and a size cap.
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| format!("building the HTTP client: {}", chain(&e)))?;
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/jwk-set+json, application/json")
        .send()
        .await
        .map_err(|e| chain(&e))?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| chain(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err(format!("the answer is larger than {MAX_BYTES} bytes"));
        }
    }
    Ok(body)
}

/// An error with its causes ("error sending request" alone says nothing).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_X: &str = "0ZJQWZncWXsnfvqCXIsG9wgx3vmhDgSsh8uIN3FPClI";

    fn ed(kid: &str) -> serde_json::Value {
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": kid, "use": "sig"})
    }

    fn rsa() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/fixtures/rs256-public.jwk.json")).expect("rsa jwk")
    }

    fn parse(keys: Vec<serde_json::Value>) -> Result<(KeySet, Vec<String>), String> {
        KeySet::parse(serde_json::json!({ "keys": keys }).to_string().as_bytes())
    }

    #[test]
    fn reads_okp_rsa_and_ec_keys_with_their_algorithms() {
        let ec = serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "ec",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        let (set, skipped) = parse(vec![ed("a"), rsa(), ec]).expect("set");
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(set.kids(), vec!["a", "rsa-1", "ec"]);
        let algorithms: Vec<_> = set.keys.iter().map(|k| k.algorithm).collect();
        assert_eq!(algorithms, vec![Algorithm::EdDSA, Algorithm::RS256, Algorithm::ES256]);
    }

    #[test]
    fn never_takes_a_secret_or_an_encryption_key() {
        let oct = serde_json::json!({"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "kid": "h", "alg": "HS256"});
        let mut enc = rsa();
        enc["use"] = "enc".into();
        enc["kid"] = "e".into();
        let (set, skipped) = parse(vec![oct.clone(), enc, ed("a")]).expect("set");
        assert_eq!(set.kids(), vec!["a"]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].contains("shared secret"), "{skipped:?}");
        assert!(skipped[1].contains("encryption"), "{skipped:?}");
        let err = parse(vec![oct]).expect_err("a set of secrets is no set");
        assert!(err.contains("no usable key"), "{err}");
    }

    #[test]
    fn refuses_a_mismatched_algorithm_and_a_short_ed25519_key() {
        let mut wrong = ed("w");
        wrong["alg"] = "RS256".into();
        let short = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "s"});
        let unknown = serde_json::json!({"kty": "XYZ", "kid": "u"});
        let (set, skipped) = parse(vec![wrong, short, unknown, ed("a")]).expect("set");
        assert_eq!(set.kids(), vec!["a"]);
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        assert!(KeySet::parse(b"{}").is_err());
        assert!(KeySet::parse(b"not json").is_err());
        assert!(parse(vec![]).expect_err("empty").contains("empty"));
    }

    #[test]
    fn selects_by_kid_or_by_the_one_key_of_the_algorithm() {
        let (set, _) = parse(vec![ed("a"), ed("b"), rsa()]).expect("set");
        assert_eq!(set.select(Some("b"), Algorithm::EdDSA).expect("b").kid.as_deref(), Some("b"));
        assert_eq!(set.select(Some("c"), Algorithm::EdDSA).expect_err("c"), Miss::UnknownKid);
        assert!(matches!(set.select(Some("a"), Algorithm::RS256), Err(Miss::Refused(_))));
        assert!(matches!(set.select(Some("a"), Algorithm::HS256), Err(Miss::Refused(_))));
        assert_eq!(set.select(None, Algorithm::RS256).expect("one rsa").kid.as_deref(), Some("rsa-1"));
        let Err(Miss::Refused(why)) = set.select(None, Algorithm::EdDSA) else { panic!("two ed keys fit") };
        assert!(why.contains("2 keys"), "{why}");
        assert!(matches!(set.select(None, Algorithm::ES256), Err(Miss::Refused(_))));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let (set, _) = parse(vec![ed("a"), rsa()]).expect("set");
        let shown = format!("{set:?}");
        assert!(shown.contains("\"a\"") && shown.contains("RS256"), "{shown}");
        assert!(!shown.contains(ED_X) && !shown.contains(&rsa()["n"].as_str().expect("n")[..20]), "{shown}");
    }

    #[test]
    fn a_source_is_a_url_or_a_path() {
        assert!(matches!(JwksSource::parse("https://idp/.well-known/jwks.json"), JwksSource::Url(_)));
        assert!(matches!(JwksSource::parse("HTTP://idp/jwks"), JwksSource::Url(_)));
        assert!(matches!(JwksSource::parse("/etc/casebridge/jwks.json"), JwksSource::File(_)));
        let err = Jwks::load(JwksSource::parse("/nonexistent/jwks.json")).expect_err("missing file");
        assert!(err.contains("/nonexistent/jwks.json"), "{err}");
    }
}
