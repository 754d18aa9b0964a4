//! GraphQL over HTTP conformance: graphql-http's server audits (the spec's own list, pinned in
//! tests/conformance/package.json) run by node against the real server; every audit must pass,
//! without a warning or a notice. The audits run signed in (a bureau officer's token): some of
//! them ask `__type(name:)`, and introspection needs a token here (hostile.rs); the anonymous
//! `{ __typename }` they send most is also checked without one below.
//!
//! graphql-http is installed with npm into `target/conformance` once (again when the pinned
//! version changes). Without node and npm this test fails; `CASEBRIDGE_SKIP_NODE=1` skips it
//! (saying `SKIPPED: …`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{self, TestApp};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/conformance` (or under `CARGO_TARGET_DIR`), with graphql-http at the pinned version.
fn installed() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| manifest_dir().join("target"));
    let dir = target.join("conformance");
    std::fs::create_dir_all(&dir).expect("target/conformance");
    let source = manifest_dir().join("tests/conformance");
    let package = std::fs::read_to_string(source.join("package.json")).expect("tests/conformance/package.json");
    let wanted: Value = serde_json::from_str(&package).expect("package.json is JSON");
    let wanted = wanted["dependencies"]["graphql-http"].as_str().expect("graphql-http pinned").to_string();
    std::fs::copy(source.join("audit.mjs"), dir.join("audit.mjs")).expect("copy audit.mjs");
    if installed_version(&dir).as_deref() != Some(wanted.as_str()) {
        std::fs::write(dir.join("package.json"), &package).expect("write package.json");
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm runs (install node and npm, or set CASEBRIDGE_SKIP_NODE=1)");
        assert!(status.success(), "npm install in {} failed", dir.display());
        assert_eq!(installed_version(&dir).as_deref(), Some(wanted.as_str()), "graphql-http installed");
    }
    dir
}

fn installed_version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("node_modules/graphql-http/package.json")).ok()?;
    let package: Value = serde_json::from_str(&text).ok()?;
    package["version"].as_str().map(str::to_string)
}

#[actix_rt::test]
async fn every_graphql_over_http_audit_passes_without_a_warning() {
    let test = "conformance::every_graphql_over_http_audit_passes_without_a_warning";
    if std::env::var("CASEBRIDGE_SKIP_NODE").is_ok_and(|v| v == "1") {
        support::skipped(test, "CASEBRIDGE_SKIP_NODE=1, graphql-http's audits were not run: nothing checked");
        return;
    }
    let app = TestApp::spawn().await;
    let anonymous = app.gql_with_token(None, "{ __typename }", serde_json::json!({})).await;
    assert_eq!(anonymous["data"]["__typename"], "Query", "{anonymous}");
    let url = format!("{}/graphql", app.address);
    let authorization = format!("Bearer {}", app.token("bureau.officer"));
    let output = actix_web::rt::task::spawn_blocking(move || {
        let dir = installed();
        Command::new("node")
            .arg("audit.mjs")
            .arg(&url)
            .env("AUDIT_AUTHORIZATION", authorization)
            .current_dir(&dir)
            .output()
            .expect("node runs")
    })
    .await
    .expect("the audit ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "node audit.mjs failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<Value> = serde_json::from_str(stdout.trim()).expect("the audit prints JSON");
    assert!(results.len() > 50, "the whole list ran: {}", results.len());
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] != "ok").collect();
    assert!(failed.is_empty(), "{} of {} audits did not pass:\n{failed:#?}", failed.len(), results.len());
}
