//! The deterministic demo data: "Dongtou 2023", the year of the bureau's 2023 annual report
//! (domain.md), plus a little open work near today.
//!
//! The generator runs in two stages. A *plan* stage decides every row in memory from a
//! seeded PRNG (`rng`): the organisation (`org`), the 2023 year (`year2023`) and the
//! open work (`open_work`), each case drawn as a dated timeline and walked through the states
//! of rules.md by `lifecycle`. A *write* stage (`write`) then inserts the plan in
//! multi-row statements inside one transaction. Later generators (rectification notices,
//! publications, reconsiderations, case-file evaluations …) add a module that fills new
//! vectors of the `plan::Plan` and a line to the writer.
//!
//! What the 2023 rows reproduce at scale 1.0 (each figure counted from rows, never stored):
//! - the bureau's 2723 cases decided in 2023 (2640 simple, 83 general), fines exactly
//!   384,250,000 fen, 17 major cases with an approved legal review;
//! - the town teams' 77 general and 280 simple cases, each in a matter empowered to its town on
//!   the filing day; 76 matters are empowered to each of the six towns (456 town–matter pairs)
//!   and 115 pairs got a penalty case: the report's penalty coverage 115/456 = 25.21%. Its
//!   implementation rate 54.38% is 248/456: a later generator adds inspections in 133 more
//!   pairs;
//! - 37 forestry, 6 bid-rigging and 1 provident-fund transfers, accepted, each filed as one of
//!   the 83 general cases;
//! - certificates: 65 of the bureau's 70 users with role BUREAU_OFFICER hold one valid on
//!   2023-12-31 (92.85%); 6 of the 70 joined in 2023.
//!
//! Same seed, same rows: ids are UUIDv7 built from the row's own instant and the PRNG, so they
//! sort by time like server-minted ids. `now` moves only the open work.

mod activities;
mod catalogue;
mod lifecycle;
mod open_work;
mod org;
mod oversight;
mod people;
mod plan;
mod rng;
mod write;
mod year2023;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::calendar::Calendar;
use crate::config::Rules;

/// Department codes (stable: tests and clients look departments up by them).
pub const BUREAU: &str = "bureau";
pub const NATURAL_RESOURCES: &str = "natural-resources";
pub const HOUSING: &str = "housing";
pub const PROVIDENT_FUND: &str = "provident-fund";
pub const COURT: &str = "court";
pub const JUSTICE: &str = "justice";
pub const CITY_GUIDANCE: &str = "city-guidance";
pub const TOWN_BEIAO: &str = "town-beiao";
pub const TOWN_DONGPING: &str = "town-dongping";
pub const TOWN_YUANJUE: &str = "town-yuanjue";
pub const TOWN_NIYU: &str = "town-niyu";
pub const TOWN_DAMEN: &str = "town-damen";
pub const TOWN_LUXI: &str = "town-luxi";

/// Dongtou's towns and streets, as stored in `departments.town`, `cases.town` and
/// `matter_empowerments.town`.
pub const BEIAO: &str = "北岙街道";
pub const DONGPING: &str = "东屏街道";
pub const YUANJUE: &str = "元觉街道";
pub const NIYU: &str = "霓屿街道";
pub const DAMEN: &str = "大门镇";
pub const LUXI: &str = "鹿西乡";

/// `(department code, town)` of the six town teams.
pub const TOWN_TEAMS: [(&str, &str); 6] = [
    (TOWN_BEIAO, BEIAO),
    (TOWN_DONGPING, DONGPING),
    (TOWN_YUANJUE, YUANJUE),
    (TOWN_NIYU, NIYU),
    (TOWN_DAMEN, DAMEN),
    (TOWN_LUXI, LUXI),
];

/// Logins of the fixed demo users (api.md), for printing tokens.
pub const DEMO_LOGINS: &[&str] = &[
    "admin",
    "bureau.officer",
    "bureau.reviewer",
    "town.beiao",
    "town.dongping",
    "nr.liaison",
    "housing.liaison",
    "court.trainee",
    "dashboard",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoOptions {
    /// Seeds the PRNG: the same seed gives the same rows.
    pub seed: u64,
    /// Multiplies every volume (cases, transfers, records); 1.0 is the report's. The
    /// organisation (departments, users, matters) is not scaled. The report's exact figures
    /// hold at 1.0 only; the legal rules (fine caps, empowerments, certificates) at any scale.
    pub scale: f64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { seed: 2023, scale: 1.0 }
    }
}

/// Rows written, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub departments: usize,
    pub users: usize,
    pub matters: usize,
    pub cases: usize,
    pub transfers: usize,
    pub records: usize,
}

