//! `TestApp`: a running casebridge over a fresh database, plus a GraphQL client.
//!
//! Each test gets its own database, cloned from a template that holds the migrated schema and
//! the demo (`template`), and dropped when the test ends, passing or panicking. The
//! PostgreSQL-only tests are `#[ignore]`d with the reason (`postgres_only`): counted, never a
//! silent pass on SQLite.

use std::time::Duration;

use casebridge::app::Application;
use casebridge::auth::{JwtConfig, JwtKey};
use casebridge::config::{RateLimits, Settings};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub mod browser;
mod template;

pub use template::TestDb;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const ISSUER: &str = "casebridge";
pub const AUDIENCE: &str = "casebridge-api";

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub db: DatabaseConnection,
    pub jwt: JwtConfig,
    /// The server's bus: a write made beside the API signals "a user's access changed" on it.
    pub bus: casebridge::events::Bus,
    client: awc::Client,
    /// The database this server owns (none for a second server on another's database); it is
    /// dropped with the server, after everything above, also when the test panics.
    _owned: Option<TestDb>,
}

pub fn jwt() -> JwtConfig {
    JwtConfig::new(JwtKey::Hs256(SECRET.as_bytes().to_vec()), ISSUER.into(), AUDIENCE.into()).expect("jwt config")
}

impl TestApp {
    /// Deactivates `login` directly in the database, as an admin's leaver process would, and
    /// signals it as every writer of users must (the principals are cached until then).
    pub async fn deactivate(&self, login: &str) {
        use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Login.eq(login))
            .one(&self.db)
            .await
            .expect("query")
            .expect("user");
        let mut active: entity::user::ActiveModel = user.into();
        active.active = Set(false);
        active.update(&self.db).await.expect("deactivate");
        self.bus.users_changed(&self.db);
    }

    /// The demo organisation and a scaled-down demo year (deterministic).
    pub async fn spawn() -> Self {
        Self::spawn_scaled(0.05).await
    }

    /// The demo at `scale`, cloned from a template database that is migrated and seeded once
    /// per test binary and day (see `template`), not migrated and seeded per test.
    pub async fn spawn_scaled(scale: f64) -> Self {
        Self::spawn_scaled_with(scale, |_| {}).await
    }

    /// [`spawn`](Self::spawn) with the settings changed by `change` first (rate limits, off in
    /// the other tests, …).
    pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_scaled_with(0.05, change).await
    }

    async fn spawn_scaled_with(scale: f64, change: impl FnOnce(&mut Settings)) -> Self {
        let owned = template::clone_demo(scale).await;
        let mut app = Self::attach_with(&owned.url, change).await;
        app._owned = Some(owned);
        app
    }

    /// A second server on the database of another (a second instance behind a load balancer).
    pub async fn attach(url: &str) -> Self {
        Self::attach_with(url, |_| {}).await
    }

    pub async fn attach_with(url: &str, change: impl FnOnce(&mut Settings)) -> Self {
        let url = url.to_string();
        let db = casebridge::db::connect(&url, 4).await.expect("connect");
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            pool_size: 4,
            workers: 1,
            subscription_recheck: std::time::Duration::ZERO,
            introspection: true,
            rate_limits: RateLimits::OFF,
            ..Settings::new(url.clone(), jwt())
        };
        change(&mut settings);
        let app = Application::with_db(settings, db.clone()).await.expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let bus = app.state.bus.clone();
        actix_rt::spawn(app.run_until_stopped());
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        Self { address, database_url: url, db, jwt: jwt(), bus, client, _owned: None }
    }

    pub fn token(&self, login: &str) -> String {
        self.jwt.sign(login, chrono::Duration::hours(1)).expect("sign")
    }

    /// POSTs a GraphQL request as `login` (None: no token) and returns the JSON body.
    pub async fn gql(&self, login: Option<&str>, query: &str, variables: Value) -> Value {
        let token = login.map(|l| self.token(l));
        self.gql_with_token(token.as_deref(), query, variables).await
    }

    pub async fn gql_with_token(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(format!("{}/graphql", self.address));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut resp = req.send_json(&json!({ "query": query, "variables": variables })).await.expect("send");
        resp.json::<Value>().limit(64 << 20).await.expect("json body")
    }

    /// Raw HTTP: method, path, optional body; returns status and body text.
    pub async fn raw(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let url = format!("{}{}", self.address, path);
        let req = match method {
            "POST" => self.client.post(url).insert_header(("content-type", "application/json")),
            _ => self.client.get(url),
        };
        let mut resp = match body {
            Some(b) => req.send_body(b.to_string()).await.expect("send"),
            None => req.send().await.expect("send"),
        };
        let bytes = resp.body().limit(16 << 20).await.expect("body");
        (resp.status().as_u16(), String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `data` of a response that must have no errors.
    pub async fn data(&self, login: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(Some(login), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Every node of a connection field, paging with `first`/`after`; `path` is the
    /// connection's field name under `data`.
    pub async fn all_nodes(
        &self,
        login: &str,
        query: &str,
        field: &str,
        mut variables: Value,
        page: i64,
    ) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            variables["first"] = json!(page);
            variables["after"] = json!(after);
            let data = self.data(login, query, variables.clone()).await;
            let conn = &data[field];
            for edge in conn["edges"].as_array().expect("edges") {
                out.push(edge["node"].clone());
            }
            if !conn["pageInfo"]["hasNextPage"].as_bool().expect("hasNextPage") {
                break;
            }
            after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
        }
        out
    }
}

/// The `extensions.code` of the first error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}"))
}

