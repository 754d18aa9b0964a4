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

/// Without a token, an expensive field is refused for what it is (it needs a token), whether
/// asked once, aliased or behind a fragment, before its cost is weighed.
#[actix_rt::test]
async fn anonymous_expensive_fields_need_a_token() {
    let app = TestApp::spawn().await;
    for q in [
        "{ annualReport(year: 2023) }".to_string(),
        aliases(3, "annualReport(year: 2023)"),
        "query { ...F } fragment F on Query { statistics(year: 2023) { finesTotal } }".to_string(),
        r#"{ verifyRecordChain(caseId: "x") { intact } }"#.to_string(),
    ] {
        let body = app.gql_with_token(None, &q, json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{q}: {body}");
        assert!(body.get("data").is_none_or(Value::is_null), "nothing ran: {body}");
    }
    let public = app.gql_with_token(None, "{ publications(first: 1) { totalCount } }", json!({})).await;
    assert!(public.get("errors").is_none(), "{public}");
}

#[actix_rt::test]
async fn introspection_needs_a_token() {
    let app = TestApp::spawn().await;
    let q = "{ __schema { queryType { name } } }";
    let body = app.gql_with_token(None, q, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let body = app.gql_with_token(None, "{ __type(name: \"Case\") { name } }", json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    // The public's own reads still work, `__typename` included.
    let body = app.gql_with_token(None, "{ publications(first: 1) { __typename } }", json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let signed = app.data("bureau.officer", q, json!({})).await;
    assert_eq!(signed["__schema"]["queryType"]["name"], "Query");
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

mod sockets {
    use std::time::Duration;

    use actix_codec::Framed;
    use awc::BoxedSocket;
    use awc::ws::{Codec, Frame};
    use futures_util::StreamExt;
    use serde_json::{Value, json};

    use crate::support::TestApp;
    use crate::support::ws::{connect, next, open, send};

    /// Reads until the server closes: its close code, or `None` if it stayed open `secs`.
    async fn closed_with(ws: &mut Framed<BoxedSocket, Codec>, secs: u64) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let frame = tokio::time::timeout_at(deadline, ws.next()).await.ok()??.ok()?;
            if let Frame::Close(reason) = frame {
                return reason.map(|r| u16::from(r.code));
            }
        }
    }

    const FILE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { id } }";

    async fn filing(app: &TestApp, login: &str) -> Value {
        let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
        let f = json!({"town": "北岙街道"});
        let matter = app.data(login, q, json!({"f": f})).await["matters"]["edges"][0]["node"]["code"].clone();
        json!({"input": {"title": "夜间施工噪音", "procedure": "GENERAL", "matterCode": matter,
            "party": {"kind": "PERSON", "name": "钱六"}, "occurredAt": chrono::Utc::now().to_rfc3339(),
            "facts": "现场发现违法行为。"}})
    }

    async fn total(app: &TestApp) -> Value {
        app.data("admin", "{ cases { totalCount } }", json!({})).await["cases"]["totalCount"].clone()
    }

    #[actix_rt::test]
    async fn a_deactivated_users_socket_runs_nothing_more_and_closes_4401() {
        let app = TestApp::spawn().await;
        let mut ws = connect(&app, &app.token("town.beiao"), "graphql-transport-ws").await;
        send(&mut ws, json!({"id": "q1", "type": "subscribe", "payload": {"query": "{ me { login } }"}})).await;
        let first = next(&mut ws, 10).await.expect("an answer");
        assert_eq!(first["payload"]["data"]["me"]["login"], "town.beiao", "{first}");
        assert_eq!(next(&mut ws, 10).await.expect("complete")["type"], "complete");
        let variables = filing(&app, "town.beiao").await;
        let before = total(&app).await;
        app.deactivate("town.beiao").await;
        let payload = json!({"query": FILE, "variables": variables});
        send(&mut ws, json!({"id": "m1", "type": "subscribe", "payload": payload})).await;
        let refused = next(&mut ws, 10).await.expect("a refusal");
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["payload"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
        assert_eq!(closed_with(&mut ws, 10).await, Some(4401));
        // Nothing was filed, and others are served.
        assert_eq!(total(&app).await, before);
    }

    #[actix_rt::test]
    async fn an_expired_token_closes_its_socket_4401() {
        let app = TestApp::spawn().await;
        let short = app.jwt.sign("bureau.officer", chrono::Duration::seconds(2)).expect("sign");
        let mut ws = connect(&app, &short, "graphql-transport-ws").await;
        assert_eq!(closed_with(&mut ws, 15).await, Some(4401));
    }

    #[actix_rt::test]
    async fn a_silent_socket_is_closed_4408_and_others_are_served() {
        let app = TestApp::spawn().await;
        let mut silent: Vec<_> = Vec::new();
        for _ in 0..50 {
            silent.push(open(&app, "graphql-transport-ws").await);
        }
        let me = app.data("admin", "{ me { login } }", json!({})).await;
        assert_eq!(me["me"]["login"], "admin");
        for ws in &mut silent {
            assert_eq!(closed_with(ws, 30).await, Some(4408));
        }
    }

    #[actix_rt::test]
    async fn one_connection_runs_a_bounded_number_of_operations() {
        let app = TestApp::spawn().await;
        let mut ws = connect(&app, &app.token("dashboard"), "graphql-transport-ws").await;
        let max = casebridge::http::ws::MAX_OPERATIONS;
        for i in 0..=max {
            let query = format!("subscription {{ statisticsUpdated(year: {}) {{ cases {{ total }} }} }}", 2023 + i % 2);
            send(&mut ws, json!({"id": format!("s{i}"), "type": "subscribe", "payload": {"query": query}})).await;
        }
        let mut refused = None;
        for _ in 0..(max + 1) * 2 {
            let Some(msg) = next(&mut ws, 20).await else { break };
            if msg["type"] == "error" {
                refused = Some(msg);
                break;
            }
        }
        let refused = refused.expect("one operation refused");
        assert_eq!(refused["id"], format!("s{max}"), "{refused}");
        assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
        // The socket and the server go on.
        send(&mut ws, json!({"id": "q", "type": "complete"})).await;
        let me = app.data("dashboard", "{ me { login } }", json!({})).await;
        assert_eq!(me["me"]["login"], "dashboard");
    }
}

#[actix_rt::test]
async fn control_characters_are_refused_the_same_on_both_backends() {
    let app = TestApp::spawn().await;
    let q = "query($f: CaseFilter) { cases(first: 1, filter: $f) { totalCount } }";
    for (vars, field) in
        [(json!({"f": {"search": "海\u{0}鲜"}}), "f.search"), (json!({"f": {"search": "\u{1b}[2J"}}), "f.search")]
    {
        let body = app.gql(Some("bureau.officer"), q, vars).await;
        assert_eq!((code(&body), crate::support::field(&body)), ("BAD_USER_INPUT", field), "{body}");
    }
    // A literal in the query text is held the same way.
    let body = app
        .gql(Some("bureau.officer"), "{ cases(first: 1, filter: { search: \"a\\u0000b\" }) { totalCount } }", json!({}))
        .await;
    assert_eq!((code(&body), crate::support::field(&body)), ("BAD_USER_INPUT", "filter.search"), "{body}");
    // Multi-line text, right-to-left overrides removed, and the server answers others.
    let ok = app.data("bureau.officer", q, json!({"f": {"search": "第一行\n第二行\u{202E}"}})).await;
    assert!(ok["cases"]["totalCount"].is_number(), "{ok}");
}

#[actix_rt::test]
async fn an_int_out_of_range_or_of_the_wrong_type_is_bad_user_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = app.gql(Some("bureau.officer"), "{ cases(first: 2147483648) { totalCount } }", json!({})).await;
    assert_eq!((code(&body), crate::support::field(&body)), ("BAD_USER_INPUT", "first"), "{body}");
    let q = "query($n: Int) { cases(first: $n) { totalCount } }";
    let body = app.gql(Some("bureau.officer"), q, json!({"n": "ten"})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let body = app.gql(Some("bureau.officer"), q, json!({"n": 2147483648i64})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
}
