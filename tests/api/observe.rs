//! Observability: the request id (echoed or made, in the response header and in every error's
//! `extensions.requestId`), `/metrics`, JSON logs and OTLP traces.
//!
//! The log and trace tests run the real binary: the global subscriber (log format, OTLP
//! exporter) is process-wide, so the in-process `TestApp` servers do not install it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};

use crate::support::{AUDIENCE, ISSUER, SECRET, TestApp, code, jwt};

/// POSTs `query` with the given headers; returns the response's `X-Request-Id` and body.
async fn post(app_address: &str, headers: &[(&str, &str)], query: &str) -> (Option<String>, Value) {
    let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
    let mut req = client.post(format!("{app_address}/graphql"));
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let mut resp = req.send_json(&json!({ "query": query })).await.expect("send");
    let id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    (id, resp.json::<Value>().await.expect("json"))
}

fn request_id_of_error(body: &Value) -> &str {
    body["errors"][0]["extensions"]["requestId"].as_str().unwrap_or_else(|| panic!("no requestId: {body}"))
}

#[actix_rt::test]
async fn a_callers_request_id_is_echoed_and_carried_by_every_error() {
    let app = TestApp::spawn().await;
    let (id, body) = post(&app.address, &[("X-Request-Id", "caller-id-42")], "query Broken { nope }").await;
    assert_eq!(id.as_deref(), Some("caller-id-42"));
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(request_id_of_error(&body), "caller-id-42");

    // An error raised before GraphQL runs (a token that does not verify) carries it too.
    let (id, body) = post(
        &app.address,
        &[("X-Request-Id", "caller-id-43"), ("Authorization", "Bearer not.a.token")],
        "{ me { login } }",
    )
    .await;
    assert_eq!(id.as_deref(), Some("caller-id-43"));
    assert_eq!(request_id_of_error(&body), "caller-id-43", "{body}");
}

#[actix_rt::test]
async fn a_missing_or_unusable_request_id_is_replaced_by_a_new_uuid_v7() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(129);
    for headers in [vec![], vec![("X-Request-Id", long.as_str())], vec![("X-Request-Id", "has space")]] {
        let (id, body) = post(&app.address, &headers, "{ nope }").await;
        let id = id.expect("a request id is always sent back");
        let uuid = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(uuid.get_version_num(), 7, "{id}");
        assert_eq!(request_id_of_error(&body), id);
    }
    // Every route gets one, not only /graphql.
    let client = awc::Client::default();
    let resp = client.get(format!("{}/healthz", app.address)).send().await.expect("healthz");
    assert!(resp.headers().contains_key("x-request-id"));
}

#[actix_rt::test]
async fn metrics_carry_process_build_http_pool_and_errors_by_code_and_operation() {
    let app = TestApp::spawn().await;
    app.data("admin", "query CountCases { cases { totalCount } }", json!({})).await;
    let bad = app.gql(Some("admin"), "query Misspelt { nope }", json!({})).await;
    assert_eq!(code(&bad), "GRAPHQL_VALIDATION_FAILED");
    let (status, metrics) = app.raw("GET", "/metrics", None).await;
    assert_eq!(status, 200);
    for family in [
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "# TYPE casebridge_build_info gauge",
        &format!(
            "casebridge_build_info{{rustc=\"{}\",version=\"{}\"}} 1",
            env!("CARGO_PKG_RUST_VERSION"),
            env!("CARGO_PKG_VERSION")
        ),
        "casebridge_http_responses_total{status=\"200\"}",
        "casebridge_db_pool_connections{state=\"open\"}",
        "casebridge_db_pool_connections{state=\"idle\"}",
        "casebridge_db_pool_connections{state=\"max\"} 4",
        "casebridge_graphql_requests_total{operation=\"CountCases\"} 1",
        // (Families with labels appear once counted: refused tokens are in the unit tests.)
        "casebridge_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\",operation=\"Misspelt\"} 1",
        "# TYPE casebridge_websocket_connections gauge",
        "# TYPE casebridge_subscriptions_active gauge",
        "# TYPE casebridge_statistics_recomputations_total counter",
        "# TYPE casebridge_event_fanout_lag_seconds histogram",
    ] {
        assert!(metrics.contains(family), "{family} missing from\n{metrics}");
    }
}

/// The real binary serving the database of an in-process test server (a fresh clone of the
/// test template, dropped with it), its stderr read line by line.
struct Server {
    child: Child,
    address: String,
    lines: mpsc::Receiver<String>,
    _db_owner: TestApp,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(envs: &[(&str, String)]) -> Self {
        let owner = TestApp::spawn().await;
        let mut command = Command::new(env!("CARGO_BIN_EXE_casebridge"));
        command
            .args(["--log-format", "json", "serve"])
            .env_remove("RUST_LOG")
            .env("CASEBRIDGE_LOG", "info")
            .env("DATABASE_URL", &owner.database_url)
            .env("CASEBRIDGE_BIND", "127.0.0.1:0")
            .env("CASEBRIDGE_WORKERS", "1")
            .env("CASEBRIDGE_JWT_SECRET", SECRET)
            .env("CASEBRIDGE_JWT_ISSUER", ISSUER)
            .env("CASEBRIDGE_JWT_AUDIENCE", AUDIENCE)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start casebridge");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Self { child, address: String::new(), lines, _db_owner: owner };
        let listening = server.wait_for(|l| l["fields"]["message"] == "casebridge listening");
        server.address = listening["fields"]["address"].as_str().expect("address").to_string();
        server
    }

