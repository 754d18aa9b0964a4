//! Shutdown on SIGTERM and SIGINT, against the real binary (signals go to a process): the
//! listener closes, an open subscription gets `complete` and its socket 1001, a request in
//! flight finishes within the grace (exit 0) or is cut after it (503, exit 1).
//!
//! The "slow request" is a filing that waits for SQLite's write lock (or PostgreSQL's lock on
//! `cases`), which the test holds while it signals: no timing but generous timeouts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::support::ws::{Socket, send};
use crate::support::{SECRET, TestApp};

const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id caseNo } }"#;
const EVENTS: &str = "subscription { caseEvents { kind case { caseNo } } }";
const WAIT: Duration = Duration::from_secs(60);

/// `casebridge serve` as a child process, its stderr read line by line.
struct Served {
    child: Child,
    address: String,
    lines: mpsc::UnboundedReceiver<String>,
    log: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `serve` on `app`'s database (a copy of the demo) with `grace` seconds of grace.
    async fn start(app: &TestApp, grace: u64) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_casebridge"))
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1", "--db-timeout", "60"])
            .args(["--shutdown-grace", &grace.to_string()])
            .env("DATABASE_URL", &app.database_url)
            .env("CASEBRIDGE_JWT_SECRET", SECRET)
            // "request in flight" tells the test its request is being handled.
            .env("CASEBRIDGE_LOG", "info,casebridge::app=debug")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start casebridge serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Self { child, address: String::new(), lines, log: Vec::new() };
        let line = served.wait_for(|l| l.contains("casebridge listening")).await;
        let at = line.find("http://").unwrap_or_else(|| panic!("no address in {line}"));
        let address: String =
            line[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.')).collect();
        served.address = address;
        served
    }

    /// The next stderr line that `matches` (panics after [`WAIT`], showing what came).
    async fn wait_for(&mut self, matches: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.log.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Ok(None) | Err(_) => panic!("expected line not logged; stderr:\n{}", self.log.join("\n")),
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").args(["-s", name, &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success(), "kill -s {name}");
    }

    /// The exit code, once the process has exited (panics after [`WAIT`]).
    async fn exit_code(&mut self) -> Option<i32> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(tokio::time::Instant::now() < deadline, "still running; stderr:\n{}", self.log.join("\n"));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// All of stderr, once the process has exited.
    async fn rest_of_log(&mut self) -> String {
        while let Ok(Some(line)) = tokio::time::timeout(WAIT, self.lines.recv()).await {
            self.log.push(line);
        }
        self.log.join("\n")
    }

    /// Whether a new connection is refused (the listener is closed), tried until [`WAIT`].
    async fn refuses_connections(&self) -> bool {
        let addr = self.address.trim_start_matches("http://").to_string();
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(&addr).is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
}

/// Opens a `graphql-transport-ws` socket as `token` and starts `EVENTS` as "s1"; returns once
/// the server has taken the subscription (the `pong` to a later `ping` comes after it).
async fn subscribed(address: &str, token: &str) -> Socket {
    let url = format!("{}/graphql/ws", address.replacen("http", "ws", 1));
    let (_, mut ws) =
        awc::Client::new().ws(url).protocols(["graphql-transport-ws"]).connect().await.expect("websocket connects");
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})).await;
    let (ack, _) = messages_until_close(&mut ws, Some("connection_ack")).await;
    assert_eq!(ack.last().map(|m| m["type"].clone()), Some(json!("connection_ack")), "{ack:?}");
    send(&mut ws, json!({"id": "s1", "type": "subscribe", "payload": {"query": EVENTS}})).await;
    send(&mut ws, json!({"type": "ping"})).await;
    let (pong, _) = messages_until_close(&mut ws, Some("pong")).await;
    assert_eq!(pong.last().map(|m| m["type"].clone()), Some(json!("pong")), "{pong:?}");
    ws
}

/// The text messages until one of type `until` (when given) or the close frame, whose code is
/// returned; panics after [`WAIT`].
async fn messages_until_close(ws: &mut Socket, until: Option<&str>) -> (Vec<Value>, Option<u16>) {
    let mut got = Vec::new();
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next()).await.unwrap_or_else(|_| panic!("silent socket: {got:?}"));
        match frame {
            Some(Ok(Frame::Text(bytes))) => {
                let v: Value = serde_json::from_slice(&bytes).expect("json message");
                let done = until.is_some_and(|t| v["type"] == t);
                got.push(v);
                if done {
                    return (got, None);
                }
            }
            Some(Ok(Frame::Ping(bytes))) => {
                let _ = ws.send(Message::Pong(bytes)).await;
            }
            Some(Ok(Frame::Close(reason))) => return (got, reason.map(|r| u16::from(r.code))),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("socket error {e}: {got:?}"),
            None => return (got, None),
        }
    }
}

