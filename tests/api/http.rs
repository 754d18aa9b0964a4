//! The HTTP surface around GraphQL.

use serde_json::json;

use crate::support::{TestApp, code};

#[actix_rt::test]
async fn health_readiness_graphiql_and_metrics_are_served() {
    let app = TestApp::spawn().await;
    assert_eq!(app.raw("GET", "/healthz", None).await.0, 200);
    assert_eq!(app.raw("GET", "/readyz", None).await.0, 200);
    let (status, page) = app.raw("GET", "/", None).await;
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"), "GraphiQL page expected");

    app.data("admin", "query CountCases { cases { totalCount } }", json!({})).await;
    let bad = app.gql(Some("admin"), "query Broken { nope }", json!({})).await;
    assert_eq!(code(&bad), "GRAPHQL_VALIDATION_FAILED");
    let (status, metrics) = app.raw("GET", "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("casebridge_graphql_requests_total{operation=\"CountCases\"} 1"), "{metrics}");
    assert!(metrics.contains("casebridge_graphql_duration_seconds_count{operation=\"CountCases\"} 1"), "{metrics}");
    assert!(
        metrics.contains("casebridge_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\",operation=\"Broken\"} 1"),
        "{metrics}"
    );
}

#[actix_rt::test]
async fn get_serves_queries_but_refuses_mutations_and_bad_bodies_are_parse_errors() {
    let app = TestApp::spawn().await;
    let (status, body) = app.raw("GET", "/graphql?query=%7B__typename%7D", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Query"), "{body}");

    let (status, body) = app.raw("GET", "/graphql?query=mutation%7B__typename%7D", None).await;
    assert_eq!(status, 405, "{body}");

    let (status, body) = app.raw("POST", "/graphql", Some("{not json")).await;
    assert_eq!(status, 400);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json error body");
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
}
