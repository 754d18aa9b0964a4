//! Logs, traces and the request id: the subscriber `main` installs, and the id of the request
//! being served, which every error's `extensions.requestId` carries.
//!
//! Logs go to stderr, filtered by `CASEBRIDGE_LOG` or else `RUST_LOG` (default `info`), as text
//! or, with `--log-format json`, one JSON object per line carrying the fields of every span the
//! event happened in (request id, method, route, operation, login).
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, `tracing` spans at INFO and above are
//! also exported over OTLP/HTTP (protobuf) by a batch exporter, named by `OTEL_SERVICE_NAME`
//! (default `casebridge`); the other standard `OTEL_*` variables of the SDK apply. SQL
//! statements get their own span from SeaORM's per-statement callback ([`instrument`]).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{KeyValue, global};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
    static REQUEST_SPAN: tracing::Span;
}

/// Whether spans are exported (set once by [`init`]); SQL spans are only built then.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// The instrumentation scope of the spans built here rather than through `tracing`.
const SCOPE: &str = "casebridge";

/// The id of the request this task is serving (`X-Request-Id`, or made), if any.
pub fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// Runs `f` as the request `id`: [`current_request_id`] returns it inside.
pub async fn with_request_id<F: Future>(id: Arc<str>, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// Runs `f` as the request `id` whose span is `span` ([`record_login`] records on it).
pub async fn with_request<F: Future>(id: Arc<str>, span: tracing::Span, f: F) -> F::Output {
    REQUEST_SPAN.scope(span, with_request_id(id, f)).await
}

/// Whether spans go to an OTLP collector (`OTEL_EXPORTER_OTLP_ENDPOINT`): per-resolver spans
/// are made only then, since only a trace reads them and a list of a hundred cases would
/// otherwise make a hundred spans per request for nothing.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Records the caller's login (never a name or other personal data) on the span of the
/// request being served, once the token has been verified and its principal loaded.
pub fn record_login(login: &str) {
    record_on_request("login", login);
}

/// Records the GraphQL operation's name on the span of the request being served, so the
/// request's log line names it.
pub fn record_operation(name: &str) {
    record_on_request("operation", name);
}

fn record_on_request(field: &'static str, value: &str) {
    let _ = REQUEST_SPAN.try_with(|span| {
        span.record(field, value);
    });
}

/// How log lines are written (`--log-format`, `CASEBRIDGE_LOG_FORMAT`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What must live as long as the process for logs and traces to be flushed: dropping it
/// exports the spans still queued.
pub struct Guard {
    provider: Option<SdkTracerProvider>,
    /// The log writer's thread: dropping it writes what is still queued.
    _log: tracing_appender::non_blocking::WorkerGuard,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("casebridge: traces not flushed: {e}");
        }
    }
}

/// `CASEBRIDGE_LOG`, else `RUST_LOG`, else `info`.
fn log_filter() -> EnvFilter {
    EnvFilter::try_from_env("CASEBRIDGE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The OTLP pipeline, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant) is set. Built
/// on a thread of its own: the blocking HTTP client may not be created on the async runtime
/// `main` runs on.
fn tracer_provider() -> Option<SdkTracerProvider> {
    let wanted = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()));
    if !wanted {
        return None;
    }
    let built = std::thread::spawn(|| {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
        let mut resource = opentelemetry_sdk::Resource::builder();
        if std::env::var("OTEL_SERVICE_NAME").is_err() {
            resource = resource.with_service_name("casebridge");
        }
        let resource = resource.with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION"))).build();
        Ok::<_, opentelemetry_otlp::ExporterBuildError>(
            SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build(),
        )
    })
    .join();
    match built {
        Ok(Ok(provider)) => Some(provider),
        Ok(Err(e)) => {
            eprintln!("casebridge: OTLP exporter not started: {e}");
            None
        }
        Err(_) => {
            eprintln!("casebridge: OTLP exporter not started: its set-up panicked");
            None
        }
    }
}

