//! GraphiQL at `/` works offline: in headless Chromium with every host but the server's
//! unreachable, the page loads (everything from the binary, under its own strict policy), runs
//! a query with a bearer token typed into its Headers editor, shows the result, and still has
//! the header after a reload (kept in localStorage).
//!
//! Without Chromium this test fails (CI installs it); `CASEBRIDGE_SKIP_BROWSER=1` skips it.

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::browser::Browser;

/// Nothing but 127.0.0.1 resolves, and everything else goes to a proxy that is not there.
const OFFLINE: [&str; 3] = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
];

/// The text of every CodeMirror editor on the page, or null before GraphiQL has drawn them.
const EDITORS: &str = r#"(() => {
  const query = document.querySelector('.graphiql-query-editor .CodeMirror');
  if (!query) return null;
  const all = [...document.querySelectorAll('.CodeMirror')].map((el) => el.CodeMirror.getValue());
  const result = document.querySelector('.result-window .CodeMirror');
  return {
    query: query.CodeMirror.getValue(),
    editors: all,
    result: result ? result.CodeMirror.getValue() : null,
    stored: Object.keys(localStorage).filter((k) => k.startsWith('graphiql:')).map((k) => localStorage.getItem(k)).join('\n'),
    explorer: !!document.querySelector('[aria-label="Show GraphiQL Explorer"], [aria-label="Hide GraphiQL Explorer"]'),
  };
})()"#;

/// Puts `query` and `headers` into GraphiQL's editors (again while GraphiQL, still starting,
/// resets them) and returns whether both hold them.
fn set_editors(query: &str, headers: &str) -> String {
    format!(
        r#"(() => {{
  const query = document.querySelector('.graphiql-query-editor .CodeMirror');
  const headers = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  if (!query || !headers) return false;
  if (query.CodeMirror.getValue() !== {query}) query.CodeMirror.setValue({query});
  if (headers.CodeMirror.getValue() !== {headers}) headers.CodeMirror.setValue({headers});
  return query.CodeMirror.getValue() === {query} && headers.CodeMirror.getValue() === {headers};
}})()"#,
        headers = json!(headers),
        query = json!(query)
    )
}

#[actix_rt::test]
async fn graphiql_loads_offline_runs_a_query_with_a_token_and_keeps_the_header() {
    let test = "graphiql::graphiql_loads_offline_runs_a_query_with_a_token_and_keeps_the_header";
    let app = TestApp::spawn().await;
    let Some(mut browser) = Browser::launch_with(test, &OFFLINE).await else { return };
    let page = browser.open("graphiql", &format!("{}/", app.address)).await;
    let drawn = browser.wait_for(&page, EDITORS, "GraphiQL drawn", |v| v.is_object()).await;
    assert!(drawn["explorer"].as_bool().unwrap_or(false), "the explorer plugin is there: {drawn}");

    let token = app.token("bureau.officer");
    let headers = json!({ "Authorization": format!("Bearer {token}") }).to_string();
    let typed = set_editors("{ me { login } }", &headers);
    for _ in 0..3 {
        // Held for a while: GraphiQL may still be settling its first tab.
        browser.wait_for(&page, &typed, "the query and the token in the editors", |v| v == &json!(true)).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    browser
        .evaluate(&page, "document.querySelector('.graphiql-execute-button').click(), true")
        .await
        .expect("run clicked");
    let ran = browser
        .wait_for(&page, EDITORS, "the result", |v| v["result"].as_str().is_some_and(|r| r.contains("bureau.officer")))
        .await;
    let result: Value = serde_json::from_str(ran["result"].as_str().unwrap_or("null")).expect("a JSON result");
    assert_eq!(result["data"]["me"]["login"], "bureau.officer", "{result}");

    // Headers persist across a reload, in this browser's storage.
    browser.call(Some(&page.session), "Page.reload", json!({})).await.expect("reload");
    let reloaded = browser
        .wait_for(&page, EDITORS, "the headers after a reload", |v| {
            v["editors"].as_array().is_some_and(|e| e.iter().any(|t| t.as_str().is_some_and(|t| t.contains(&token))))
        })
        .await;
    assert!(reloaded["stored"].as_str().is_some_and(|s| s.contains(&token)), "{reloaded}");

    assert!(browser.faults().is_empty(), "the page broke: {:#?}", browser.faults());
    let failed: Vec<&String> =
        browser.log.iter().filter(|l| l.contains("Failed to load") || l.contains("ERR_")).collect();
    assert!(failed.is_empty(), "everything came from the server: {failed:#?}");
}

#[actix_rt::test]
async fn graphiql_is_off_without_introspection_and_its_assets_are_cached_for_good() {
    let app = TestApp::spawn().await;
    let (status, page) = app.raw("GET", "/", None).await;
    assert_eq!(status, 200);
    let script = page.split("<script src=\"").nth(3).and_then(|s| s.split('"').next()).expect("graphiql's script");
    assert!(script.starts_with("/graphiql/") && script.ends_with("/graphiql.min.js"), "{script}");
    let client = awc::Client::default();
    let response = client.get(format!("{}{script}", app.address)).send().await.expect("asset");
    assert_eq!(response.status(), 200);
    let cache = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cache.contains("immutable"), "{cache}");
    assert!(response.headers().get("etag").is_some());

    let page = client.get(format!("{}/", app.address)).send().await.expect("page");
    let policy = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(policy.contains("script-src 'self'") && !policy.contains("script-src 'self' 'unsafe"), "{policy}");

    let off = TestApp::spawn_with(|s| s.introspection = false).await;
    assert_eq!(off.raw("GET", "/", None).await.0, 404);
    assert_eq!(off.raw("GET", script, None).await.0, 404);
}
