//! Prometheus metrics, kept with the `prometheus` client library (its registry, types and text
//! encoder, and its `process_*` collector on Linux) rather than text written by hand.
//!
//! Every family is listed in the README ("Metrics"). Names follow Prometheus conventions:
//! `casebridge_` prefix, base units (`_seconds`), `_total` for counters. Labels take values
//! from short fixed sets, except `operation`, which comes from clients and is capped at
//! [`MAX_OPERATIONS`] distinct names (the rest count as `other`).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::DatabaseConnection;

/// Latency buckets in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
/// Fan-out lag buckets in seconds: from a local commit (milliseconds) to a slow NOTIFY.
const LAG_BUCKETS: [f64; 9] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
/// Operation names come from clients: past this many distinct names, the rest count as "other".
const MAX_OPERATIONS: usize = 200;

/// Hits and misses of one cache.
struct Cache(IntCounterVec);

impl Cache {
    fn count(&self, hit: bool) {
        self.0.with_label_values(&[if hit { "hit" } else { "miss" }]).inc();
    }
}

pub struct Metrics {
    registry: Registry,
    /// The operation names seen so far (bounded by [`MAX_OPERATIONS`]).
    operations: Mutex<HashSet<String>>,
    requests: IntCounterVec,
    duration: HistogramVec,
    errors: IntCounterVec,
    http: IntCounterVec,
    auth_refused: IntCounterVec,
    ws_connections: IntGauge,
    subscriptions: IntGauge,
    statistics: IntCounter,
    fanout_lag: Histogram,
    /// The principal cache (`auth::principal_cache`).
    principals: Cache,
    /// The response cache (`http::response_cache`).
    responses: Cache,
    pool: IntGaugeVec,
    /// The pool read at scrape time ([`Metrics::watch_pool`]).
    db: OnceLock<DatabaseConnection>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn clean_label(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect()
}

/// Registers `metric` in `registry` and hands it back. Registration fails only on a name
/// registered twice or an invalid name, both fixed in this file; the metric still counts, it
/// would just be missing from `/metrics`, so a failure is logged rather than fatal.
fn registered<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    if let Err(e) = registry.register(Box::new(metric.clone())) {
        tracing::error!(error = %e, "metrics: a family could not be registered");
    }
    metric
}

