//! Token verification and the principal loaded per request.

use casebridge::auth::{Claims, JwtConfig, JwtKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use crate::support::{AUDIENCE, ISSUER, SECRET, TestApp, code};

const ME: &str = "{ me { login name roles department { code kind } } }";

fn token_with(claims: &Claims, alg: Algorithm, secret: &str) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("encode")
}

fn claims(sub: &str) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims { sub: sub.into(), iss: ISSUER.into(), aud: AUDIENCE.into(), exp: now + 3600, iat: now, nbf: None }
}

#[actix_rt::test]
async fn me_comes_from_the_database_row() {
    let app = TestApp::spawn().await;
    let data = app.data("bureau.officer", ME, json!({})).await;
    assert_eq!(data["me"]["login"], "bureau.officer");
    assert_eq!(data["me"]["roles"], json!(["BUREAU_OFFICER"]));
    assert_eq!(data["me"]["department"]["kind"], "BUREAU");
}

#[actix_rt::test]
async fn requests_without_a_token_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let body = app.gql(None, "{ cases { totalCount } }", json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[actix_rt::test]
async fn bad_tokens_are_rejected() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let cases = [
        ("expired", token_with(&Claims { exp: now - 600, ..claims("admin") }, Algorithm::HS256, SECRET)),
        (
            "wrong audience",
            token_with(&Claims { aud: "other-api".into(), ..claims("admin") }, Algorithm::HS256, SECRET),
        ),
        (
            "wrong issuer",
            token_with(&Claims { iss: "someone-else".into(), ..claims("admin") }, Algorithm::HS256, SECRET),
        ),
        (
            "wrong signature",
            token_with(&claims("admin"), Algorithm::HS256, "another-secret-another-secret-another-secret"),
        ),
        ("another algorithm", token_with(&claims("admin"), Algorithm::HS384, SECRET)),
        ("unknown user", token_with(&claims("nobody"), Algorithm::HS256, SECRET)),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in cases {
        let body = app.gql_with_token(Some(&token), ME, json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}: {body}");
        assert!(body.get("data").is_none_or(|d| d.is_null()), "{what}: no data may leak: {body}");
    }
}

#[actix_rt::test]
async fn a_deactivated_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token("bureau.officer");
    let ok = app.gql_with_token(Some(&token), ME, json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok}");

    app.deactivate("bureau.officer").await;

    let body = app.gql_with_token(Some(&token), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
}

#[test]
fn public_key_configuration_pins_its_algorithm() {
    // An RS256 configuration must refuse an HS256 token signed with the public key as the
    // secret (the classic algorithm-confusion attack).
    let pem = include_bytes!("../fixtures/rs256-public.pem");
    let config = JwtConfig::new(JwtKey::Rs256Pem(pem.to_vec()), ISSUER.into(), AUDIENCE.into()).expect("rs256 config");
    let forged = token_with(&claims("admin"), Algorithm::HS256, std::str::from_utf8(pem).expect("pem"));
    assert!(config.verify(&forged).is_err());
    assert!(JwtConfig::new(JwtKey::Hs256(b"short".to_vec()), ISSUER.into(), AUDIENCE.into()).is_err());
}

#[test]
fn identity_provider_keys_verify_their_own_tokens() {
    let rs_private = include_bytes!("../fixtures/rs256-private.pem");
    let rs_public = include_bytes!("../fixtures/rs256-public.pem");
    let token = encode(
        &Header::new(Algorithm::RS256),
        &claims("admin"),
        &EncodingKey::from_rsa_pem(rs_private).expect("rsa key"),
    )
    .expect("sign rs256");
    let rs =
        JwtConfig::new(JwtKey::Rs256Pem(rs_public.to_vec()), ISSUER.into(), AUDIENCE.into()).expect("rs256 config");
    assert_eq!(rs.verify(&token).expect("valid rs256 token").sub, "admin");

    let ed_private = include_bytes!("../fixtures/ed25519-private.pem");
    let ed_public = include_bytes!("../fixtures/ed25519-public.pem");
    let token = encode(
        &Header::new(Algorithm::EdDSA),
        &claims("admin"),
        &EncodingKey::from_ed_pem(ed_private).expect("ed key"),
    )
    .expect("sign eddsa");
    let ed =
        JwtConfig::new(JwtKey::EdDsaPem(ed_public.to_vec()), ISSUER.into(), AUDIENCE.into()).expect("eddsa config");
    assert_eq!(ed.verify(&token).expect("valid eddsa token").sub, "admin");
    // A key of one family does not accept the other's tokens.
    assert!(rs.verify(&token).is_err());
}
