//! `casebridge-bench`: starts real `casebridge serve` processes on a fresh PostgreSQL database
//! and measures, each against a baseline taken in the same run (these machines are noisy):
//!
//! 1. `caseEvents` delivery latency with two instances on one database, subscribers split
//!    across both, cases filed on the first; baseline: a `{ __typename }` round trip;
//! 2. the memory of idle subscribers on one instance; baseline: the instance at rest;
//! 3. how many idle subscribers one instance holds before anything fails;
//! 4. `fileCase` throughput with 0 and with 10,000 subscribers.
//!
//! It prints a Markdown report on stdout (progress goes to stderr). See BENCHMARKS.md.

mod client;
mod crowd;
mod server;
mod soak;
mod stats;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{Value, json};

use crate::client::Http;
use crate::crowd::{Crowd, Receipts};
use crate::server::{Casebridge, Database, Server};
use crate::stats::{Summary, count, mib, ms, ratio, summarize};

/// Measure casebridge: subscription delivery latency, idle subscribers' memory, how many
/// subscribers one instance holds, and fileCase throughput, each as a ratio against a baseline
/// taken in the same run.
#[derive(Parser, Debug)]
#[command(name = "casebridge-bench", version)]
struct Args {
    /// The casebridge binary [default: `casebridge` beside this one].
    #[arg(long)]
    server: Option<PathBuf>,
    /// PostgreSQL URL of a user that may create databases; the bench makes its own database
    /// and drops it at the end.
    #[arg(long, env = "BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Subscriber counts for the delivery latency, split evenly across the two instances.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000,10000")]
    levels: Vec<usize>,
    /// Cases filed (and so events measured) per level.
    #[arg(long, default_value_t = 50)]
    events: usize,
    /// Idle subscriber counts held by one instance, for its memory.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    idle: Vec<usize>,
    /// Ramp idle subscribers on one instance, `step` at a time, until something fails or this
    /// many are held (0 skips the ramp). Capped by the open-files limit (`ulimit -n`).
    #[arg(long, default_value_t = 50_000)]
    max: usize,
    #[arg(long, default_value_t = 5_000)]
    step: usize,
    /// fileCase requests for the throughput figures, 0 to skip.
    #[arg(long, default_value_t = 400)]
    requests: usize,
    /// The subscription every subscriber sends.
    #[arg(long, default_value = SUBSCRIPTION)]
    query: String,
    /// Run only the write soak, for this many minutes (issue 12: 30): see `soak.rs`.
    #[arg(long, default_value_t = 0)]
    soak: u64,
    /// Concurrent writers in the soak.
    #[arg(long, default_value_t = 32)]
    soak_clients: usize,
    /// Open cases the soak's writers share.
    #[arg(long, default_value_t = 64)]
    soak_cases: usize,
    /// The demo year's size for the soak (`seed --demo --scale`).
    #[arg(long, default_value_t = 1.0)]
    soak_scale: f64,
    /// Where the servers' logs go [default: a new directory under the system temp dir].
    #[arg(long)]
    logs: Option<PathBuf>,
}

/// What a dashboard needs to show a new case (`detail` carries its number and status),
/// without a database read per subscriber and event.
const SUBSCRIPTION: &str = "subscription { caseEvents { kind at caseVersion detail } }";
const FILE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { id caseNo } }";
/// Demo logins that may read every case the bureau files (so every subscriber receives every
/// event: the most deliveries per filing).
const READERS: [&str; 3] = ["bureau.officer", "bureau.reviewer", "admin"];
const FILER: &str = "bureau.officer";
/// Requests for each `{ __typename }` baseline, after as many warm-up ones.
const BASELINE_REQUESTS: usize = 200;
/// Concurrent clients for the throughput figures.
const THROUGHPUT_CLIENTS: usize = 4;
/// Cases filed (by `THROUGHPUT_CLIENTS` at once) before anything is measured on an instance.
const WARM_UP: usize = 16;
/// How long an instance's CPU use is watched while its subscribers are idle (the server pings
/// every WebSocket every 5 s and re-reads subscribers every 30 s).
const IDLE_CPU: Duration = Duration::from_secs(30);