pub fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or_else(|| panic!("no error field in {body}"))
}

/// Today in Asia/Shanghai, as the server counts it.
pub fn shanghai_today() -> chrono::NaiveDate {
    casebridge::calendar::today()
}

/// A real WebSocket client for `/graphql/ws`: connect, send, read the next message.
pub mod ws {
    use std::time::Duration;

    use actix_codec::Framed;
    use awc::BoxedSocket;
    use awc::ws::{Codec, Frame, Message};
    use futures_util::{SinkExt, StreamExt};
    use serde_json::{Value, json};

    use super::TestApp;

    pub type Socket = Framed<BoxedSocket, Codec>;

    /// Opens `/graphql/ws` of `app` speaking `protocol` (`graphql-transport-ws` or the legacy
    /// `graphql-ws`), without saying anything yet.
    pub async fn open(app: &TestApp, protocol: &str) -> Socket {
        let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
        let (_, ws) = awc::Client::new().ws(url).protocols([protocol]).connect().await.expect("websocket connects");
        ws
    }

    /// Opens the socket and signs in with `token`; the server's ack is checked.
    pub async fn connect(app: &TestApp, token: &str, protocol: &str) -> Socket {
        let mut ws = open(app, protocol).await;
        send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}))
            .await;
        let ack = next(&mut ws, 10).await.expect("ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    pub async fn send(ws: &mut Socket, msg: Value) {
        ws.send(Message::Text(msg.to_string().into())).await.expect("ws send");
    }

    /// The next text message, skipping pings; `None` on close or after `secs` of silence.
    pub async fn next(ws: &mut Socket, secs: u64) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(secs), ws.next()).await.ok()??.ok()?;
            match frame {
                Frame::Text(bytes) => {
                    let v: Value = serde_json::from_slice(&bytes).expect("json message");
                    if v["type"] == "ping" || v["type"] == "ka" {
                        continue;
                    }
                    return Some(v);
                }
                Frame::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// Marks a test that needs PostgreSQL (two instances on one database share events only
/// through PostgreSQL): put it behind `#[ignore = "PostgreSQL only: …"]` so a SQLite run counts
/// it as ignored, and call this first, so running it on SQLite (`--include-ignored`) fails
/// instead of passing without checking anything. `.ci/run` runs the PostgreSQL suite with
/// `--include-ignored`.
pub fn postgres_only() {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        url.starts_with("postgres"),
        "this test needs PostgreSQL: run it with TEST_DATABASE_URL=postgres://… cargo test -- --include-ignored"
    );
}

/// Says on the test output, uncaptured, that a test checked nothing (`SKIPPED: <why>`); the
/// caller then returns. Only for skips the environment asks for (`CASEBRIDGE_SKIP_BROWSER=1`).
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    // Straight to stderr: libtest captures `eprintln!` of a passing test, not this.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
}
