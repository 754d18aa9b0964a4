//! A little live work near `now`, so dashboards and officers have something to act on: bureau
//! general cases filed in the last 60 days and still before a decision, town cases in
//! progress, and transfers from natural resources waiting for an answer (one past T7).
//!
//! All of it is filed in `now`'s year, never in the demo year: when `now` is not after 2023
//! (a clock set back, a test), there is no open work.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::enums::{PartyKind, Procedure, TransferCategory, TransferStatus};
use entity::transfer;
use sea_orm::DbErr;
use uuid::Uuid;

use super::lifecycle::{
    Actors, Builder, CaseDraft, GeneralShape, general_timeline, hearing_threshold_fen, office_time,
};
use super::org::{Officer, assignable};
use super::people;
use super::plan::Scale;
use super::rng::Rng;
use super::year2023::{facts, general_fine, kind_for, occurred, style_for, two_officers};
use crate::calendar::{Calendar, local_date, start_of_day};

const BUREAU_OPEN: usize = 20;
const TOWN_OPEN: usize = 6;
const PENDING_TRANSFERS: usize = 3;

/// Open filings are at least this old, so their records and steps fit before `now`.
const MIN_AGE: TimeDelta = TimeDelta::hours(3);

struct Window {
    now: DateTime<Utc>,
    today: NaiveDate,
    year_start: DateTime<Utc>,
}

impl Window {
    /// Working days (any days if there are none) from `back` days ago to today, within
    /// `now`'s year.
    fn days(&self, cal: &Calendar, back: u64) -> Vec<NaiveDate> {
        let first =
            self.today.checked_sub_days(chrono::Days::new(back)).unwrap_or(self.today).max(local_date(self.year_start));
        let all: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= self.today).collect();
        let working: Vec<NaiveDate> = all.iter().copied().filter(|d| cal.is_working_day(*d)).collect();
        if working.is_empty() { all } else { working }
    }

    /// An office-hours instant of `day`, moved back so it is at least [`MIN_AGE`] old.
    fn instant(&self, rng: &mut Rng, day: NaiveDate) -> Option<DateTime<Utc>> {
        let at = office_time(rng, day).min(self.now - MIN_AGE - TimeDelta::seconds(rng.range(0, 3600)));
        (at >= self.year_start).then_some(at)
    }
}

/// Officers certified on `day`, or (years after the demo certificates ran out) any who ever
/// held one, so the open work still has two officers.
fn officers_on(officers: &[Officer], day: NaiveDate) -> Vec<Uuid> {
    let valid = assignable(officers, day);
    if valid.len() >= 2 {
        return valid;
    }
    officers.iter().filter(|o| o.certificate_valid_until.is_some() && o.joined <= day).map(|o| o.id).collect()
}

pub(super) fn build(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, now: DateTime<Utc>) -> Result<(), DbErr> {
    let today = local_date(now);
    let Some(year_first) = NaiveDate::from_ymd_opt(today.year(), 1, 1) else {
        return Ok(());
    };
    if today.year() <= 2023 {
        return Ok(());
    }
    let window = Window { now, today, year_start: start_of_day(year_first) };
    bureau_cases(b, rng, scale, &window)?;
    town_cases(b, rng, scale, &window)?;
    pending_transfers(b, rng, scale, &window)?;
    Ok(())
}

fn bureau_cases(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, w: &Window) -> Result<(), DbErr> {
    let days = w.days(b.cal, 60);
    let other: Vec<usize> = (0..b.org.matters.len())
        .filter(|&i| {
            let d = b.org.matters[i].def;
            !d.simple && d.weight > 0 && !matches!(d.domain, "林业" | "招投标" | "公积金")
        })
        .collect();
    let weights: Vec<u32> = other.iter().map(|&i| b.org.matters[i].def.weight).collect();
    for _ in 0..scale.of(BUREAU_OPEN) {
        let day = *rng.pick(&days);
        let Some(filed_at) = w.instant(rng, day) else {
            continue;
        };
        let matter = other[rng.weighted(&weights)];
        let def = b.org.matters[matter].def;
        let kind = kind_for(rng, def);
        // Now and then a hearing-level notice, which makes the case major (R4).
        let hearing_level = rng.chance(0.15);
        let fine = if hearing_level {
            hearing_threshold_fen(b.rules, kind) + rng.range(0, 40) * 100_000
        } else {
            general_fine(b.rules, rng, def, kind)
        };
        let town = people::town(rng);
        let party = people::party(rng, kind, filed_at, town, style_for(def));
        let place = people::place(rng, town);
        let pool = officers_on(&b.org.bureau_officers, local_date(filed_at));
        let officers = two_officers(rng, &pool, Some(b.org.officer))?;
        let actors = Actors { officers: officers.clone(), reviewer: b.org.reviewer };
        let shape = GeneralShape { hearing_level, major: hearing_level, fined: true };
        let mut timeline = general_timeline(rng, b.cal, filed_at, shape, &actors, NaiveDate::MAX);
        timeline.truncate_open(w.now);
        let (occurred_at, ended_at) = occurred(rng, filed_at, def);
        let draft = CaseDraft {
            department_id: b.org.bureau,
            town: None,
            procedure: Procedure::General,
            matter,
            facts: facts(local_date(occurred_at), &place, &party, def),
            party,
            created_by: officers[0],
            officers,
            major: hearing_level,
            serious_harm: false,
            fine_fen: Some(fine),
            notice_fine_fen: Some(fine),
            occurred_at,
            ended_at,
            location: place,
            source_transfer_id: None,
            records: rng.range(2, 5) as usize,
        };
        b.add_case(rng, draft, &timeline, Some(w.now))?;
    }
    Ok(())
}