    /// The first JSON log line that `wanted` accepts (every line must be JSON).
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no such log line within 120 s"));
            let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            if wanted(&value) {
                return value;
            }
        }
    }
}

#[actix_rt::test]
async fn json_logs_name_the_request_id_operation_and_login_of_each_request() {
    let mut server = Server::start(&[]).await;
    let token = jwt().sign("admin", chrono::Duration::hours(1)).expect("sign");
    let auth = format!("Bearer {token}");
    let (id, _) = post(
        &server.address,
        &[("X-Request-Id", "json-log-1"), ("Authorization", auth.as_str())],
        "query CountCases { cases { totalCount } }",
    )
    .await;
    assert_eq!(id.as_deref(), Some("json-log-1"));
    let line =
        server.wait_for(|l| l["fields"]["message"] == "request served" && l["span"]["request_id"] == "json-log-1");
    assert_eq!(line["span"]["operation"], "CountCases", "{line}");
    assert_eq!(line["span"]["login"], "admin", "{line}");
    assert_eq!(line["span"]["http.route"], "/graphql", "{line}");
    assert_eq!(line["fields"]["status"], 200, "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
}

/// A minimal OTLP/HTTP receiver: every POST body to /v1/traces, decoded, on the channel.
fn otlp_receiver() -> (String, mpsc::Receiver<ExportTraceServiceRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let tx = tx.clone();
            std::thread::spawn(move || serve_otlp(stream, &tx));
        }
    });
    (address, rx)
}

/// HTTP/1.1 with keep-alive, bodies by `Content-Length` (what the exporter sends).
fn serve_otlp(stream: TcpStream, tx: &mpsc::Sender<ExportTraceServiceRequest>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if request_line.starts_with("POST /v1/traces")
            && let Ok(export) = ExportTraceServiceRequest::decode(body.as_slice())
        {
            let _ = tx.send(export);
        }
        let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(ok.as_bytes()).is_err() {
            return;
        }
    }
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        V::StringValue(s) => Some(s.as_str()),
        _ => None,
    })
}

#[actix_rt::test]
async fn traces_reach_an_otlp_endpoint_continuing_the_callers_trace() {
    let (endpoint, exports) = otlp_receiver();
    let server = Server::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".into()),
        ("OTEL_SERVICE_NAME", "casebridge-test".into()),
    ])
    .await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_id = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{parent_id}-01");
    let token = jwt().sign("admin", chrono::Duration::hours(1)).expect("sign");
    let auth = format!("Bearer {token}");
    post(
        &server.address,
        &[("traceparent", traceparent.as_str()), ("Authorization", auth.as_str())],
        "query CountCases { cases { totalCount } }",
    )
    .await;

    let mut spans: Vec<Span> = Vec::new();
    let mut services = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let has = |spans: &[Span], f: &dyn Fn(&Span) -> bool| spans.iter().any(f);
    let in_trace = |s: &Span| hex(&s.trace_id) == trace_id;
    loop {
        let http = |s: &Span| in_trace(s) && s.name == "POST /graphql";
        let operation = |s: &Span| in_trace(s) && s.name == "graphql CountCases";
        let sql = |s: &Span| in_trace(s) && attribute(s, "db.query.text").is_some();
        if has(&spans, &http) && has(&spans, &operation) && has(&spans, &sql) {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let export = exports.recv_timeout(left).unwrap_or_else(|_| {
            let names: Vec<_> = spans.iter().map(|s| (s.name.clone(), hex(&s.trace_id))).collect();
            panic!("the spans did not all arrive within 120 s; got {names:?}")
        });
        for resource in export.resource_spans {
            if let Some(r) = &resource.resource {
                services.extend(
                    r.attributes.iter().filter(|kv| kv.key == "service.name").map(|kv| format!("{:?}", kv.value)),
                );
            }
            spans.extend(resource.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    let http = spans.iter().find(|s| in_trace(s) && s.name == "POST /graphql").expect("http span");
    assert_eq!(hex(&http.parent_span_id), parent_id, "the caller's span is the request span's parent");
    assert_eq!(attribute(http, "request_id").map(str::len), Some(36), "a UUID request id");
    let operation = spans.iter().find(|s| s.name == "graphql CountCases").expect("operation span");
    assert_eq!(attribute(operation, "login"), Some("admin"));
    assert_eq!(attribute(operation, "outcome"), Some("OK"));
    let sql = spans.iter().find(|s| attribute(s, "db.query.text").is_some()).expect("sql span");
    let text = attribute(sql, "db.query.text").unwrap_or_default();
    assert!(!text.contains("admin"), "statement text without parameter values: {text}");
    assert!(services.iter().any(|s| s.contains("casebridge-test")), "{services:?}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
