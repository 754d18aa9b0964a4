//! The write soak (issue 12, finding 12): one `casebridge serve` on PostgreSQL under a steady
//! write load for a long time. It shows, minute by minute, that writes keep being acknowledged
//! (no stall: the longest request, `/readyz`, sessions left idle in a transaction), that the
//! resident memory does not grow, and at the end that every acknowledged write is in the
//! database and that SIGTERM stops the server.
//!
//! The load: `clients` connections, each sending `submitRecord` to one of `cases` open cases
//! (shared between clients, so the case-row locks of the record chain contend) and, one
//! request in ten, `fileCase`. Rate limits are raised for the run: the load comes from one
//! login on purpose.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::client::Http;
use crate::server::{Casebridge, Database, Server, psql_value};
use crate::stats::{mib, ms, summarize};
use crate::{progress, rfc3339, unix_now};

const SUBMIT: &str = "mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id seq } }";
const FILE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { id caseNo } }";
/// A request unanswered for this long counts as stalled (the server's own statement and
/// acquire timeouts are 5 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the watcher samples memory, `/readyz` and the database's sessions.
const SAMPLE: Duration = Duration::from_secs(10);
/// Minutes of warm-up left out of the memory-growth comparison.
const WARM_UP_MINUTES: usize = 3;

pub struct Options {
    pub minutes: u64,
    pub clients: usize,
    pub cases: usize,
    pub scale: f64,
}

/// What happened in one minute of the run.
#[derive(Default)]
struct Minute {
    /// Latencies of acknowledged writes, microseconds.
    latencies: Vec<i64>,
    errors: usize,
    stalls: usize,
    rss: Vec<u64>,
    readyz: Vec<i64>,
    readyz_failures: usize,
    idle_in_transaction: usize,
}

struct Shared {
    started: Instant,
    minutes: Mutex<Vec<Minute>>,
    stop: AtomicBool,
    acked_records: Mutex<Vec<String>>,
    acked_cases: Mutex<Vec<String>>,
    first_error: Mutex<Option<String>>,
}

impl Shared {
    async fn at_minute<F: FnOnce(&mut Minute)>(&self, f: F) {
        let i = (self.started.elapsed().as_secs() / 60) as usize;
        let mut minutes = self.minutes.lock().await;
        while minutes.len() <= i {
            minutes.push(Minute::default());
        }
        f(&mut minutes[i]);
    }
}

async fn file_case(http: &mut Http, token: &str, matter: &str, title: String) -> io::Result<Value> {
    let input = json!({
        "title": title, "procedure": "GENERAL", "matterCode": matter,
        "party": {"kind": "PERSON", "name": "浸泡测试当事人"},
        "occurredAt": rfc3339(unix_now() - 3600), "facts": "浸泡测试生成的案件。"
    });
    http.graphql(Some(token), FILE, json!({"input": input})).await
}

async fn client(
    shared: Arc<Shared>,
    addr: SocketAddr,
    token: String,
    matter: String,
    cases: Arc<Vec<String>>,
    n: usize,
) -> io::Result<()> {
    let mut http = Http::connect(addr).await?;
    let mut i = 0usize;
    while !shared.stop.load(Ordering::Relaxed) {
        i += 1;
        let key = format!("soak-{n}-{i}");
        let started = Instant::now();
        let filing = i.is_multiple_of(10);
        let sent = if filing {
            tokio::time::timeout(REQUEST_TIMEOUT, file_case(&mut http, &token, &matter, key.clone())).await
        } else {
            let case = &cases[(n * 7 + i) % cases.len()];
            let input = json!({
                "caseId": case, "kind": "NOTE", "content": format!("浸泡测试记录 {key}"),
                "recordedAt": rfc3339(unix_now()), "idempotencyKey": key,
            });
            tokio::time::timeout(REQUEST_TIMEOUT, http.graphql(Some(&token), SUBMIT, json!({"input": input}))).await
        };
        let took = started.elapsed().as_micros() as i64;
        match sent {
            Ok(Ok(_)) => {
                shared.at_minute(|m| m.latencies.push(took)).await;
                if filing {
                    shared.acked_cases.lock().await.push(key);
                } else {
                    shared.acked_records.lock().await.push(key);
                }
            }
            Ok(Err(e)) => {
                shared.at_minute(|m| m.errors += 1).await;
                shared.first_error.lock().await.get_or_insert_with(|| e.to_string());
                // The connection may be unusable after an error: start a new one.
                http = Http::connect(addr).await?;
            }
            Err(_) => {
                shared.at_minute(|m| m.stalls += 1).await;
                http = Http::connect(addr).await?;
            }
        }
    }
    Ok(())
}

