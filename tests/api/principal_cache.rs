//! The per-instance caches of the HTTP path: the principal by login (emptied on the "a user's
//! access changed" signal, on every instance over NOTIFY) and, on PostgreSQL, query responses
//! checked against the database's snapshot. A cached answer must never outlive the change it
//! hides.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const UPDATE_USER: &str =
    r#"mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id active roles } }"#;
const ME: &str = "{ me { login roles } }";

async fn user_id(app: &TestApp, login: &str) -> Value {
    let q = r#"query($s: String) { users(first: 5, filter: { search: $s }) { edges { node { id login } } } }"#;
    let data = app.data("admin", q, json!({ "s": login })).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["login"] == login).expect("user")["node"]["id"].clone()
}

/// The value of a counter line of `/metrics` (0 when absent).
async fn metric(app: &TestApp, line: &str) -> u64 {
    let (_, text) = app.raw("GET", "/metrics", None).await;
    text.lines().find_map(|l| l.strip_prefix(line).and_then(|rest| rest.trim().parse().ok())).unwrap_or(0)
}

const PRINCIPAL_HITS: &str = "casebridge_principal_cache_total{result=\"hit\"}";
const RESPONSE_HITS: &str = "casebridge_response_cache_total{result=\"hit\"}";
const RESPONSE_MISSES: &str = "casebridge_response_cache_total{result=\"miss\"}";

#[actix_rt::test]
async fn a_repeated_caller_is_taken_from_the_cache_and_a_deactivation_refuses_the_next_request() {
    let app = TestApp::spawn().await;
    let token = app.token("bureau.officer");
    let officer = user_id(&app, "bureau.officer").await;
    let before = metric(&app, PRINCIPAL_HITS).await;
    // On PostgreSQL the cache is used once the listener listens: ask until it is.
    eventually("a request served with the cached principal", async || {
        let body = app.gql_with_token(Some(&token), ME, json!({})).await;
        assert_eq!(body["data"]["me"]["login"], "bureau.officer", "{body}");
        metric(&app, PRINCIPAL_HITS).await > before
    })
    .await;

    let left = app.data("admin", UPDATE_USER, json!({ "id": officer, "input": { "active": false } })).await;
    assert_eq!(left["updateUser"]["active"], false);
    let body = app.gql_with_token(Some(&token), ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "the cached principal is gone at once: {body}");
}

#[actix_rt::test]
async fn changed_roles_apply_to_the_next_request() {
    let app = TestApp::spawn().await;
    let officer = user_id(&app, "bureau.officer").await;
    let me = app.data("bureau.officer", ME, json!({})).await;
    assert_eq!(me["me"]["roles"], json!(["BUREAU_OFFICER"]), "{me}");
    let me = app.data("bureau.officer", ME, json!({})).await;
    assert_eq!(me["me"]["roles"], json!(["BUREAU_OFFICER"]), "cached now: {me}");

    let input = json!({ "roles": ["BUREAU_OFFICER", "LEGAL_REVIEWER"] });
    app.data("admin", UPDATE_USER, json!({ "id": officer, "input": input })).await;
    let me = app.data("bureau.officer", ME, json!({})).await;
    assert_eq!(me["me"]["roles"], json!(["BUREAU_OFFICER", "LEGAL_REVIEWER"]), "{me}");
    // A role the read rules check: the legal reviewer's queue is open to the officer now.
    let body =
        app.gql(Some("admin"), UPDATE_USER, json!({ "id": officer, "input": { "roles": ["BUREAU_OFFICER"] } })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let me = app.data("bureau.officer", ME, json!({})).await;
    assert_eq!(me["me"]["roles"], json!(["BUREAU_OFFICER"]), "{me}");
}

/// Polls `check` on the other instance until it holds (the NOTIFY is asynchronous).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 30 s");
}