impl DemoSummary {
    fn add(&mut self, other: &DemoSummary) {
        self.departments += other.departments;
        self.users += other.users;
        self.matters += other.matters;
        self.cases += other.cases;
        self.transfers += other.transfers;
        self.records += other.records;
    }
}

/// True when the database already holds departments (so `serve --demo` does not seed twice).
pub async fn has_data(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let any = entity::prelude::Department::find()
        .select_only()
        .column(entity::department::Column::Id)
        .limit(1)
        .into_tuple::<uuid::Uuid>()
        .one(db)
        .await?;
    Ok(any.is_some())
}

/// Above this scale the demo is planned and written in chunks of at most this scale (about
/// 12,000 cases each), so a million cases never sit in memory at once. Up to it (the report's
/// year at 1.0, the 10k benchmark at 3.25) the demo is one plan written in one transaction.
pub const CHUNK_SCALE: f64 = 4.0;

/// How far a seed has come: sent after the organisation and after each chunk is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Chunks written so far, of `chunks`.
    pub chunk: usize,
    pub chunks: usize,
    /// Rows written so far, by kind.
    pub written: DemoSummary,
    /// Cases the whole seed is expected to write (the scale times the report's year).
    pub expected_cases: usize,
    /// Everything is written (the last call).
    pub done: bool,
}