/// Samples memory, `/readyz` and the sessions idle in a transaction every [`SAMPLE`].
async fn watcher(shared: Arc<Shared>, server_pid: u32, addr: SocketAddr, db: String, db_name: String) {
    let sessions = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{db_name}' \
         AND state LIKE 'idle in transaction%' AND now() - state_change > interval '5 seconds'"
    );
    while !shared.stop.load(Ordering::Relaxed) {
        tokio::time::sleep(SAMPLE).await;
        let rss = crate::server::rss_of(server_pid).unwrap_or(0);
        let started = Instant::now();
        let ready = tokio::time::timeout(Duration::from_secs(10), async {
            let mut http = Http::connect(addr).await?;
            http.request("GET", "/readyz", None, None).await
        })
        .await;
        let readyz = started.elapsed().as_micros() as i64;
        let ok = matches!(ready, Ok(Ok((200, _))));
        let idle = psql_value(&db, &sessions).ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        shared
            .at_minute(|m| {
                m.rss.push(rss);
                if ok {
                    m.readyz.push(readyz);
                } else {
                    m.readyz_failures += 1;
                }
                m.idle_in_transaction = m.idle_in_transaction.max(idle);
            })
            .await;
    }
}

fn mean(values: &[u64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<u64>() as f64 / values.len() as f64)
}

