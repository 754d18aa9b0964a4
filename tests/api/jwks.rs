//! Keys as an identity provider hands them: a JWKS served by an HTTP server the test starts
//! (or a file), two Ed25519 keys (`tests/fixtures/jwks-{a,b}-*.pem`), tokens that pick their
//! key by `kid`, and a rotation under load in which no token whose key was published when it
//! was sent may be refused.
//!
//! The HTTP edge and the WebSocket handshake verify with `JwtConfig::verify_fresh`: a key
//! published a moment ago, not yet in the cached set, is read on its first token.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use casebridge::auth::jwks::JwksSource;
use casebridge::auth::{Claims, JwtConfig, JwtKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::support::{AUDIENCE, ISSUER, TestApp, code};

const ME: &str = "{ me { login } }";
const LOGIN: &str = "bureau.officer";

/// The public JWK of fixture key `name` (`a` or `b`), with `kid` = name.
fn jwk(name: &str) -> Value {
    let pem = match name {
        "a" => include_str!("../fixtures/jwks-a-public.pem"),
        _ => include_str!("../fixtures/jwks-b-public.pem"),
    };
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).expect("pem base64");
    // An Ed25519 SPKI is a 12-byte prefix and the 32-byte raw key.
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&der[der.len() - 32..]);
    json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": name, "x": x})
}

/// A token for `login` signed with fixture key `name`, naming it as kid (`kid: false`: none).
fn sign(name: &str, login: &str, kid: bool) -> String {
    let pem: &[u8] = match name {
        "a" => include_bytes!("../fixtures/jwks-a-private.pem"),
        _ => include_bytes!("../fixtures/jwks-b-private.pem"),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = kid.then(|| name.to_string());
    let now = chrono::Utc::now().timestamp();
    let claims =
        Claims { sub: login.into(), iss: ISSUER.into(), aud: AUDIENCE.into(), exp: now + 600, iat: now, nbf: None };
    encode(&header, &claims, &EncodingKey::from_ed_pem(pem).expect("ed key")).expect("sign")
}

/// The identity provider: serves `{"keys": [...]}` for the kids it publishes (or a failure).
struct Idp {
    url: String,
    published: Arc<RwLock<Vec<String>>>,
    broken: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
}

impl Idp {
    fn start(kids: &[&str]) -> Self {
        let published = Arc::new(RwLock::new(kids.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
        let broken = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let (p, b, h) = (Arc::clone(&published), Arc::clone(&broken), Arc::clone(&hits));
        // A system of its own: `JwtConfig::new` reads the set synchronously, blocking the
        // test's runtime while it does.
        let (ports, port) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let (p, b, h) = (Arc::clone(&p), Arc::clone(&b), Arc::clone(&h));
                    App::new().route(
                        "/jwks.json",
                        web::get().to(move || {
                            let (p, b, h) = (Arc::clone(&p), Arc::clone(&b), Arc::clone(&h));
                            async move {
                                h.fetch_add(1, Ordering::SeqCst);
                                if b.load(Ordering::SeqCst) {
                                    return HttpResponse::InternalServerError().body("down");
                                }
                                let keys: Vec<Value> = p.read().expect("published").iter().map(|k| jwk(k)).collect();
                                HttpResponse::Ok().json(json!({ "keys": keys }))
                            }
                        }),
                    )
                })
                .workers(1)
                .disable_signals()
                .bind("127.0.0.1:0")
                .expect("bind idp");
                ports.send(server.addrs()[0].port()).expect("send port");
                server.run().await.expect("idp server");
            })
        });
        let port = port.recv().expect("idp port");
        Self { url: format!("http://127.0.0.1:{port}/jwks.json"), published, broken, hits }
    }

    fn publish(&self, kids: &[&str]) {
        *self.published.write().expect("published") = kids.iter().map(|k| k.to_string()).collect();
    }

    fn is_published(&self, kid: &str) -> bool {
        self.published.read().expect("published").iter().any(|k| k == kid)
    }

    /// The verifying side, reading this provider; `refresh`: the scheduled re-read (zero: off).
    fn config(&self, refresh: Duration) -> JwtConfig {
        JwtConfig::new(JwtKey::Jwks(JwksSource::Url(self.url.clone())), ISSUER.into(), AUDIENCE.into())
            .expect("jwks config")
            .with_jwks_refresh(refresh)
    }
}