/// Loads the demo data in one transaction (all or nothing). Refuses a database that already
/// holds departments. `now` is the wall-clock instant the open work is placed before.
pub async fn seed(
    db: &DatabaseConnection,
    calendar: &Calendar,
    opts: &DemoOptions,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DbErr> {
    seed_with_rules(db, calendar, &Rules::default(), opts, now).await
}

/// [`seed`] under the operator's configured rules (R1 caps, hearing level, T7), the ones the
/// API enforces: the demo's cases are what the API would have made of the same steps. The
/// report's exact figures hold under the default rules (rules.md).
pub async fn seed_with_rules(
    db: &DatabaseConnection,
    calendar: &Calendar,
    rules: &Rules,
    opts: &DemoOptions,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DbErr> {
    seed_with_progress(db, calendar, rules, opts, now, |_| {}).await
}

/// [`seed_with_rules`], calling `progress` as chunks are written. Up to [`CHUNK_SCALE`] the
/// seed is one transaction (all or nothing); above it, the organisation and each chunk of
/// cases is its own transaction, planned on a blocking thread while the previous chunk is
/// written (one chunk ahead at most, so memory stays bounded).
pub async fn seed_with_progress(
    db: &DatabaseConnection,
    calendar: &Calendar,
    rules: &Rules,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    progress: impl FnMut(&Progress),
) -> Result<DemoSummary, DbErr> {
    seed_in_chunks(db, calendar, rules, opts, now, CHUNK_SCALE, progress).await
}

/// [`seed_with_progress`] with chunks of at most `chunk_scale`.
async fn seed_in_chunks(
    db: &DatabaseConnection,
    calendar: &Calendar,
    rules: &Rules,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    chunk_scale: f64,
    mut progress: impl FnMut(&Progress),
) -> Result<DemoSummary, DbErr> {
    let chunks = chunk_count(opts.scale, chunk_scale);
    let expected_cases = expected_cases(opts.scale);
    if chunks == 1 {
        let plan = build_plan(calendar, rules, opts, now)?;
        let summary = plan.summary();
        write_chunk(db, plan, true).await?;
        progress(&Progress { chunk: 1, chunks: 1, written: summary, expected_cases, done: true });
        return Ok(summary);
    }

    let (tx, mut rx) = tokio::sync::mpsc::channel::<plan::Plan>(1);
    let (calendar, rules, opts) = (calendar.clone(), rules.clone(), *opts);
    let planner = tokio::task::spawn_blocking(move || {
        plan_chunks(&calendar, &rules, &opts, now, chunks, |plan| tx.blocking_send(plan).is_ok())
    });
    let mut written = DemoSummary::default();
    let mut chunk = 0;
    let mut failed = None;
    while let Some(plan) = rx.recv().await {
        let summary = plan.summary();
        if let Err(e) = write_chunk(db, plan, written == DemoSummary::default()).await {
            failed = Some(e);
            break;
        }
        written.add(&summary);
        if chunk < chunks {
            chunk += 1;
            progress(&Progress { chunk, chunks, written, expected_cases, done: false });
        }
    }
    // Dropping the receiver stops the planner at its next chunk.
    drop(rx);
    let planned = planner.await.map_err(|e| DbErr::Custom(format!("demo planner: {e}")))?;
    if let Some(e) = failed {
        return Err(e);
    }
    planned?;
    progress(&Progress { chunk, chunks, written, expected_cases, done: true });
    Ok(written)
}

/// Chunks of at most `chunk_scale` each.
fn chunk_count(scale: f64, chunk_scale: f64) -> usize {
    if scale.is_finite() && chunk_scale > 0.0 && scale > chunk_scale {
        // A hair over a whole number of chunks (0.3 / 0.1 = 3.0000000000000004) is that number.
        (scale / chunk_scale - 1e-9).ceil() as usize
    } else {
        1
    }
}

/// The cases a seed at `scale` writes, roughly: about 3,157 per unit of scale (31,569 at 10).
fn expected_cases(scale: f64) -> usize {
    if scale.is_finite() && scale > 0.0 { (scale * 3_157.0).round() as usize } else { 0 }
}

/// One transaction. The first one takes SQLite's write lock up front (IMMEDIATE), so the
/// emptiness check and the inserts cannot interleave with another writer (PostgreSQL ignores
/// the option), and refuses a database that already holds departments.
async fn write_chunk(db: &DatabaseConnection, plan: plan::Plan, first: bool) -> Result<(), DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    if first && has_data(&txn).await? {
        return Err(DbErr::Custom(
            "the database already holds data; demo data loads only into an empty database".into(),
        ));
    }
    write::write(&txn, plan).await?;
    txn.commit().await
}

/// The plan stage: every row, in memory, numbered.
fn build_plan(calendar: &Calendar, rules: &Rules, opts: &DemoOptions, now: DateTime<Utc>) -> Result<plan::Plan, DbErr> {
    let mut plan = plan::Plan::default();
    let org = org::build(&mut rng::Rng::stream(opts.seed, "org"), &mut plan)?;
    let mut numbering = plan::Numbering::new(&plan.departments);
    let mut builder = lifecycle::Builder { cal: calendar, rules, org, plan, first_chunk: true };
    build_cases(&mut builder, opts.seed, "", plan::Scale(opts.scale), now, &mut numbering)?;
    builder.plan.counters = numbering.counters();
    Ok(builder.plan)
}

/// The plan stage of a large seed: the organisation with the first chunk, then `chunks` chunks
/// of `opts.scale / chunks` each (their own PRNG streams, numbered after the ones before),
/// then a last plan with only the counters. `emit` takes each plan; it returns false when
/// nobody writes them any more, which ends the planning.
fn plan_chunks(
    calendar: &Calendar,
    rules: &Rules,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    chunks: usize,
    mut emit: impl FnMut(plan::Plan) -> bool,
) -> Result<(), DbErr> {
    let scale = plan::Scale(opts.scale / chunks as f64);
    let mut plan = plan::Plan::default();
    let org = org::build(&mut rng::Rng::stream(opts.seed, "org"), &mut plan)?;
    let mut numbering = plan::Numbering::new(&plan.departments);
    let mut builder = lifecycle::Builder { cal: calendar, rules, org, plan, first_chunk: true };
    for chunk in 0..chunks {
        let suffix = if chunk == 0 { String::new() } else { format!("#{chunk}") };
        build_cases(&mut builder, opts.seed, &suffix, scale, now, &mut numbering)?;
        builder.first_chunk = false;
        if !emit(std::mem::take(&mut builder.plan)) {
            return Ok(());
        }
    }
    emit(plan::Plan { counters: numbering.counters(), ..plan::Plan::default() });
    Ok(())
}

/// The cases of one plan (or chunk) and everything built from them. `suffix` tells a chunk's
/// PRNG streams from the other chunks' (empty for the only or first chunk).
fn build_cases(
    builder: &mut lifecycle::Builder<'_>,
    seed: u64,
    suffix: &str,
    scale: plan::Scale,
    now: DateTime<Utc>,
    numbering: &mut plan::Numbering,
) -> Result<(), DbErr> {
    let stream = |label: &str| rng::Rng::stream(seed, &format!("{label}{suffix}"));
    year2023::build(builder, &mut stream("2023"), scale)?;
    open_work::build(builder, &mut stream("open"), scale, now)?;
    let mut oversight_rng = stream("oversight");
    let exemptions = oversight::exemption_cases(builder, &mut oversight_rng, scale)?;
    builder.plan.number_cases(numbering);
    oversight::records(builder, &mut oversight_rng, scale, exemptions)?;
    if builder.first_chunk {
        activities::build(builder, &mut stream("activities"))?;
    }
    Ok(())
}