/// Installs the global subscriber: `CASEBRIDGE_LOG` or `RUST_LOG` filter the log, `format`
/// writes it, and spans are exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
///
/// Log lines (one per request at `info`) are written by a thread of their own
/// (`tracing_appender::non_blocking`), so a slow stderr (a full pipe, a slow log shipper) never
/// blocks a request on the runtime; past 128k queued lines, new ones are dropped rather than
/// wait.
pub fn init(format: LogFormat) -> Guard {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (stderr, log_guard) = tracing_appender::non_blocking(std::io::stderr());
    let log = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(stderr.clone())
            .with_filter(log_filter())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(stderr)
            .with_filter(log_filter())
            .boxed(),
    };
    let provider = tracer_provider();
    let traces = provider.as_ref().map(|provider| {
        global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
        global::set_tracer_provider(provider.clone());
        EXPORTING.store(true, Ordering::Relaxed);
        tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE)).with_filter(LevelFilter::INFO)
    });
    if let Err(e) = tracing_subscriber::registry().with(log).with(traces).try_init() {
        eprintln!("casebridge: logging not set up: {e}");
    }
    Guard { provider, _log: log_guard }
}

/// Continues the W3C trace context of an incoming request (`header(name)` reads its
/// `traceparent` and `tracestate`): the request's `span` becomes a child of the caller's span.
/// Without an exporter it does nothing.
pub fn continue_trace<'a>(span: &tracing::Span, header: impl Fn(&str) -> Option<&'a str>) {
    if !EXPORTING.load(Ordering::Relaxed) {
        return;
    }
    let carrier: std::collections::HashMap<String, String> = ["traceparent", "tracestate"]
        .into_iter()
        .filter_map(|name| header(name).map(|v| (name.to_string(), v.to_string())))
        .collect();
    let parent = global::get_text_map_propagator(|p| p.extract(&carrier));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

/// Renames `span` in the exported trace (`otel.name` recorded after the span started is not
/// applied by the bridge, so the name is set on the OpenTelemetry span itself).
pub fn rename(span: &tracing::Span, name: String) {
    span.record("otel.name", name.as_str());
    if EXPORTING.load(Ordering::Relaxed) {
        span.context().span().update_name(name);
    }
}

/// Gives each SQL statement a span (when spans are exported) and a DEBUG log line, from
/// SeaORM's per-statement callback: the statement's text with its placeholders, never its
/// values (they hold personal data), its duration and whether it failed. The callback runs
/// after the statement, in the task that ran it, so the span is built with its real start
/// and end times under the span current then (the resolver's, the operation's).
pub fn instrument(mut db: sea_orm::DatabaseConnection) -> sea_orm::DatabaseConnection {
    let system = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgresql",
        sea_orm::DbBackend::MySql => "mysql",
        _ => "sqlite",
    };
    db.set_metric_callback(move |info| {
        let sql = info.statement.sql.as_str();
        tracing::debug!(target: "casebridge::sql", elapsed_ms = info.elapsed.as_secs_f64() * 1e3, failed = info.failed, sql);
        if EXPORTING.load(Ordering::Relaxed) {
            sql_span(system, sql, info.elapsed, info.failed);
        }
    });
    db
}

fn sql_span(system: &'static str, sql: &str, elapsed: std::time::Duration, failed: bool) {
    let end = SystemTime::now();
    let start = end.checked_sub(elapsed).unwrap_or(end);
    let operation = sql.split_whitespace().next().unwrap_or("SQL").to_ascii_uppercase();
    let parent = tracing::Span::current().context();
    let tracer = global::tracer(SCOPE);
    let mut attributes = vec![
        KeyValue::new("db.system.name", system),
        KeyValue::new("db.operation.name", operation.clone()),
        KeyValue::new("db.query.text", sql.to_string()),
    ];
    if failed {
        attributes.push(KeyValue::new("error.type", "statement_failed"));
    }
    let mut span = tracer
        .span_builder(operation)
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    if failed {
        span.set_status(opentelemetry::trace::Status::error("statement failed"));
    }
    span.end_with_timestamp(end);
}

/// An error and its causes, outermost first: `a: b: c` (a cause whose text its outer error
/// already quotes is not repeated).
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("reading the calendar")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_cause_chain_names_every_cause_once() {
        let err = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(cause_chain(&err), "reading the calendar: disk on fire");
        let quoted = std::io::Error::other("disk on fire");
        assert_eq!(cause_chain(&quoted), "disk on fire");
    }
}