fn is_ok(body: &Value) -> bool {
    body.get("errors").is_none() && body["data"]["me"]["login"] == LOGIN
}

#[actix_rt::test]
async fn tokens_pick_their_key_by_kid_and_unknown_kids_are_refused() {
    let idp = Idp::start(&["a"]);
    let config = idp.config(Duration::ZERO);
    let app = TestApp::spawn_with(|s| s.jwt = config.clone()).await;

    assert!(is_ok(&app.gql_with_token(Some(&sign("a", LOGIN, true)), ME, json!({})).await));
    let body = app.gql_with_token(Some(&sign("b", LOGIN, true)), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    assert!(body.get("data").is_none_or(|d| d.is_null()), "{body}");

    // Without a kid: the one key of the algorithm is taken...
    assert!(is_ok(&app.gql_with_token(Some(&sign("a", LOGIN, false)), ME, json!({})).await));
    // ...but with two keys live, which one is meant is unknown: refused, and said so.
    idp.publish(&["a", "b"]);
    assert!(config.jwks().expect("a key set").refresh().await);
    let body = app.gql_with_token(Some(&sign("a", LOGIN, false)), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("kid")), "{body}");
    assert!(is_ok(&app.gql_with_token(Some(&sign("b", LOGIN, true)), ME, json!({})).await));

    // A withdrawn key's tokens are refused once the set is read again.
    idp.publish(&["b"]);
    assert!(config.jwks().expect("a key set").refresh().await);
    let body = app.gql_with_token(Some(&sign("a", LOGIN, true)), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    assert!(is_ok(&app.gql_with_token(Some(&sign("b", LOGIN, true)), ME, json!({})).await));
}

#[actix_rt::test]
async fn verify_fresh_reads_a_just_published_key_once_for_many_tokens() {
    let idp = Idp::start(&["a"]);
    let config = idp.config(Duration::ZERO);
    let jwks = Arc::clone(config.jwks().expect("a key set"));
    assert_eq!(jwks.reads(), 1);

    // Unknown kid: one re-read, then refused; more unknown kids within the cooldown read nothing.
    let b = sign("b", LOGIN, true);
    let err = config.verify_fresh(&b).await.expect_err("b is not published");
    assert!(format!("{err:?}").contains("kid"), "{err:?}");
    assert_eq!(jwks.reads(), 2);
    for _ in 0..20 {
        assert!(config.verify_fresh(&b).await.is_err());
    }
    assert_eq!(jwks.reads(), 2, "unknown kids must not hammer the identity provider");

    // A removed key's tokens are refused after the re-read; a failed re-read keeps the set.
    let idp = Idp::start(&["a", "b"]);
    let config = idp.config(Duration::ZERO);
    let jwks = Arc::clone(config.jwks().expect("a key set"));
    idp.broken.store(true, Ordering::SeqCst);
    assert!(!jwks.refresh().await, "a failing provider is no new set");
    assert!(config.verify(&sign("a", LOGIN, true)).is_ok(), "the old set stays");
    idp.broken.store(false, Ordering::SeqCst);
    idp.publish(&["b"]);
    assert!(jwks.refresh().await);
    assert!(config.verify_fresh(&sign("a", LOGIN, true)).await.is_err());
    assert!(config.verify(&sign("b", LOGIN, true)).is_ok());
}

/// Who sent what, and whether it passed when its key was published throughout.
#[derive(Default)]
struct Ledger {
    sent: AtomicUsize,
    wrongly_refused: Mutex<Vec<String>>,
}

/// The rotation: A only; publish B beside A; sign with B; withdraw A. Each phase lasts until
/// every client has sent `per_phase` more requests (no wall-clock assumptions).
async fn rotate(idp: &Idp, signer: &RwLock<&'static str>, ledger: &Ledger, clients: usize, stop: &AtomicBool) {
    let per_phase = 20 * clients;
    let wait = |target: usize| async move {
        while ledger.sent.load(Ordering::SeqCst) < target {
            actix_rt::time::sleep(Duration::from_millis(5)).await;
        }
    };
    wait(per_phase).await;
    idp.publish(&["a", "b"]);
    wait(ledger.sent.load(Ordering::SeqCst) + per_phase).await;
    *signer.write().expect("signer") = "b";
    wait(ledger.sent.load(Ordering::SeqCst) + per_phase).await;
    idp.publish(&["b"]);
    wait(ledger.sent.load(Ordering::SeqCst) + per_phase).await;
    stop.store(true, Ordering::SeqCst);
}

/// One client: signs with the current key, sends, and notes a refusal of a token whose key
/// was published before it was sent and still after the answer came.
async fn client<F, Fut>(idp: &Idp, signer: &RwLock<&'static str>, ledger: &Ledger, stop: &AtomicBool, send: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    while !stop.load(Ordering::SeqCst) {
        let kid = *signer.read().expect("signer");
        let published_before = idp.is_published(kid);
        let outcome = send(sign(kid, LOGIN, true)).await;
        let published_after = idp.is_published(kid);
        ledger.sent.fetch_add(1, Ordering::SeqCst);
        if let Err(why) = outcome
            && published_before
            && published_after
        {
            ledger.wrongly_refused.lock().expect("ledger").push(format!("kid {kid}: {why}"));
        }
        actix_rt::task::yield_now().await;
    }
}