fn town_cases(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, w: &Window) -> Result<(), DbErr> {
    let days = w.days(b.cal, 30);
    for i in 0..scale.of(TOWN_OPEN) {
        let t = i % b.org.towns.len().max(1);
        let Some(team) = b.org.towns.get(t) else {
            continue;
        };
        let (tdef, team_id) = (team.def, team.id);
        let day = *rng.pick(&days);
        let Some(filed_at) = w.instant(rng, day) else {
            continue;
        };
        // R7: a matter empowered to the town on the filing day.
        let held: Vec<usize> =
            (0..b.org.matters.len()).filter(|&m| b.org.empowered(tdef.name, m, local_date(filed_at))).collect();
        if held.is_empty() {
            continue;
        }
        let weights: Vec<u32> = held.iter().map(|&m| b.org.matters[m].def.weight.max(1)).collect();
        let matter = held[rng.weighted(&weights)];
        let def = b.org.matters[matter].def;
        let kind = kind_for(rng, def);
        let fine = general_fine(b.rules, rng, def, kind);
        let party = people::party(rng, kind, filed_at, tdef, style_for(def));
        let place = people::place(rng, tdef);
        let pool = officers_on(&team.officers, local_date(filed_at));
        let officers = two_officers(rng, &pool, None)?;
        let actors = Actors { officers: officers.clone(), reviewer: b.org.reviewer };
        let shape = GeneralShape { hearing_level: false, major: false, fined: true };
        let mut timeline = general_timeline(rng, b.cal, filed_at, shape, &actors, NaiveDate::MAX);
        timeline.truncate_open(w.now);
        let (occurred_at, ended_at) = occurred(rng, filed_at, def);
        let draft = CaseDraft {
            department_id: team_id,
            town: Some(tdef.name),
            procedure: Procedure::General,
            matter,
            facts: facts(local_date(occurred_at), &place, &party, def),
            party,
            created_by: officers[0],
            officers,
            major: false,
            serious_harm: false,
            fine_fen: Some(fine),
            notice_fine_fen: Some(fine),
            occurred_at,
            ended_at,
            location: place,
            source_transfer_id: None,
            records: rng.range(2, 5) as usize,
        };
        b.add_case(rng, draft, &timeline, Some(w.now))?;
    }
    Ok(())
}

/// Forestry transfers waiting for the bureau: requested 1, 4, 7 … working days ago, so the
/// oldest is past T7 (5 working days) and shows as overdue.
fn pending_transfers(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, w: &Window) -> Result<(), DbErr> {
    let forestry = [b.org.matter("LY-001")?, b.org.matter("LY-003")?];
    for i in 0..scale.of(PENDING_TRANSFERS) {
        let day = working_days_before(b.cal, w.today, 1 + 3 * i as u32);
        let Some(requested_at) = w.instant(rng, day) else {
            continue;
        };
        let matter = forestry[i % forestry.len()];
        let def = b.org.matters[matter].def;
        let town = people::town(rng);
        let kind = if rng.chance(0.7) { PartyKind::Person } else { PartyKind::Organization };
        let party = people::party(rng, kind, requested_at, town, style_for(def));
        let place = people::place(rng, town);
        b.plan.transfers.push(transfer::Model {
            id: rng.uuid_at(requested_at),
            from_department_id: b.org.natural_resources,
            to_department_id: b.org.bureau,
            category: TransferCategory::Forestry,
            status: TransferStatus::Pending,
            subject: format!("林业督查图斑核查：{place}疑似{}", def.name),
            facts: format!(
                "经林业督查遥感图斑核查，{}在{place}涉嫌{}，现将线索及核查材料移交贵局依法查处。",
                party.name, def.name
            ),
            case_id: None,
            party_id: Some(party.id),
            matter_code: Some(def.code.to_string()),
            resulting_case_id: None,
            requested_at,
            requested_by: Some(b.org.nr_liaison),
            answered_at: None,
            answered_by: None,
            reason: None,
            note: None,
            version: 1,
            occurred_at: None,
            ended_at: None,
            replaces_transfer_id: None,
        });
        b.plan.parties.push(party);
    }
    Ok(())
}

/// The `n`th working day before `day`.
fn working_days_before(cal: &Calendar, day: NaiveDate, n: u32) -> NaiveDate {
    let mut current = day;
    let mut left = n;
    while left > 0 {
        match current.pred_opt() {
            Some(prev) => current = prev,
            None => break,
        }
        if cal.is_working_day(current) {
            left -= 1;
        }
    }
    current
}