/// A metric built from the constant names and labels of this file: it cannot fail at run time
/// (a typo fails every test that builds `Metrics`).
fn ok<T>(result: prometheus::Result<T>) -> T {
    result.expect("the metric definitions in metrics.rs are valid")
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    registered(registry, ok(IntCounterVec::new(Opts::new(name, help), labels)))
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        {
            let process = prometheus::process_collector::ProcessCollector::for_self();
            if let Err(e) = registry.register(Box::new(process)) {
                tracing::warn!(error = %e, "metrics: no process_* metrics");
            }
        }
        let build = ok(IntGaugeVec::new(
            Opts::new("casebridge_build_info", "The running build: always 1, its version in labels."),
            &["version", "rustc"],
        ));
        build.with_label_values(&[env!("CARGO_PKG_VERSION"), env!("CARGO_PKG_RUST_VERSION")]).set(1);
        registered(&registry, build);
        let duration = ok(HistogramVec::new(
            HistogramOpts::new("casebridge_graphql_duration_seconds", "GraphQL execution time.")
                .buckets(BUCKETS.to_vec()),
            &["operation"],
        ));
        let fanout_lag = ok(Histogram::with_opts(
            HistogramOpts::new(
                "casebridge_event_fanout_lag_seconds",
                "Time from an event's commit to its delivery to this instance's subscribers.",
            )
            .buckets(LAG_BUCKETS.to_vec()),
        ));
        let gauge = |name: &str, help: &str| registered(&registry, ok(IntGauge::new(name, help)));
        let ws_connections = gauge("casebridge_websocket_connections", "Open GraphQL WebSocket connections.");
        let subscriptions = gauge("casebridge_subscriptions_active", "Running GraphQL subscriptions.");
        let statistics = registered(
            &registry,
            ok(IntCounter::new("casebridge_statistics_recomputations_total", "Recomputations of the live statistics.")),
        );
        Self {
            operations: Mutex::default(),
            requests: counter_vec(
                &registry,
                "casebridge_graphql_requests_total",
                "GraphQL operations executed.",
                &["operation"],
            ),
            duration: registered(&registry, duration),
            errors: counter_vec(
                &registry,
                "casebridge_graphql_errors_total",
                "GraphQL errors by extensions.code and operation (empty before an operation was read).",
                &["code", "operation"],
            ),
            http: counter_vec(&registry, "casebridge_http_responses_total", "HTTP responses by status.", &["status"]),
            auth_refused: counter_vec(
                &registry,
                "casebridge_auth_refused_total",
                "Refused tokens and Authorization headers by reason.",
                &["reason"],
            ),
            ws_connections,
            subscriptions,
            statistics,
            fanout_lag: registered(&registry, fanout_lag),
            principals: Cache(counter_vec(
                &registry,
                "casebridge_principal_cache_total",
                "Principals taken from the per-instance cache or loaded.",
                &["result"],
            )),
            responses: Cache(counter_vec(
                &registry,
                "casebridge_response_cache_total",
                "Query responses served from the cache or computed.",
                &["result"],
            )),
            pool: registered(
                &registry,
                ok(IntGaugeVec::new(
                    Opts::new(
                        "casebridge_db_pool_connections",
                        "Database pool connections by state (open, idle, max), read at scrape time.",
                    ),
                    &["state"],
                )),
            ),
            db: OnceLock::new(),
            registry,
        }
    }

    /// The label for a client's operation name: cleaned, `anonymous` when empty, `other` past
    /// [`MAX_OPERATIONS`] distinct names.
    fn operation_label(&self, operation: &str) -> String {
        let name = clean_label(operation);
        if name.is_empty() {
            return "anonymous".into();
        }
        let Ok(mut seen) = self.operations.lock() else {
            return "other".into();
        };
        if seen.contains(&name) {
            return name;
        }
        if seen.len() >= MAX_OPERATIONS {
            return "other".into();
        }
        seen.insert(name.clone());
        name
    }

    pub fn request(&self, operation: &str, elapsed: Duration) {
        let op = self.operation_label(operation);
        self.requests.with_label_values(&[op.as_str()]).inc();
        self.duration.with_label_values(&[op.as_str()]).observe(elapsed.as_secs_f64());
    }

    /// An error outside any GraphQL operation (a refused body, a rate limit): `operation` is empty.
    pub fn error(&self, code: &str) {
        self.errors.with_label_values(&[clean_label(code).as_str(), ""]).inc();
    }

    /// An error of the GraphQL operation `operation` (`anonymous` when unnamed).
    pub fn error_in(&self, code: &str, operation: &str) {
        let op = self.operation_label(operation);
        self.errors.with_label_values(&[clean_label(code).as_str(), op.as_str()]).inc();
    }

    /// A request's principal came from the cache (`hit`) or was loaded.
    pub fn principal_cache(&self, hit: bool) {
        self.principals.count(hit);
    }

    /// A query's response came from the cache (`hit`) or was computed.
    pub fn response_cache(&self, hit: bool) {
        self.responses.count(hit);
    }

    /// The pool whose size `/metrics` reports (`casebridge_db_pool_connections`). The first call
    /// wins; sqlx exposes open and idle connections but not the tasks waiting for one.
    pub fn watch_pool(&self, db: &DatabaseConnection) {
        let _ = self.db.set(db.clone());
    }

    fn read_pool(&self) {
        let Some(db) = self.db.get() else { return };
        let (size, idle, max) = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
        };
        self.pool.with_label_values(&["open"]).set(i64::from(size));
        self.pool.with_label_values(&["idle"]).set(i64::try_from(idle).unwrap_or(i64::MAX));
        self.pool.with_label_values(&["max"]).set(i64::from(max));
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> String {
        self.read_pool();
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "metrics: encoding failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// What the rest of the server reports; each is counted (or gauged) for `/metrics`.
impl Metrics {
    /// An HTTP response went out with `status` (every route).
    pub fn http_response(&self, status: u16) {
        self.http.with_label_values(&[status.to_string().as_str()]).inc();
    }

    /// A token or `Authorization` header was refused; `reason` is a short fixed word
    /// (`expired`, `bad_signature`, `malformed`, `unknown_user`, `inactive`, …).
    pub fn auth_refused(&self, reason: &'static str) {
        self.auth_refused.with_label_values(&[reason]).inc();
    }

    /// A WebSocket connection opened (+1) or closed (-1).
    pub fn ws_connections(&self, delta: i64) {
        self.ws_connections.add(delta);
    }

    /// A subscription started (+1) or ended (-1).
    pub fn subscriptions(&self, delta: i64) {
        self.subscriptions.add(delta);
    }

    /// The live statistics were recomputed.
    pub fn statistics_recomputed(&self) {
        self.statistics.inc();
    }

    /// An event reached this instance's subscribers `lag` after it was committed.
    pub fn fanout_lag(&self, lag: Duration) {
        self.fanout_lag.observe(lag.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_renders_with_its_labels() {
        let m = Metrics::new();
        m.request("CountCases", Duration::from_millis(3));
        m.error_in("NOT_FOUND", "CaseById");
        m.error("RATE_LIMITED");
        m.http_response(200);
        m.auth_refused("expired");
        m.auth_refused("expired");
        m.ws_connections(1);
        m.subscriptions(2);
        m.subscriptions(-1);
        m.statistics_recomputed();
        m.fanout_lag(Duration::from_millis(20));
        m.principal_cache(true);
        let text = m.render();
        for line in [
            "casebridge_graphql_requests_total{operation=\"CountCases\"} 1",
            "casebridge_graphql_duration_seconds_count{operation=\"CountCases\"} 1",
            "casebridge_graphql_errors_total{code=\"NOT_FOUND\",operation=\"CaseById\"} 1",
            "casebridge_graphql_errors_total{code=\"RATE_LIMITED\",operation=\"\"} 1",
            "casebridge_http_responses_total{status=\"200\"} 1",
            "casebridge_auth_refused_total{reason=\"expired\"} 2",
            "casebridge_websocket_connections 1",
            "casebridge_subscriptions_active 1",
            "casebridge_statistics_recomputations_total 1",
            "casebridge_event_fanout_lag_seconds_count 1",
            "casebridge_principal_cache_total{result=\"hit\"} 1",
            "# TYPE casebridge_build_info gauge",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        #[cfg(target_os = "linux")]
        assert!(text.contains("process_resident_memory_bytes"), "{text}");
    }

    #[test]
    fn operation_names_are_capped() {
        let m = Metrics::new();
        for i in 0..MAX_OPERATIONS + 5 {
            m.request(&format!("Op{i}"), Duration::from_millis(1));
        }
        assert!(m.render().contains("casebridge_graphql_requests_total{operation=\"other\"} 5"));
    }
}