#[actix_rt::test]
async fn verify_fresh_follows_a_rotation_under_load() {
    const CLIENTS: usize = 16;
    let idp = Idp::start(&["a"]);
    // No scheduled re-read: the new key must be found on demand.
    let config = idp.config(Duration::ZERO);
    let signer = RwLock::new("a");
    let ledger = Ledger::default();
    let stop = AtomicBool::new(false);
    let send = |token: String| {
        let config = config.clone();
        async move { config.verify_fresh(&token).await.map(|_| ()).map_err(|e| format!("{e:?}")) }
    };
    let clients = (0..CLIENTS).map(|_| client(&idp, &signer, &ledger, &stop, send));
    futures_util::join!(rotate(&idp, &signer, &ledger, CLIENTS, &stop), futures_util::future::join_all(clients));

    let refused = std::mem::take(&mut *ledger.wrongly_refused.lock().expect("ledger"));
    assert!(refused.is_empty(), "{} valid tokens refused: {:?}", refused.len(), &refused[..refused.len().min(5)]);
    // Start-up, and the one re-read when B's first token came: not one per token.
    let reads = config.jwks().expect("a key set").reads();
    assert!(reads <= 3, "{reads} reads of the key set");
    // A is withdrawn but still cached (nothing asked for an unknown kid since): the next
    // re-read drops it.
    assert!(config.jwks().expect("a key set").refresh().await);
    assert!(config.verify_fresh(&sign("a", LOGIN, true)).await.is_err());
    assert!(idp.hits.load(Ordering::SeqCst) >= 2);
}