/// Holds the database's write lock (SQLite) or the `cases` table (PostgreSQL) until the
/// transaction is rolled back: a filing waits for it.
async fn hold_writes(app: &TestApp) -> DatabaseTransaction {
    let txn = app.db.begin().await.expect("begin");
    let hold = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "LOCK TABLE cases IN EXCLUSIVE MODE",
        _ => "CREATE TABLE shutdown_test_hold (x INTEGER)",
    };
    txn.execute_unprepared(hold).await.expect("take the write lock");
    txn
}

/// A filing by `bureau.officer` on `address`, sent on a task: (status, body).
fn file_a_case(app: &TestApp, address: &str, matter: Value) -> tokio::task::JoinHandle<(u16, Value)> {
    let token = app.token("bureau.officer");
    let url = format!("{address}/graphql");
    let input = json!({
        "title": "停机时立案", "procedure": "GENERAL", "matterCode": matter,
        "party": {"kind": "PERSON", "name": "赵六"},
        "occurredAt": chrono::Utc::now().to_rfc3339(), "facts": "现场发现违法行为。"
    });
    tokio::task::spawn_local(async move {
        let client = awc::Client::builder().timeout(Duration::from_secs(120)).finish();
        let mut resp = client
            .post(url)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send_json(&json!({"query": FILE, "variables": {"input": input}}))
            .await
            .expect("the filing gets an answer");
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (resp.status().as_u16(), body)
    })
}

/// A matter the bureau may file under.
async fn matter(app: &TestApp) -> Value {
    let q = "query { matters(first: 1, filter: {domain: \"市容\"}) { edges { node { code } } } }";
    app.data("bureau.officer", q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone()
}

/// Signals `signal` while a filing waits and a subscription is open; with a grace longer than
/// the test's hold (`cut == false`) the filing finishes and the process exits 0, with a 1 s
/// grace (`cut == true`) the filing is cut with a 503 and the process exits 1.
async fn shutdown(signal: &str, cut: bool) {
    let app = TestApp::spawn().await;
    let matter = matter(&app).await;
    let mut served = Served::start(&app, if cut { 1 } else { 120 }).await;
    let mut ws = subscribed(&served.address, &app.token("town.beiao")).await;

    let hold = hold_writes(&app).await;
    let filing = file_a_case(&app, &served.address, matter);
    served.wait_for(|l| l.contains("request in flight") && l.contains("POST")).await;

    served.signal(signal);
    let (got, code) = messages_until_close(&mut ws, None).await;
    assert_eq!(got, vec![json!({"id": "s1", "type": "complete"})], "the subscription completes");
    assert_eq!(code, Some(1001), "the socket goes away");
    assert!(served.refuses_connections().await, "the listener is closed while the filing waits");

    if cut {
        let (status, body) = filing.await.expect("filing task");
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "SHUTTING_DOWN", "{body}");
        let exit = served.exit_code().await;
        hold.rollback().await.expect("release");
        let log = served.rest_of_log().await;
        assert_eq!(exit, Some(1), "{log}");
        assert!(log.contains("shutdown cut 1 request and 0 WebSockets"), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    } else {
        // The process waits for the filing, which waits for the test.
        hold.rollback().await.expect("release");
        let (status, body) = filing.await.expect("filing task");
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none() && body["data"]["fileCase"]["caseNo"].is_string(), "{body}");
        let exit = served.exit_code().await;
        let log = served.rest_of_log().await;
        assert_eq!(exit, Some(0), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    }
}

#[actix_rt::test]
async fn sigterm_finishes_the_request_in_flight_and_closes_sockets_1001() {
    shutdown("TERM", false).await;
}

#[actix_rt::test]
async fn sigint_finishes_the_request_in_flight_and_closes_sockets_1001() {
    shutdown("INT", false).await;
}

#[actix_rt::test]
async fn sigterm_cuts_a_request_past_the_grace_and_exits_1() {
    shutdown("TERM", true).await;
}

#[actix_rt::test]
async fn sigint_cuts_a_request_past_the_grace_and_exits_1() {
    shutdown("INT", true).await;
}