#[actix_rt::test]
#[ignore = "PostgreSQL only: instances share a database"]
async fn on_postgresql_a_change_through_one_instance_reaches_the_cache_of_another() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    let other = TestApp::attach(&app.database_url).await;
    let officer = user_id(&app, "bureau.officer").await;
    let token = other.token("bureau.officer");
    // Cached on B.
    eventually("B serving the cached principal", async || {
        let me = other.gql_with_token(Some(&token), ME, json!({})).await;
        assert_eq!(me["data"]["me"]["roles"], json!(["BUREAU_OFFICER"]), "{me}");
        metric(&other, PRINCIPAL_HITS).await > 0
    })
    .await;

    let input = json!({ "roles": ["BUREAU_OFFICER", "LEGAL_REVIEWER"] });
    app.data("admin", UPDATE_USER, json!({ "id": officer, "input": input })).await;
    eventually("the new roles on B", async || {
        let me = other.gql_with_token(Some(&token), ME, json!({})).await;
        me["data"]["me"]["roles"] == json!(["BUREAU_OFFICER", "LEGAL_REVIEWER"])
    })
    .await;

    app.data("admin", UPDATE_USER, json!({ "id": officer, "input": { "active": false } })).await;
    eventually("the deactivation on B", async || {
        code(&other.gql_with_token(Some(&token), ME, json!({})).await) == "UNAUTHENTICATED"
    })
    .await;
}

const LIST: &str = r#"query($s: [CaseStatus!]) { cases(first: 5, filter: { status: $s }) { edges { node { id version location } } } }"#;
const UPDATE_CASE: &str = r#"mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version location } }"#;

/// The newest case under investigation, as the list shows it.
async fn open_cases(app: &TestApp) -> Value {
    let data = app.data("bureau.officer", LIST, json!({ "s": ["INVESTIGATING"] })).await;
    data["cases"]["edges"][0]["node"].clone()
}

/// Files a case and starts its investigation: the list's first case.
async fn an_open_case(app: &TestApp) {
    crate::lifecycle::investigating(app, json!({})).await;
}

/// A list, a change of a listed case through the API, the same list: it shows the change.
/// Returns the response-cache hits the instance counted.
async fn a_list_shows_a_change_made_through_the_api(app: &TestApp) -> u64 {
    an_open_case(app).await;
    let first = open_cases(app).await;
    let hits = metric(app, RESPONSE_HITS).await;
    // The snapshot is the cluster's: other databases' writes change it too. Asked a few times,
    // the list is answered from the cache when one is on.
    for _ in 0..20 {
        assert_eq!(open_cases(app).await, first, "the same answer again");
        if metric(app, RESPONSE_HITS).await > hits {
            break;
        }
    }
    let input = json!({ "location": "北岙街道中心街 12 号" });
    let v = first["version"].as_i64().expect("version");
    let updated = app.data("bureau.officer", UPDATE_CASE, json!({ "id": first["id"], "v": v, "input": input })).await;
    assert_eq!(updated["updateCase"]["location"], "北岙街道中心街 12 号");
    let after = open_cases(app).await;
    assert_eq!(after["id"], first["id"]);
    assert_eq!(after["location"], "北岙街道中心街 12 号", "{after}");
    assert_eq!(after["version"], updated["updateCase"]["version"], "{after}");
    metric(app, RESPONSE_HITS).await
}

#[actix_rt::test]
#[ignore = "PostgreSQL only: the response cache checks PostgreSQL's snapshot"]
async fn on_postgresql_a_cached_list_shows_a_change_made_through_the_api() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    assert!(a_list_shows_a_change_made_through_the_api(&app).await > 0, "the repeated list was a hit");
}

#[actix_rt::test]
#[ignore = "PostgreSQL only: the response cache checks PostgreSQL's snapshot"]
async fn on_postgresql_without_a_response_cache_the_same_requests_answer_the_same() {
    crate::support::postgres_only();
    let app = TestApp::spawn_with(|s| s.response_cache_bytes = 0).await;
    assert_eq!(a_list_shows_a_change_made_through_the_api(&app).await, 0, "nothing was served from a cache");
}