fn progress(msg: impl AsRef<str>) {
    eprintln!("bench: {}", msg.as_ref());
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (the proleptic Gregorian calendar, in UTC).
fn rfc3339(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Everything the phases share.
struct Run {
    cb: Casebridge,
    readers: Vec<String>,
    filer: String,
    matter: String,
    args: Args,
    open_files: u64,
    filed: usize,
}

impl Run {
    /// Files one case on `at`; returns its number.
    async fn file(&mut self, http: &mut Http) -> io::Result<String> {
        self.filed += 1;
        let input = json!({
            "title": format!("压测立案 {}", self.filed), "procedure": "GENERAL", "matterCode": self.matter,
            "party": {"kind": "PERSON", "name": "测试当事人"},
            "occurredAt": rfc3339(unix_now() - 3600), "facts": "基准测试生成的案件。"
        });
        let answer = http.graphql(Some(&self.filer), FILE, json!({"input": input})).await?;
        answer["data"]["fileCase"]["caseNo"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| io::Error::other(format!("fileCase answered {answer}")))
    }

    /// Subscribers this process may hold at once (its open-files limit, less a margin).
    fn fd_room(&self) -> usize {
        (self.open_files as usize).saturating_sub(512)
    }
}

/// The code of a 市容 (street appearance) matter of the demo catalogue, which every bureau
/// officer may file under.
async fn street_matter(http: &mut Http, token: &str) -> io::Result<String> {
    let matters = http
        .graphql(
            Some(token),
            r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#,
            json!({}),
        )
        .await?;
    matters["data"]["matters"]["edges"][0]["node"]["code"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| io::Error::other("no 市容 matter in the demo data"))
}

/// `{ __typename }` round trips on one keep-alive connection, in microseconds.
async fn baseline(addr: SocketAddr) -> io::Result<Summary> {
    let mut http = Http::connect(addr).await?;
    let mut times = Vec::with_capacity(BASELINE_REQUESTS);
    for i in 0..BASELINE_REQUESTS * 2 {
        let started = Instant::now();
        http.graphql(None, "{ __typename }", json!({})).await?;
        if i >= BASELINE_REQUESTS {
            times.push(started.elapsed().as_micros() as i64);
        }
    }
    summarize(times).ok_or_else(|| io::Error::other("no baseline"))
}

/// When each case was sent and answered.
struct Sent {
    at: Instant,
    answered: Instant,
}

/// The case number of a received `caseEvents` message.
fn case_no(message: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(message).ok()?;
    let detail = v["payload"]["data"]["caseEvents"]["detail"].as_str()?;
    let detail: Value = serde_json::from_str(detail).ok()?;
    detail["caseNo"].as_str().map(str::to_string)
}

/// Latencies from the response and from the send, per instance, in microseconds.
struct Latencies {
    from_response: Vec<Vec<i64>>,
    from_send: Vec<Vec<i64>>,
    missing: usize,
    ended: usize,
    first_end: Option<String>,
}

fn latencies(receipts: &[Receipts], sent: &HashMap<String, Sent>, instances: usize) -> Latencies {
    let mut out = Latencies {
        from_response: vec![Vec::new(); instances],
        from_send: vec![Vec::new(); instances],
        missing: 0,
        ended: 0,
        first_end: None,
    };
    for r in receipts {
        let mut seen = 0;
        for (at, message) in &r.messages {
            let Some(s) = case_no(message).and_then(|no| sent.get(&no)) else { continue };
            seen += 1;
            let signed = |later: Instant, earlier: Instant| match later.checked_duration_since(earlier) {
                Some(d) => d.as_micros() as i64,
                None => -(earlier.duration_since(later).as_micros() as i64),
            };
            out.from_response[r.instance].push(signed(*at, s.answered));
            out.from_send[r.instance].push(signed(*at, s.at));
        }
        out.missing += sent.len().saturating_sub(seen);
        if let Some(why) = &r.ended {
            out.ended += 1;
            out.first_end.get_or_insert_with(|| why.clone());
        }
    }
    out
}

/// Files `events` cases on `on` one after another, each once every subscriber has the one
/// before; returns when each was sent and answered.
async fn file_and_wait(
    run: &mut Run,
    on: SocketAddr,
    crowd: &Crowd,
    events: usize,
) -> io::Result<HashMap<String, Sent>> {
    let mut http = Http::connect(on).await?;
    let subscribers = crowd.len();
    // A burst first, not measured: the pools grow to their working size, and every
    // subscription is registered once every subscriber has had all of it.
    let before = crowd.received();
    let warm = throughput(run, on, WARM_UP).await?;
    if !crowd.wait_for(before + subscribers * warm.1, Duration::from_secs(300)).await {
        progress(format!(
            "the warm-up reached {} of {} deliveries; {}",
            crowd.received() - before,
            subscribers * warm.1,
            crowd.endings()
        ));
    }
    let mut sent = HashMap::new();
    for _ in 0..events {
        let before = crowd.received();
        let at = Instant::now();
        let no = run.file(&mut http).await?;
        sent.insert(no, Sent { at, answered: Instant::now() });
        if !crowd.wait_for(before + subscribers, Duration::from_secs(60)).await {
            progress(format!(
                "an event reached {} of {subscribers} within a minute; {}",
                crowd.received() - before,
                crowd.endings()
            ));
        }
    }
    Ok(sent)
}

struct LatencyRow {
    subscribers: String,
    instance: String,
    baseline: Summary,
    from_response: Option<Summary>,
    from_send: Option<Summary>,
}

fn latency_table(rows: &[LatencyRow]) -> String {
    let mut t = String::from(
        "| subscribers | instance | deliveries | baseline p50 / p99 (ms) | p50 | p95 | p99 | max | from send p50 / p99 | \
         p50 ÷ baseline p50 | p99 ÷ baseline p99 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let (Some(resp), Some(send)) = (r.from_response, r.from_send) else { continue };
        t.push_str(&format!(
            "| {} | {} | {} | {} / {} | {} | {} | {} | {} | {} / {} | {} | {} |\n",
            r.subscribers,
            r.instance,
            count(resp.n),
            ms(r.baseline.p50),
            ms(r.baseline.p99),
            ms(resp.p50),
            ms(resp.p95),
            ms(resp.p99),
            ms(resp.max),
            ms(send.p50),
            ms(send.p99),
            ratio(resp.p50 as f64, r.baseline.p50 as f64),
            ratio(resp.p99 as f64, r.baseline.p99 as f64),
        ));
    }
    t
}

/// Delivery latency at each level, subscribers split across A and B, cases filed on A.
async fn latency_phase(run: &mut Run, a: &Server, b: &Server, notes: &mut Vec<String>) -> io::Result<String> {
    let mut rows = Vec::new();
    for level in run.args.levels.clone() {
        let level = if level > run.fd_room() {
            notes.push(format!("the {level}-subscriber level was cut to {} by the open-files limit", run.fd_room()));
            run.fd_room()
        } else {
            level
        };
        progress(format!("latency: {level} subscribers"));
        let mut crowd = Crowd::default();
        let on_a = level.div_ceil(2);
        crowd.join(a.addr, 0, on_a, &run.readers, &run.args.query).await;
        crowd.join(b.addr, 1, level - on_a, &run.readers, &run.args.query).await;
        if crowd.connect_errors > 0 {
            notes.push(format!(
                "{level} subscribers: {} could not connect ({})",
                crowd.connect_errors,
                crowd.first_error.clone().unwrap_or_default()
            ));
        }
        let base = [baseline(a.addr).await?, baseline(b.addr).await?];
        let sent = file_and_wait(run, a.addr, &crowd, run.args.events).await?;
        let receipts = crowd.finish().await;
        let l = latencies(&receipts, &sent, 2);
        if l.missing > 0 || l.ended > 0 {
            notes.push(format!(
                "{level} subscribers: {} deliveries missing, {} subscriptions ended early ({})",
                l.missing,
                l.ended,
                l.first_end.unwrap_or_default()
            ));
        }
        let split = if level - on_a > 0 {
            format!("{} ({} + {})", count(level), count(on_a), count(level - on_a))
        } else {
            count(level)
        };
        for (i, name) in ["A (filed here)", "B (via NOTIFY)"].iter().enumerate() {
            rows.push(LatencyRow {
                subscribers: split.clone(),
                instance: name.to_string(),
                baseline: base[i],
                from_response: summarize(l.from_response[i].clone()),
                from_send: summarize(l.from_send[i].clone()),
            });
        }
        // Let the servers drop the closed connections before the next level.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok(latency_table(&rows))
}

/// fileCase requests per second from `THROUGHPUT_CLIENTS` clients, and how many were filed
/// (`total` rounded up to a multiple of the clients).
async fn throughput(run: &mut Run, on: SocketAddr, total: usize) -> io::Result<(f64, usize)> {
    let per_client = total.div_ceil(THROUGHPUT_CLIENTS);
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..THROUGHPUT_CLIENTS {
        let (filer, matter) = (run.filer.clone(), run.matter.clone());
        let first = run.filed + c * per_client;
        clients.push(tokio::spawn(async move {
            let mut http = Http::connect(on).await?;
            for i in 0..per_client {
                let input = json!({
                    "title": format!("吞吐立案 {}", first + i), "procedure": "GENERAL", "matterCode": matter,
                    "party": {"kind": "ORGANIZATION", "name": "测试有限公司"},
                    "occurredAt": rfc3339(unix_now() - 3600), "facts": "基准测试生成的案件。"
                });
                http.graphql(Some(&filer), FILE, json!({"input": input})).await?;
            }
            Ok::<(), io::Error>(())
        }));
    }
    for c in clients {
        c.await.map_err(io::Error::other)??;
    }
    let filed = per_client * THROUGHPUT_CLIENTS;
    run.filed += filed;
    Ok((filed as f64 / started.elapsed().as_secs_f64(), filed))
}

/// Resident memory once it has stopped moving (allocations settle after a burst).
async fn settled_rss(server: &Server) -> io::Result<u64> {
    let mut last = server.rss()?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = server.rss()?;
        if now.abs_diff(last) < 256 * 1024 {
            return Ok(now);
        }
        last = now;
    }
    Ok(last)
}

/// The share of one core the instance used over `over`, while nothing was asked of it.
async fn idle_cpu(server: &Server, over: Duration) -> io::Result<f64> {
    let before = server.cpu()?;
    tokio::time::sleep(over).await;
    Ok((server.cpu()? - before).as_secs_f64() / over.as_secs_f64() * 100.0)
}

/// Idle subscribers' memory on a fresh instance, then the latency and throughput with the
/// largest idle count still connected.
async fn memory_phase(run: &mut Run, notes: &mut Vec<String>) -> io::Result<String> {
    let mut c = run.cb.serve("memory").await?;
    progress("memory: warming up a fresh instance");
    baseline(c.addr).await?;
    let mut out = String::new();
    throughput(run, c.addr, WARM_UP).await?;
    let rate0 = if run.args.requests > 0 { Some(throughput(run, c.addr, run.args.requests).await?) } else { None };
    // One subscriber in and out, so the WebSocket paths are warm too.
    let mut warm = Crowd::default();
    warm.join(c.addr, 0, 1, &run.readers, &run.args.query).await;
    warm.finish().await;
    let rest = settled_rss(&c).await?;
    let rest_cpu = idle_cpu(&c, IDLE_CPU).await?;
    let mut rows = format!(
        "| idle subscribers on one instance | RSS (MiB) | growth over rest (MiB) | bytes per subscriber | \
         RSS ÷ RSS at rest | CPU while idle (% of a core) |\n|---:|---:|---:|---:|---:|---:|\n\
         | 0 (at rest) | {} | – | – | 1.0× | {rest_cpu:.1} |\n",
        mib(rest)
    );
    let mut crowd = Crowd::default();
    for level in run.args.idle.clone() {
        let level = level.min(run.fd_room());
        progress(format!("memory: {level} idle subscribers"));
        let more = level.saturating_sub(crowd.len());
        crowd.join(c.addr, 0, more, &run.readers, &run.args.query).await;
        let rss = settled_rss(&c).await?;
        let cpu = idle_cpu(&c, IDLE_CPU).await?;
        let held = crowd.len() - crowd.failed();
        let grown = rss.saturating_sub(rest);
        rows.push_str(&format!(
            "| {} | {} | {} | {} | {} | {cpu:.1} |\n",
            count(held),
            mib(rss),
            mib(grown),
            count((grown / held.max(1) as u64) as usize),
            ratio(rss as f64, rest as f64)
        ));
        if crowd.connect_errors > 0 || !c.alive() {
            notes.push(format!(
                "memory phase: {} subscribers could not connect ({}); instance alive: {}",
                crowd.connect_errors,
                crowd.first_error.clone().unwrap_or_default(),
                c.alive()
            ));
            break;
        }
    }
    out.push_str("### Idle subscribers' memory\n\n");
    out.push_str(&rows);

    let held = crowd.len();
    progress(format!("memory: latency with {held} subscribers on one instance"));
    let base = baseline(c.addr).await?;
    let sent = file_and_wait(run, c.addr, &crowd, run.args.events).await?;
    let before = crowd.received();
    let started = Instant::now();
    let rate = if run.args.requests > 0 {
        progress(format!("memory: throughput with {held} subscribers"));
        Some(throughput(run, c.addr, run.args.requests).await?)
    } else {
        None
    };
    // The deliveries of that burst drain after the last response: how long the fan-out took.
    let expected = before + held * rate.map_or(0, |r| r.1);
    let drained = crowd.wait_for(expected, Duration::from_secs(300)).await;
    let fan_out = (crowd.received() - before) as f64 / started.elapsed().as_secs_f64();
    if !drained {
        notes.push(format!(
            "one instance, {held} subscribers: {} of {expected} deliveries arrived; {}",
            crowd.received(),
            crowd.endings()
        ));
    }
    let receipts = crowd.finish().await;
    let l = latencies(&receipts, &sent, 1);
    out.push_str(&format!("\n### Delivery latency with {} subscribers on one instance\n\n", count(held)));
    out.push_str(&latency_table(&[LatencyRow {
        subscribers: count(held),
        instance: "the only one (filed here)".into(),
        baseline: base,
        from_response: summarize(l.from_response[0].clone()),
        from_send: summarize(l.from_send[0].clone()),
    }]));
    if l.ended > 0 {
        notes.push(format!(
            "one instance: {} subscriptions ended early ({})",
            l.ended,
            l.first_end.unwrap_or_default()
        ));
    }
    if let (Some((r0, _)), Some((r, filed))) = (rate0, rate) {
        out.push_str(&format!(
            "\n### fileCase throughput ({THROUGHPUT_CLIENTS} clients, {} requests)\n\n\
             | subscribers (each receives every case) | cases filed per second | ÷ with 0 subscribers | \
             deliveries per second until all {} arrived |\n|---:|---:|---:|---:|\n\
             | 0 | {r0:.0} | 1.0× | – |\n| {} | {r:.0} | {} | {} |\n",
            count(filed),
            count(filed * held),
            count(held),
            ratio(r, r0),
            count(fan_out as usize)
        ));
    }
    Ok(out)
}

/// How many idle subscribers one fresh instance holds: `step` more at a time until a
/// connection fails, a subscription ends, the instance dies, or the cap.
async fn ramp_phase(run: &mut Run, notes: &mut Vec<String>) -> io::Result<String> {
    let cap = run.args.max.min(run.fd_room());
    let mut d = run.cb.serve("ramp").await?;
    baseline(d.addr).await?;
    let rest = settled_rss(&d).await?;
    let mut crowd = Crowd::default();
    let mut rows =
        String::from("| subscribers held | RSS (MiB) | bytes per subscriber over rest |\n|---:|---:|---:|\n");
    let mut stopped =
        format!("the cap of {} ({})", count(cap), if cap < run.args.max { "the open-files limit" } else { "--max" });
    while crowd.len() < cap {
        let more = run.args.step.min(cap - crowd.len());
        progress(format!("ramp: {} → {}", crowd.len(), crowd.len() + more));
        let started = Instant::now();
        crowd.join(d.addr, 0, more, &run.readers, &run.args.query).await;
        let took = started.elapsed();
        let rss = settled_rss(&d).await?;
        let held = crowd.len() - crowd.failed();
        rows.push_str(&format!(
            "| {} | {} | {} |\n",
            count(held),
            mib(rss),
            count((rss.saturating_sub(rest) / held.max(1) as u64) as usize)
        ));
        progress(format!("ramp: {held} held, {:.0} connections/s", more as f64 / took.as_secs_f64()));
        if crowd.connect_errors > 0 || crowd.failed() > 0 || !d.alive() {
            stopped = format!(
                "a failure: {} connections refused or timed out, {} subscriptions ended, instance alive: {} (first: {})",
                crowd.connect_errors,
                crowd.failed(),
                d.alive(),
                crowd.first_error.clone().unwrap_or_default()
            );
            break;
        }
    }
    let held = crowd.len() - crowd.failed();
    // Held is not enough: every one of them must still get an event.
    let mut live = 0;
    if d.alive() {
        let mut http = Http::connect(d.addr).await?;
        let before = crowd.received();
        run.file(&mut http).await?;
        let started = Instant::now();
        crowd.wait_for(before + held, Duration::from_secs(120)).await;
        live = crowd.received() - before;
        notes.push(format!(
            "ramp: one case filed with {} subscribers held reached {} of them in {:.1} s",
            count(held),
            count(live),
            started.elapsed().as_secs_f64()
        ));
    }
    crowd.finish().await;
    Ok(format!(
        "### Subscribers one instance holds\n\nStopped at {stopped}; {} held, {} of them received the \
         next case.\n\n{rows}",
        count(held),
        count(live)
    ))
}

async fn bench(args: Args) -> io::Result<String> {
    let started = Instant::now();
    let binary = args.server.clone().unwrap_or_else(server::default_binary);
    if !server::exists(&binary) {
        return Err(io::Error::other(format!("no casebridge binary at {} (see --server)", binary.display())));
    }
    let logs = match &args.logs {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("casebridge-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&logs)?;
    let open_files = server::open_files_limit().unwrap_or(1024);
    progress(format!("creating a database on {}", args.postgres));
    let db = Database::create(&args.postgres)?;
    let cb = Casebridge { binary, database_url: db.url.clone(), secret: server::secret()?, logs: logs.clone() };
    if args.soak > 0 {
        let opts = soak::Options {
            minutes: args.soak,
            clients: args.soak_clients,
            cases: args.soak_cases,
            scale: args.soak_scale,
        };
        let mut report = soak::soak(&cb, &db, opts).await?;
        report.push_str(&format!(
            "\nMachine: {}; {}. The run took {:.0} s; server log in {}.\n",
            server::machine(),
            server::postgres_version(&args.postgres),
            started.elapsed().as_secs_f64(),
            logs.display()
        ));
        drop(db);
        return Ok(report);
    }
    progress("seeding the demo year");
    let seeded = cb.seed_demo()?;
    let readers = READERS.iter().map(|l| cb.token(l)).collect::<io::Result<Vec<_>>>()?;
    let filer = cb.token(FILER)?;
    let a = cb.serve("a").await?;
    let b = cb.serve("b").await?;
    let mut http = Http::connect(a.addr).await?;
    let matter = street_matter(&mut http, &filer).await?;
    let version = server::postgres_version(&args.postgres);
    let mut run = Run { cb, readers, filer, matter, args, open_files, filed: 0 };
    let mut notes = Vec::new();

    let mut report = format!(
        "## casebridge-bench\n\nMachine: {}; open-files limit {}; {version}; the demo year seeded in {:.1} s. \
         Subscription: `{}`; every subscriber may read every case filed (logins {}).\n\n",
        server::machine(),
        count(open_files as usize),
        seeded.as_secs_f64(),
        run.args.query,
        READERS.join(", ")
    );
    report.push_str("### Delivery latency, two instances on one PostgreSQL, cases filed on A\n\n");
    report.push_str(
        "Latency from the fileCase response reaching its client to the event reaching each subscriber \
         (ms); baseline: a `{ __typename }` round trip on the same instance, with the subscribers connected.\n\n",
    );
    report.push_str(&latency_phase(&mut run, &a, &b, &mut notes).await?);
    drop((a, b));
    report.push('\n');
    report.push_str(&memory_phase(&mut run, &mut notes).await?);
    if run.args.max > 0 {
        report.push('\n');
        report.push_str(&ramp_phase(&mut run, &mut notes).await?);
    }
    if !notes.is_empty() {
        report.push_str("\n### Notes\n\n");
        for n in &notes {
            report.push_str(&format!("- {n}\n"));
        }
    }
    report.push_str(&format!(
        "\nThe run took {:.0} s; server logs in {}.\n",
        started.elapsed().as_secs_f64(),
        logs.display()
    ));
    drop(db);
    Ok(report)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match bench(args).await {
        Ok(report) => {
            println!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("casebridge-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_format_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_825_600), "2000-02-29T12:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn a_received_event_names_its_case() {
        let msg = br#"{"id":"1","type":"next","payload":{"data":{"caseEvents":{"kind":"FILED","detail":"{\"caseNo\":\"X-1\"}"}}}}"#;
        assert_eq!(case_no(msg).as_deref(), Some("X-1"));
        assert_eq!(case_no(b"{}"), None);
    }
}
