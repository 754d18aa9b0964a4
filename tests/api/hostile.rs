//! Hostile input (issue 12): each class of attack gets its code, decided before any resolver
//! runs, while another client is still served.

use serde_json::{Value, json};

use crate::support::{TestApp, code};

fn aliases(n: usize, field: &str) -> String {
    let body: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
    format!("{{ {body} }}")
}

fn limit(body: &Value) -> &str {
    body["errors"][0]["extensions"]["limit"].as_str().unwrap_or("")
}

#[actix_rt::test]
async fn an_anonymous_alias_bomb_is_refused_and_the_public_still_reads() {
    let app = TestApp::spawn().await;
    // The finding: 6,000 aliases of a 100-row page, 309 KB, sent 8 times at once.
    let bomb = aliases(6000, "publications(first: 100) { edges { cursor } }");
    let bombs = (0..8).map(|_| app.gql_with_token(None, &bomb, json!({})));
    let normal = app.gql_with_token(None, "{ publications(first: 5) { edges { node { title } } } }", json!({}));
    let (refused, served) = futures_util::future::join(futures_util::future::join_all(bombs), normal).await;
    for body in &refused {
        assert_eq!((code(body), limit(body)), ("QUERY_TOO_COMPLEX", "queryBytes"), "{body}");
        assert!(body.get("data").is_none_or(Value::is_null), "nothing ran: {body}");
    }
    assert!(served.get("errors").is_none(), "{served}");
    assert_eq!(served["data"]["publications"]["edges"].as_array().map(Vec::len), Some(5));

    // Shorter, but too many root fields, aliases, or too much cost.
    let body = app.gql_with_token(None, &aliases(6, "publications(first: 1) { edges { cursor } }"), json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "rootFields"), "{body}");
    let nested = "{ publications(first: 1) { edges { a: cursor b: cursor c: cursor d: cursor e: cursor f: cursor \
                  g: cursor h: cursor i: cursor j: cursor k: cursor } } }";
    let body = app.gql_with_token(None, nested, json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "aliases"), "{body}");
    let wide = aliases(5, "publications(first: 100) { edges { cursor node { id title content publishedAt } } }");
    let body = app.gql_with_token(None, &wide, json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "cost"), "{body}");
}

#[actix_rt::test]
async fn a_signed_alias_bomb_and_aliased_expensive_fields_are_refused() {
    let app = TestApp::spawn().await;
    let bomb = aliases(2000, "cases(first: 100) { edges { cursor } }");
    let body = app.gql(Some("bureau.officer"), &bomb, json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "rootFields"), "{body}");
    let body = app.gql(Some("bureau.officer"), &aliases(20_000, "me { id }"), json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "queryBytes"), "{body}");

    // 2,000 annual reports (the finding) and the smallest number that passes the budget.
    let body = app.gql(Some("dashboard"), &aliases(2000, "annualReport(year: 2023)"), json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
    let body = app.gql(Some("dashboard"), &aliases(5, "annualReport(year: 2023)"), json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "cost"), "{body}");
    let body = app.gql(Some("dashboard"), &aliases(11, "statistics(year: 2023) { finesTotal }"), json!({})).await;
    assert_eq!((code(&body), limit(&body)), ("QUERY_TOO_COMPLEX", "cost"), "{body}");
    // One report is fine, and `me` answers meanwhile.
    let one = app.data("dashboard", "{ annualReport(year: 2023) }", json!({})).await;
    assert!(one["annualReport"].as_str().is_some_and(|r| r.contains("2023")), "{one}");
    let me = app.data("bureau.officer", "{ me { login } }", json!({})).await;
    assert_eq!(me["me"]["login"], "bureau.officer");
}

#[actix_rt::test]
async fn a_fragment_cycle_is_a_validation_error() {
    let app = TestApp::spawn().await;
    let q = "{ publications { edges { node { ...a } } } } \
             fragment a on Publication { title ...b } fragment b on Publication { id ...a }";
    let body = app.gql_with_token(None, q, json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
}

fn signed(claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(crate::support::SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), claims, &key).expect("encode")
}

#[actix_rt::test]
async fn tokens_from_the_future_are_refused_within_the_leeway() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let claims = |iat: i64, nbf: Option<i64>| {
        let mut c = json!({ "sub": "admin", "iss": crate::support::ISSUER, "aud": crate::support::AUDIENCE,
                            "exp": now + 3600, "iat": iat });
        if let Some(nbf) = nbf {
            c["nbf"] = nbf.into();
        }
        signed(&c)
    };
    let day = 86_400;
    for (what, token) in [
        ("nbf a day ahead", claims(now, Some(now + day))),
        ("iat ten years ahead", claims(now + 3650 * day, None)),
        ("iat two minutes ahead", claims(now + 120, None)),
    ] {
        let body = app.gql_with_token(Some(&token), "{ me { login } }", json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}: {body}");
    }
    let mut no_iat = json!({ "sub": "admin", "iss": crate::support::ISSUER, "aud": crate::support::AUDIENCE,
                             "exp": now + 3600 });
    let body = app.gql_with_token(Some(&signed(&no_iat)), "{ me { login } }", json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "no iat: {body}");
    // A clock a few seconds apart is tolerated.
    no_iat["iat"] = (now + 20).into();
    no_iat["nbf"] = (now + 20).into();
    let body = app.gql_with_token(Some(&signed(&no_iat)), "{ me { login } }", json!({})).await;
    assert_eq!(body["data"]["me"]["login"], "admin", "{body}");
}