#[actix_rt::test]
#[ignore = "PostgreSQL only: the response cache checks PostgreSQL's snapshot"]
async fn on_postgresql_a_write_made_beside_casebridge_invalidates_cached_answers() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    an_open_case(&app).await;
    let first = open_cases(&app).await;
    let hits = metric(&app, RESPONSE_HITS).await;
    eventually("the repeated list answered from the cache", async || {
        assert_eq!(open_cases(&app).await, first);
        metric(&app, RESPONSE_HITS).await > hits
    })
    .await;
    let (_, key) = casebridge::graphql::ids::decode_any(first["id"].as_str().expect("id"), "id").expect("global id");
    app.db
        .execute_unprepared(&format!("UPDATE cases SET location = '由 psql 更正' WHERE id = '{key}'"))
        .await
        .expect("update by SQL");
    let after = open_cases(&app).await;
    assert_eq!(after["location"], "由 psql 更正", "{after}");
}

#[actix_rt::test]
#[ignore = "PostgreSQL only: the response cache checks PostgreSQL's snapshot"]
async fn on_postgresql_a_trainees_every_read_is_still_audited() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    let trainee = user_id(&app, "court.trainee").await;
    let log = r#"query($f: AuditFilter) { auditLog(first: 1, filter: $f) { totalCount } }"#;
    let filter = json!({ "f": { "action": "read:case", "userId": trainee } });
    let read = "{ cases(first: 100) { edges { node { id } } } }";
    let listed = app.data("court.trainee", read, json!({})).await;
    let n = listed["cases"]["edges"].as_array().expect("edges").len() as i64;
    assert!(n > 0, "the trainee follows cases");
    let once = app.data("admin", log, filter.clone()).await["auditLog"]["totalCount"].as_i64().expect("count");
    let looked_up = metric(&app, RESPONSE_HITS).await + metric(&app, RESPONSE_MISSES).await;
    assert_eq!(app.data("court.trainee", read, json!({})).await, listed);
    let after = metric(&app, RESPONSE_HITS).await + metric(&app, RESPONSE_MISSES).await;
    assert_eq!(after, looked_up, "a trainee's read never goes near the cache");
    let twice = app.data("admin", log, filter).await["auditLog"]["totalCount"].as_i64().expect("count");
    assert_eq!(twice, once + n, "the second, identical read was audited too");
}

/// A plain list or detail writes nothing (else the response cache could never answer it, and
/// would cost a statement for nothing): a second instance whose connections are read-only
/// answers both without an error.
#[actix_rt::test]
#[ignore = "PostgreSQL only: a read-only database"]
async fn on_postgresql_a_list_and_a_detail_write_nothing() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    an_open_case(&app).await;
    let name = app.database_url.rsplit('/').next().expect("database name").split('?').next().expect("name").to_string();
    app.db
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"))
        .await
        .expect("read-only by default");
    let reader = TestApp::attach_with(&app.database_url, |s| s.response_cache_bytes = 0).await;
    let first = open_cases(&reader).await;
    let detail =
        r#"query($id: ID!) { case(id: $id) { id title party { name } records(first: 20) { edges { node { id } } } } }"#;
    for _ in 0..2 {
        assert_eq!(open_cases(&reader).await, first);
        let body = reader.gql(Some("bureau.officer"), detail, json!({ "id": first["id"] })).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    // A read that writes fails here: the check above has teeth.
    let body = reader.gql(Some("court.trainee"), "{ cases(first: 1) { edges { node { id } } } }", json!({})).await;
    assert!(body.get("errors").is_some(), "a trainee's audited read cannot write here: {body}");
    app.db
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" RESET default_transaction_read_only"))
        .await
        .expect("reset");
}