#[actix_rt::test]
async fn http_rotation_under_load_refuses_no_valid_token() {
    const CLIENTS: usize = 8;
    let idp = Idp::start(&["a"]);
    let config = idp.config(Duration::from_secs(3600));
    let app = TestApp::spawn_with(|s| s.jwt = config.clone()).await;
    let signer = RwLock::new("a");
    let ledger = Ledger::default();
    let stop = AtomicBool::new(false);
    let app = &app;
    let send = |token: String| async move {
        let body = app.gql_with_token(Some(&token), ME, json!({})).await;
        if is_ok(&body) { Ok(()) } else { Err(body.to_string()) }
    };
    let clients = (0..CLIENTS).map(|_| client(&idp, &signer, &ledger, &stop, send));
    futures_util::join!(rotate(&idp, &signer, &ledger, CLIENTS, &stop), futures_util::future::join_all(clients));

    let refused = std::mem::take(&mut *ledger.wrongly_refused.lock().expect("ledger"));
    assert!(refused.is_empty(), "{} valid tokens refused: {:?}", refused.len(), &refused[..refused.len().min(5)]);
    let jwks = config.jwks().expect("a key set");
    assert!(jwks.reads() <= 3, "{} reads of the key set", jwks.reads());
    assert!(jwks.refresh().await);
    let body = app.gql_with_token(Some(&sign("a", LOGIN, true)), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
}

#[actix_rt::test]
async fn a_jwks_file_is_re_read_on_the_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jwks.json");
    let write = |kids: &[&str]| {
        let keys: Vec<Value> = kids.iter().map(|k| jwk(k)).collect();
        // Written whole, then renamed, as a deployment would: a reader never sees half a file.
        let partial = dir.path().join("jwks.json.new");
        std::fs::write(&partial, json!({ "keys": keys }).to_string()).expect("write jwks");
        std::fs::rename(&partial, &path).expect("rename jwks");
    };
    write(&["a"]);
    let config =
        JwtConfig::new(JwtKey::Jwks(JwksSource::parse(&path.display().to_string())), ISSUER.into(), AUDIENCE.into())
            .expect("jwks file config")
            .with_jwks_refresh(Duration::from_secs(1));
    let app = TestApp::spawn_with(|s| s.jwt = config).await;
    assert!(is_ok(&app.gql_with_token(Some(&sign("a", LOGIN, true)), ME, json!({})).await));

    write(&["b"]);
    // The scheduled re-read (every second) picks B up and drops A; plain `verify` sees it.
    let mut tries = 0;
    loop {
        let a = app.gql_with_token(Some(&sign("a", LOGIN, true)), ME, json!({})).await;
        let b = app.gql_with_token(Some(&sign("b", LOGIN, true)), ME, json!({})).await;
        if is_ok(&b) && !is_ok(&a) {
            assert_eq!(code(&a), "UNAUTHENTICATED", "{a}");
            break;
        }
        tries += 1;
        assert!(tries < 600, "the key set file was not re-read: a {a}, b {b}");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_key_set_without_usable_keys_or_unreachable_is_a_start_up_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = dir.path().join("secrets.json");
    std::fs::write(&secrets, r#"{"keys": [{"kty": "oct", "kid": "h", "alg": "HS256", "k": "c2VjcmV0"}]}"#)
        .expect("write");
    let err = JwtConfig::new(JwtKey::Jwks(JwksSource::File(secrets.clone())), ISSUER.into(), AUDIENCE.into())
        .expect_err("a set of secrets");
    assert!(err.contains(&secrets.display().to_string()) && err.contains("no usable key"), "{err}");

    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/jwks.json");
    let err = JwtConfig::new(JwtKey::Jwks(JwksSource::parse(&url)), ISSUER.into(), AUDIENCE.into())
        .expect_err("nobody answers");
    assert!(err.contains(&url), "{err}");
}

#[actix_rt::test]
async fn no_key_material_in_debug() {
    let idp = Idp::start(&["a", "b"]);
    let config = idp.config(Duration::ZERO);
    let shown = format!("{config:?} {:?}", config.jwks().expect("a key set"));
    assert!(shown.contains(&idp.url) && shown.contains("\"a\"") && shown.contains("\"b\""), "{shown}");
    for name in ["a", "b"] {
        let x = jwk(name)["x"].as_str().expect("x").to_string();
        assert!(!shown.contains(&x), "{shown}");
    }
    let set: HashSet<&str> = ["a", "b"].into();
    assert_eq!(config.jwks().expect("a key set").current().kids().into_iter().collect::<HashSet<_>>(), set);
}

#[test]
fn the_command_line_takes_one_key_source_and_names_a_bad_one() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_casebridge"))
            .args(args)
            .env_remove("CASEBRIDGE_JWT_SECRET")
            .env_remove("CASEBRIDGE_JWT_PUBLIC_KEY")
            .env_remove("CASEBRIDGE_JWT_JWKS")
            .output()
            .expect("run casebridge");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, err) = run(&["token", "--user", "admin", "--jwt-jwks", "/nonexistent/jwks.json"]);
    assert!(!ok && err.contains("/nonexistent/jwks.json"), "{err}");
    let (ok, err) = run(&[
        "token",
        "--user",
        "admin",
        "--jwt-secret",
        "0123456789abcdef0123456789abcdef",
        "--jwt-jwks",
        "/nonexistent/jwks.json",
    ]);
    assert!(!ok && err.contains("not several"), "{err}");
}
