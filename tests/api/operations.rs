//! Operating casebridge as a process: settings checked before anything is written, an
//! unreachable database named, one line per error with its exit code, migrations only on
//! purpose (status, down, a newer schema named), the config file and `*_FILE` secrets, and
//! the configurable limits and rules taking effect in the server.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

use crate::lifecycle::{investigating, ok};
use crate::support::{TestApp, code};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn casebridge(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casebridge"));
    command.args(args).env_remove("DATABASE_URL").env("CASEBRIDGE_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("casebridge runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The command failed with `code` and said so in exactly one line holding `words`.
fn failed(out: &Output, code: i32, words: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, not {}: {err}", lines.len());
    assert!(lines[0].starts_with("casebridge: ") && lines[0].contains(words), "{err}");
}

#[test]
fn a_bad_setting_is_named_with_its_flag_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("never.db");
    let url = sqlite_url(&file);
    let out = casebridge(&["serve", "--database-url", &url, "--jwt-secret", SECRET, "--bind", "localhost"], &[]);
    failed(&out, 2, "--bind localhost (CASEBRIDGE_BIND): no port; expected HOST:PORT");
    let out = casebridge(&["serve", "--database-url", &url, "--jwt-secret", "short"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = casebridge(
        &["serve", "--database-url", &url, "--jwt-secret", SECRET, "--cors-origins", "https://a.example/x"],
        &[],
    );
    failed(&out, 2, "--cors-origins");
    assert!(!file.exists(), "nothing was created before the settings were checked");
}

#[test]
fn an_unreachable_database_is_named_with_host_port_and_reason() {
    // Port 1 on the loopback: nothing listens, the kernel refuses at once.
    let out = casebridge(
        &["serve", "--jwt-secret", SECRET, "--database-url", "postgres://postgres@127.0.0.1:1/casebridge"],
        &[],
    );
    failed(&out, 3, "cannot connect to PostgreSQL at 127.0.0.1:1 (database casebridge, user postgres)");
    assert!(stderr(&out).to_lowercase().contains("refused"), "{}", stderr(&out));
    let out = casebridge(&["migrate", "status", "--database-url", "sqlite:///nonexistent/dir/x.db?mode=rwc"], &[]);
    failed(&out, 3, "cannot open the SQLite database /nonexistent/dir/x.db");
}

#[test]
fn only_migrate_and_serve_migrate_and_the_schema_is_checked_everywhere_else() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url(&dir.path().join("cb.db"));
    let secret = ("CASEBRIDGE_JWT_SECRET", SECRET);
    for args in [
        vec!["token", "--user", "admin"],
        vec!["seed", "--demo"],
        vec!["report", "--year", "2023"],
        vec!["holidays", "--load", "migration/src/holidays-cn.csv"],
    ] {
        let out = casebridge(&[&args[..], &["--database-url", &url]].concat(), &[secret]);
        failed(&out, 3, "migration(s) pending");
        assert!(stderr(&out).contains("run `casebridge migrate`"), "{}", stderr(&out));
    }
    let status = stdout(&casebridge(&["migrate", "status", "--database-url", &url], &[]));
    assert!(!status.contains("applied "), "nothing was migrated by the other commands: {status}");

    let out = casebridge(&["migrate", "--database-url", &url], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("applied "), "{}", stdout(&out));
    let out = casebridge(&["migrate", "status", "--database-url", &url], &[]);
    assert!(stdout(&out).trim_end().ends_with(&format!("up to date: {}", newest())), "{}", stdout(&out));
    let out = casebridge(&["migrate", "--database-url", &url], &[]);
    assert!(stdout(&out).starts_with("the schema is up to date"), "{}", stdout(&out));
}

/// This binary's newest migration version.
fn newest() -> String {
    casebridge::db::SchemaState::binary_version()
}

#[actix_rt::test]
async fn a_newer_schema_is_named_refused_or_allowed_and_down_rolls_back_on_purpose() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url(&dir.path().join("cb.db"));
    assert!(casebridge(&["migrate", "--database-url", &url], &[]).status.success());
    let db = casebridge::db::connect(&url, 1).await.expect("connect");
    db.execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)")
        .await
        .expect("a newer binary's migration");
    db.close().await.expect("close");
    let this = newest();
    let sentence = format!("database schema 20991231_000001 is newer than this binary's {this}");
    let out = casebridge(&["serve", "--database-url", &url, "--jwt-secret", SECRET, "--bind", "127.0.0.1:0"], &[]);
    failed(&out, 3, &sentence);
    let out = casebridge(&["token", "--user", "admin", "--database-url", &url, "--jwt-secret", SECRET], &[]);
    failed(&out, 3, &sentence);
    let out = casebridge(&["migrate", "--database-url", &url], &[]);
    failed(&out, 3, &sentence);
    let status = stdout(&casebridge(&["migrate", "status", "--database-url", &url], &[]));
    assert!(status.contains("newer    m20991231_000001_future"), "{status}");
    let out = casebridge(&["migrate", "down", "--to", "20260101_000001", "--database-url", &url], &[]);
    failed(&out, 3, "roll those back with the binary that applied them");

    // Down, on purpose: the plan first, nothing changed without --yes.
    let db = casebridge::db::connect(&url, 1).await.expect("connect");
    db.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm20991231_000001_future'")
        .await
        .expect("gone");
    db.close().await.expect("close");
    let state = |url: String| async move {
        let db = casebridge::db::connect(&url, 1).await.expect("connect");
        let state = casebridge::db::schema_state(&db).await.expect("state");
        db.close().await.expect("close");
        state
    };
    let before = state(url.clone()).await;
    let keep = before.applied[before.applied.len() - 3].clone();
    let version = casebridge::db::version_of(&keep).to_string();
    let out = casebridge(&["migrate", "down", "--to", &version, "--database-url", &url], &[]);
    failed(&out, 2, "add --yes");
    assert!(stdout(&out).contains(&before.applied[before.applied.len() - 1]), "{}", stdout(&out));
    assert_eq!(state(url.clone()).await, before, "nothing changed");
    let out = casebridge(&["migrate", "down", "--to", &version, "--yes", "--database-url", &url], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = state(url.clone()).await;
    assert_eq!(after.pending, before.applied[before.applied.len() - 2..].to_vec());
    // serve --no-migrate refuses a schema behind the binary; migrate brings it back.
    let out = casebridge(
        &["serve", "--no-migrate", "--database-url", &url, "--jwt-secret", SECRET, "--bind", "127.0.0.1:0"],
        &[],
    );
    failed(&out, 3, "2 migration(s) pending");
    assert!(casebridge(&["migrate", "--database-url", &url], &[]).status.success());
    assert_eq!(state(url.clone()).await, before);
}

#[test]
fn config_prints_the_effective_settings_from_the_file_and_file_variables_with_secrets_hidden() {
    let dir = tempfile::tempdir().expect("dir");
    let secret = dir.path().join("jwt-secret");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("secret");
    let config = dir.path().join("casebridge.toml");
    std::fs::write(
        &config,
        "database-url = \"postgres://app:hunter2@db.internal:5432/casebridge\"\nstatement-days = 7\nmax-depth = 8\n",
    )
    .expect("config");
    let out = casebridge(
        &["config", "--config", config.to_str().expect("utf-8")],
        &[("CASEBRIDGE_JWT_SECRET_FILE", secret.to_str().expect("utf-8")), ("CASEBRIDGE_MAX_DEPTH", "9")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains(SECRET) && !text.contains("hunter2"), "secrets hidden: {text}");
    assert!(
        text.contains("jwt-secret = \"(hidden)\"  # CASEBRIDGE_JWT_SECRET; file named by CASEBRIDGE_JWT_SECRET_FILE")
    );
    assert!(text.contains("database-url = \"postgres://app:***@db.internal:5432/casebridge\""), "{text}");
    assert!(text.contains("statement-days = 7  # CASEBRIDGE_STATEMENT_DAYS; config file"), "{text}");
    assert!(text.contains("max-depth = 9  # CASEBRIDGE_MAX_DEPTH; environment CASEBRIDGE_MAX_DEPTH"), "{text}");
    // The printed settings are themselves a config file casebridge reads.
    let printed = dir.path().join("printed.toml");
    let reusable: String = text.lines().filter(|l| !l.contains("(hidden)")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&printed, reusable).expect("printed");
    let out =
        casebridge(&["config", "--config", printed.to_str().expect("utf-8")], &[("CASEBRIDGE_JWT_SECRET", SECRET)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("max-depth = 9  # CASEBRIDGE_MAX_DEPTH; config file"), "{}", stdout(&out));
}

#[actix_rt::test]
async fn the_configured_limits_and_rules_hold_in_the_server() {
    let app = TestApp::spawn_with(|s| {
        s.limits.depth = 3;
        s.limits.anonymous.root_fields = 1;
    })
    .await;
    let deep = "{ cases(first: 1) { edges { node { party { name } } } } }";
    let body = app.gql(Some("bureau.officer"), deep, json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "depth 3: {body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("nested too deep")), "{body}");
    let body = app.gql(Some("bureau.officer"), "{ me { department { name } } }", json!({})).await;
    assert!(body.get("errors").is_none(), "depth 3 is allowed: {body}");
    let two = "{ a: publications(first: 1) { totalCount } b: publications(first: 1) { totalCount } }";
    let body = app.gql(None, two, json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
    // ¥20,000 on a person is below a hearing level configured at ¥30,000.
    let app = TestApp::spawn_with(|s| s.rules.hearing_person_fen = 3_000_000).await;
    let case = investigating(&app, json!({})).await;
    let noticed = ok(&app, "bureau.officer", &case, "SERVE_NOTICE", json!({"fineAmount": "20000"})).await;
    assert_eq!(noticed["major"], false, "{noticed}");
    assert!(noticed["hearingRequestDue"].is_null(), "{noticed}");
}
