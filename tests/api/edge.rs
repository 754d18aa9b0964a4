//! The web edge: CORS, compression, HEAD on the probes, GraphQL over HTTP's media types and
//! status codes, APQ and trusted documents (the request timeout is a unit test in src/http.rs:
//! no query is reliably slow enough to time out here).

use awc::http::header;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

fn client() -> awc::Client {
    awc::Client::builder().timeout(std::time::Duration::from_secs(60)).finish()
}

/// POSTs `body` with these headers; returns status, headers and the body as JSON (Null if not).
async fn post(app: &TestApp, headers: &[(&str, &str)], body: &Value) -> (u16, header::HeaderMap, Value) {
    let mut req = client().post(format!("{}/graphql", app.address)).insert_header(("content-type", "application/json"));
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let mut resp = req.send_body(body.to_string()).await.expect("send");
    let bytes = resp.body().limit(16 << 20).await.expect("body");
    (resp.status().as_u16(), resp.headers().clone(), serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn content_type(headers: &header::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[actix_rt::test]
async fn cors_allows_only_the_listed_origins() {
    let app = TestApp::spawn_with(|s| s.cors_origins = vec!["https://app.example".into()]).await;
    let preflight = |origin: &'static str| {
        client()
            .request(awc::http::Method::OPTIONS, format!("{}/graphql", app.address))
            .insert_header(("origin", origin))
            .insert_header(("access-control-request-method", "POST"))
            .insert_header(("access-control-request-headers", "authorization, content-type"))
            .send()
    };
    let allowed = preflight("https://app.example").await.expect("preflight");
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").map(|v| v.as_bytes()),
        Some(&b"https://app.example"[..])
    );
    let refused = preflight("https://evil.example").await.expect("preflight");
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    // A simple request from elsewhere is answered without the header: the browser hides it.
    let (status, headers, _) =
        post(&app, &[("origin", "https://evil.example")], &json!({"query": "{ __typename }"})).await;
    assert_eq!(status, 200);
    assert!(headers.get("access-control-allow-origin").is_none());

    // By default no other origin is allowed.
    let closed = TestApp::spawn().await;
    let response = client()
        .request(awc::http::Method::OPTIONS, format!("{}/graphql", closed.address))
        .insert_header(("origin", "https://app.example"))
        .insert_header(("access-control-request-method", "POST"))
        .send()
        .await
        .expect("preflight");
    assert_eq!(response.status(), 400);
}

#[actix_rt::test]
async fn a_listed_origin_may_upload_with_tus_and_read_a_download() {
    let app = TestApp::spawn_with(|s| s.cors_origins = vec!["https://app.example".into()]).await;
    let preflight = client()
        .request(awc::http::Method::OPTIONS, format!("{}/files/uploads/0193", app.address))
        .insert_header(("origin", "https://app.example"))
        .insert_header(("access-control-request-method", "PATCH"))
        .insert_header(("access-control-request-headers", "authorization, content-type, tus-resumable, upload-offset"))
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let methods = preflight.headers().get("access-control-allow-methods").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(methods.contains("PATCH") && methods.contains("DELETE"), "{methods}");
    // What a tus client and a video player read of the answers.
    let (_, headers, _) = post(&app, &[("origin", "https://app.example")], &json!({"query": "{ __typename }"})).await;
    let exposed =
        headers.get("access-control-expose-headers").and_then(|v| v.to_str().ok()).unwrap_or("").to_lowercase();
    for name in ["location", "upload-offset", "upload-sha256", "tus-resumable", "content-range", "content-disposition"]
    {
        assert!(exposed.contains(name), "{name} is not exposed: {exposed}");
    }
}

#[actix_rt::test]
async fn responses_are_compressed_and_probes_answer_head() {
    let app = TestApp::spawn().await;
    for encoding in ["gzip", "br"] {
        let response = client()
            .get(format!("{}/", app.address))
            .insert_header(("accept-encoding", encoding))
            .send()
            .await
            .expect("page");
        assert_eq!(response.headers().get("content-encoding").map(|v| v.as_bytes()), Some(encoding.as_bytes()));
    }
    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = client().head(format!("{}{path}", app.address)).send().await.expect("head");
        assert_eq!(response.status(), 200, "HEAD {path}");
    }
}