/// Runs the soak and returns its Markdown report.
pub async fn soak(cb: &Casebridge, db: &Database, opts: Options) -> io::Result<String> {
    progress(format!("soak: seeding the demo year ×{}", opts.scale));
    let seeded = cb.seed_demo_scaled(opts.scale)?;
    let token = cb.token("bureau.officer")?;
    let limits = [("CASEBRIDGE_RATE_LIMIT", "100000"), ("CASEBRIDGE_RATE_BURST", "100000"), ("CASEBRIDGE_LOG", "warn")];
    let mut server: Server = cb.serve_with("soak", &limits).await?;
    let addr = server.addr;
    let mut http = Http::connect(addr).await?;
    let matter = crate::street_matter(&mut http, &token).await?;
    let mut cases = Vec::with_capacity(opts.cases);
    for i in 0..opts.cases {
        let filed = file_case(&mut http, &token, &matter, format!("浸泡测试案件 {i}")).await?;
        let id = filed["data"]["fileCase"]["id"].as_str().ok_or_else(|| io::Error::other(filed.to_string()))?;
        cases.push(id.to_string());
    }
    let rest = crate::server::rss_of(server.pid())?;
    progress(format!(
        "soak: {} clients, {} cases, {} minutes; at rest {}",
        opts.clients,
        opts.cases,
        opts.minutes,
        mib(rest)
    ));

    let shared = Arc::new(Shared {
        started: Instant::now(),
        minutes: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        acked_records: Mutex::new(Vec::new()),
        acked_cases: Mutex::new(Vec::new()),
        first_error: Mutex::new(None),
    });
    let cases = Arc::new(cases);
    let mut tasks = Vec::new();
    for n in 0..opts.clients {
        tasks.push(tokio::spawn(client(shared.clone(), addr, token.clone(), matter.clone(), cases.clone(), n)));
    }
    let watch = tokio::spawn(watcher(shared.clone(), server.pid(), addr, db.url.clone(), db.name.clone()));
    let run_for = Duration::from_secs(opts.minutes * 60);
    while shared.started.elapsed() < run_for {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let minutes = shared.minutes.lock().await;
        if let Some(m) = minutes.iter().rev().nth(1) {
            progress(format!(
                "soak: minute {}: {} writes, {} errors, {} stalls, rss {}",
                minutes.len() - 1,
                m.latencies.len(),
                m.errors,
                m.stalls,
                m.rss.last().map_or("-".into(), |r| mib(*r))
            ));
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    let mut client_failures = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => client_failures.push(e.to_string()),
            Err(e) => client_failures.push(e.to_string()),
        }
    }
    let _ = watch.await;
    let alive = server.alive();

    // Every acknowledged write is in the database.
    let acked_records = shared.acked_records.lock().await.len();
    let acked_cases = shared.acked_cases.lock().await.len();
    let stored_records: usize =
        psql_value(&db.url, "SELECT count(*) FROM records WHERE idempotency_key LIKE 'soak-%'")?
            .parse()
            .map_err(io::Error::other)?;
    let stored_cases: usize = psql_value(&db.url, "SELECT count(*) FROM cases WHERE title LIKE 'soak-%'")?
        .parse()
        .map_err(io::Error::other)?;
    let after = crate::server::rss_of(server.pid())?;
    let stopped = server.terminate(Duration::from_secs(40)).await?;

    let minutes = std::mem::take(&mut *shared.minutes.lock().await);
    let mut report = format!(
        "## Write soak on PostgreSQL\n\nThe demo year ×{} seeded in {:.0} s; one `casebridge serve`; {} clients \
         sending `submitRecord` to {} shared open cases and one `fileCase` in ten, for {} minutes. \
         At rest before the load: {} MiB.\n\n\
         | minute | writes acknowledged | per second | p50 ms | p99 ms | longest ms | errors | stalled (>{} s) | RSS MiB | `/readyz` longest ms | idle in transaction >5 s |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
        opts.scale,
        seeded.as_secs_f64(),
        opts.clients,
        opts.cases,
        opts.minutes,
        mib(rest),
        REQUEST_TIMEOUT.as_secs(),
    );
    let errors: usize = minutes.iter().map(|m| m.errors).sum();
    let stalls: usize = minutes.iter().map(|m| m.stalls).sum();
    let readyz_failures: usize = minutes.iter().map(|m| m.readyz_failures).sum();
    let idle_max = minutes.iter().map(|m| m.idle_in_transaction).max().unwrap_or(0);
    // The table leaves out the few seconds after the load stopped (the totals count them).
    for (i, m) in minutes.iter().take(opts.minutes as usize).enumerate() {
        let s = summarize(m.latencies.clone());
        let cell = |f: fn(&crate::stats::Summary) -> i64| s.as_ref().map_or("-".to_string(), |s| ms(f(s)));
        report.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            i + 1,
            m.latencies.len(),
            m.latencies.len() as f64 / 60.0,
            cell(|s| s.p50),
            cell(|s| s.p99),
            cell(|s| s.max),
            m.errors,
            m.stalls,
            m.rss.last().map_or("-".into(), |r| mib(*r)),
            m.readyz.iter().max().map_or("-".into(), |r| ms(*r)),
            m.idle_in_transaction,
        ));
    }
    let full: Vec<&Minute> = minutes.iter().take(opts.minutes as usize).collect();
    let rss_of = |range: &[&Minute]| mean(&range.iter().flat_map(|m| m.rss.iter().copied()).collect::<Vec<_>>());
    let early = full.get(WARM_UP_MINUTES..(WARM_UP_MINUTES + 5).min(full.len())).and_then(rss_of);
    let late = full.get(full.len().saturating_sub(5)..).and_then(rss_of);
    report.push_str(&format!(
        "\n- Acknowledged: {acked_records} records and {acked_cases} cases; in the database afterwards: \
         {stored_records} records and {stored_cases} cases ({}).\n",
        if acked_records == stored_records && acked_cases == stored_cases {
            "every acknowledged write is stored"
        } else {
            "MISMATCH"
        }
    ));
    report.push_str(&format!(
        "- Errors {errors}, stalled requests {stalls}, `/readyz` failures {readyz_failures}, most sessions idle in a \
         transaction for over 5 s at one sample: {idle_max}; the server was {} at the end.\n",
        if alive { "running" } else { "NOT running" }
    ));
    if let (Some(early), Some(late)) = (early, late) {
        report.push_str(&format!(
            "- Memory: {} MiB on average in minutes {}–{} (after warm-up), {} MiB in the last five minutes: ×{:.2}; {} MiB after the load.\n",
            mib(early as u64),
            WARM_UP_MINUTES + 1,
            WARM_UP_MINUTES + 5,
            mib(late as u64),
            late / early,
            mib(after),
        ));
    }
    report.push_str(&match stopped {
        Some((took, status)) => {
            format!("- SIGTERM: the server exited in {} ms ({status}).\n", ms(took.as_micros() as i64))
        }
        None => "- SIGTERM: the server was still running 40 s later.\n".to_string(),
    });
    if let Some(e) = shared.first_error.lock().await.as_ref() {
        report.push_str(&format!("- First error: `{}`\n", e.chars().take(300).collect::<String>()));
    }
    for f in client_failures {
        report.push_str(&format!("- A client stopped: {f}\n"));
    }
    Ok(report)
}
