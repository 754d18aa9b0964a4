//! Every error carries an `extensions.code` of api.md, and bad input names its field.

use serde_json::json;

use crate::support::{TestApp, code, field};

#[actix_rt::test]
async fn syntax_and_validation_errors_have_graphql_codes() {
    let app = TestApp::spawn().await;
    let body = app.gql(Some("admin"), "{ cases { totalCount }", json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
    let body = app.gql(Some("admin"), "{ cases { noSuchField } }", json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let body = app.gql(Some("admin"), "{ case { id } }", json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "missing required argument: {body}");
}

#[actix_rt::test]
async fn malformed_values_are_bad_user_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = app.gql(Some("admin"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": "nonsense"})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "id"), "{body}");

    let q = "query($f: CaseFilter) { cases(filter: $f) { totalCount } }";
    let body = app.gql(Some("admin"), q, json!({"f": {"filedFrom": "yesterday"}})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "filter.filedFrom"), "{body}");

    let body = app.gql(Some("admin"), q, json!({"f": {"departmentId": "x"}})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "filter.departmentId"), "{body}");

    let body = app.gql(Some("admin"), "{ cases(first: 101) { totalCount } }", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "first"), "{body}");

    let body = app.gql(Some("admin"), "{ cases(after: \"bogus\") { totalCount } }", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "after"), "{body}");
}

#[actix_rt::test]
async fn an_id_of_another_type_or_an_invisible_case_is_not_found_or_bad_input() {
    let app = TestApp::spawn().await;
    let me = app.data("admin", "{ me { id } }", json!({})).await;
    let user_id = me["me"]["id"].as_str().expect("id").to_string();
    let body = app.gql(Some("admin"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": user_id})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "id"), "{body}");

    // A case the dashboard may not see is NOT_FOUND, never FORBIDDEN.
    let any = app.data("admin", "{ cases(first: 1) { edges { node { id } } } }", json!({})).await;
    let case_id = any["cases"]["edges"][0]["node"]["id"].clone();
    let body = app.gql(Some("dashboard"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": case_id})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(Some("dashboard"), "query($id: ID!) { node(id: $id) { id } }", json!({"id": case_id})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[actix_rt::test]
async fn runaway_queries_are_refused_as_too_complex() {
    let app = TestApp::spawn().await;
    let q = "{ cases(first: 100) { edges { node { transfers { resultingCase { transfers { resultingCase { transfers { resultingCase { transfers { resultingCase { id } } } } } } } } } } } }";
    let body = app.gql(Some("admin"), q, json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "too deep: {body}");

    // Wide rather than deep: 100 cases × 100 records × everything.
    let wide = "{ cases(first: 100) { edges { node { records(first: 100) { edges { node { id kind content hash previousHash recordedAt submittedAt seq corrects { id content hash } } } } } } } }";
    let body = app.gql(Some("admin"), wide, json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "too wide: {body}");
}