#[actix_rt::test]
async fn graphql_over_http_media_types_and_status_codes() {
    let app = TestApp::spawn().await;
    let gr = ("accept", "application/graphql-response+json");
    let (status, headers, body) = post(&app, &[gr], &json!({"query": "{ __typename }"})).await;
    assert_eq!((status, body["data"]["__typename"].as_str()), (200, Some("Query")));
    assert!(content_type(&headers).starts_with("application/graphql-response+json"));

    // Request errors: 400 without `data` for graphql-response+json, 200 for application/json.
    for query in ["{ __typename", "{ noSuchField }"] {
        let (status, _, body) = post(&app, &[gr], &json!({"query": query})).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.get("data").is_none(), "{body}");
        let (status, headers, body) = post(&app, &[("accept", "application/json")], &json!({"query": query})).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(content_type(&headers).starts_with("application/json"));
    }
    let coercion = json!({"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": null}});
    assert_eq!(post(&app, &[gr], &coercion).await.0, 400);

    // An Authorization header that fails is 401 for graphql-response+json.
    let (status, _, body) =
        post(&app, &[gr, ("authorization", "Bearer nonsense")], &json!({"query": "{ __typename }"})).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"), "{body}");

    let (status, _, _) = post(&app, &[("accept", "text/html")], &json!({"query": "{ __typename }"})).await;
    assert_eq!(status, 406);
    let (status, _, body) = post(&app, &[], &json!({"notquery": "{ __typename }"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = post(&app, &[], &json!({"query": 1})).await;
    assert_eq!(status, 400);

    let no_type = client()
        .post(format!("{}/graphql", app.address))
        .send_body(json!({"query": "{ __typename }"}).to_string())
        .await
        .expect("send");
    assert_eq!(no_type.status(), 415);
    let latin1 = client()
        .post(format!("{}/graphql", app.address))
        .insert_header(("content-type", "application/json; charset=iso-8859-1"))
        .send_body(json!({"query": "{ __typename }"}).to_string())
        .await
        .expect("send");
    assert_eq!(latin1.status(), 415);

    let mutation =
        client().get(format!("{}/graphql?query=mutation%7B__typename%7D", app.address)).send().await.expect("send");
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers().get("allow").map(|v| v.as_bytes()), Some(&b"POST"[..]));
    let put = client().put(format!("{}/graphql", app.address)).send().await.expect("send");
    assert_eq!(put.status(), 405);
}

#[actix_rt::test]
async fn apq_asks_for_the_query_once_then_runs_the_hash() {
    let app = TestApp::spawn().await;
    let query = "{ __typename }";
    let hash = sha256(query);
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let (status, _, body) = post(&app, &[], &json!({"extensions": extensions})).await;
    assert_eq!((status, code(&body)), (200, "PERSISTED_QUERY_NOT_FOUND"), "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let (_, _, body) = post(&app, &[], &json!({"query": "{ nope }", "extensions": extensions})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "a query that is not the hash's: {body}");
    let (_, _, body) = post(&app, &[], &json!({"query": query, "extensions": extensions})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    let (_, _, body) = post(&app, &[], &json!({"extensions": extensions})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    // Over GET, as Apollo Client sends it.
    let url = format!(
        "{}/graphql?extensions={}",
        app.address,
        percent(&json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string())
    );
    let mut response = client().get(url).send().await.expect("send");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[actix_rt::test]
async fn trusted_documents_run_alone_except_for_admins() {
    let allowed = "query Me { me { login } }";
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("manifest.json");
    let apollo = json!({"format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": sha256(allowed), "name": "Me", "type": "query", "body": allowed}]});
    std::fs::write(&manifest, apollo.to_string()).expect("manifest");
    let path = manifest.clone();
    let app = TestApp::spawn_with(move |s| s.trusted_documents = Some(path)).await;
    let officer = app.token("bureau.officer");
    let bearer = format!("Bearer {officer}");
    let auth = [("authorization", bearer.as_str())];

    let (_, _, body) = post(&app, &auth, &json!({"query": allowed})).await;
    assert_eq!(body["data"]["me"]["login"], "bureau.officer", "the document itself: {body}");
    let (_, _, body) = post(&app, &auth, &json!({"documentId": format!("sha256:{}", sha256(allowed))})).await;
    assert_eq!(body["data"]["me"]["login"], "bureau.officer", "by documentId: {body}");
    let apq = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256(allowed)}});
    let (_, _, body) = post(&app, &auth, &json!({"extensions": apq})).await;
    assert_eq!(body["data"]["me"]["login"], "bureau.officer", "by APQ hash: {body}");

    let (status, _, body) = post(&app, &auth, &json!({"query": "{ me { id } }"})).await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN"), "{body}");
    let (_, _, body) = post(&app, &auth, &json!({"documentId": sha256("{ me { id } }")})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    let body = app.gql(Some("admin"), "{ me { id } }", json!({})).await;
    assert!(body.get("errors").is_none(), "admins keep ad-hoc queries: {body}");

    // A bad manifest stops the start.
    std::fs::write(&manifest, "{\"not\": \"{ graphql\"}").expect("manifest");
    let mut settings = casebridge::config::Settings::new(String::from("sqlite::memory:"), crate::support::jwt());
    settings.trusted_documents = Some(manifest);
    assert!(casebridge::http::persisted::Persisted::load(&settings).is_err());
}
