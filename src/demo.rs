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
    let plan = build_plan(calendar, rules, opts, now)?;
    let summary = plan.summary();

    // IMMEDIATE: take SQLite's write lock up front, so the check below and the inserts
    // cannot interleave with another writer (PostgreSQL ignores the option).
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    if has_data(&txn).await? {
        return Err(DbErr::Custom(
            "the database already holds data; demo data loads only into an empty database".into(),
        ));
    }
    write::write(&txn, plan).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The plan stage: every row, in memory, numbered.
fn build_plan(calendar: &Calendar, rules: &Rules, opts: &DemoOptions, now: DateTime<Utc>) -> Result<plan::Plan, DbErr> {
    let scale = plan::Scale(opts.scale);
    let mut plan = plan::Plan::default();
    let org = org::build(&mut rng::Rng::stream(opts.seed, "org"), &mut plan)?;
    let mut builder = lifecycle::Builder { cal: calendar, rules, org, plan };
    year2023::build(&mut builder, &mut rng::Rng::stream(opts.seed, "2023"), scale)?;
    open_work::build(&mut builder, &mut rng::Rng::stream(opts.seed, "open"), scale, now)?;
    let mut oversight_rng = rng::Rng::stream(opts.seed, "oversight");
    let exemptions = oversight::exemption_cases(&mut builder, &mut oversight_rng, scale)?;
    builder.plan.number_cases();
    oversight::records(&mut builder, &mut oversight_rng, scale, exemptions)?;
    activities::build(&mut builder, &mut rng::Rng::stream(opts.seed, "activities"))?;
    Ok(builder.plan)
}
