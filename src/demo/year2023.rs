//! The 2023 year of the report (domain.md, section 一): the bureau's 2723 penalty cases
//! (2640 simple, 83 general, 17 of them major with an approved legal review) fined
//! 3,842,500.00 yuan in total; the town teams' 77 general and 280 simple cases in 115 of their
//! 456 empowered town–matter pairs; 37 + 6 + 1 transfers received and accepted; two cases
//! followed by the court trainee.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::enums::{PartyKind, Procedure, TransferCategory, TransferStatus};
use entity::{follow_enrollment, party, transfer};
use sea_orm::DbErr;
use uuid::Uuid;

use super::catalogue::{MatterDef, PROJECTS, fine_range};
use super::lifecycle::{
    Actors, Builder, CaseDraft, GeneralShape, general_timeline, hearing_threshold_fen, office_time, simple_cap_fen,
    simple_timeline,
};
use super::org::assignable;
use super::people::{self, OrgStyle};
use super::plan::Scale;
use super::rng::Rng;
use crate::calendar::{Calendar, local_date};
use crate::config::Rules;

/// 384.25 万元: the fines of the bureau's 2723 cases decided in 2023.
pub(super) const BUREAU_FINES_FEN: i64 = 384_250_000;
const BUREAU_SIMPLE: usize = 2640;
const BUREAU_GENERAL: usize = 83;
const FORESTRY: usize = 37;
const BID_RIGGING: usize = 6;
const PROVIDENT_FUND: usize = 1;
/// Major cases (legal reviews, 案审): 4 bid-rigging, 5 forestry and 8 other cases; 2 of the
/// other 8 are major for their complexity, the rest for a hearing-level fine.
const MAJOR: usize = 17;
const MAJOR_BID: usize = 4;
const MAJOR_FORESTRY: usize = 5;
const MAJOR_OTHER: usize = 8;
const MAJOR_COMPLEX: usize = 2;

const YEAR: i32 = 2023;

/// Dongtou's tourist summer shows in street enforcement.
const MONTH_WEIGHT: [u32; 12] = [7, 6, 9, 10, 12, 11, 14, 15, 11, 12, 9, 8];

fn ymd(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, m, d).unwrap_or(NaiveDate::MIN)
}

/// Working days of a date range (make-up days count; the Spring Festival week does not).
fn working_days(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).filter(|d| cal.is_working_day(*d)).collect()
}

struct Days {
    /// Every working day of 2023, weighted by month: simple cases.
    all: Vec<NaiveDate>,
    weights: Vec<u32>,
    /// Filing days of general cases that are decided within 2023.
    general: Vec<NaiveDate>,
}

impl Days {
    fn new(cal: &Calendar) -> Self {
        let all = working_days(cal, ymd(1, 1), ymd(12, 31));
        let weights = all.iter().map(|d| MONTH_WEIGHT[d.month0() as usize]).collect();
        let general = working_days(cal, ymd(1, 3), ymd(10, 20));
        Days { all, weights, general }
    }

    fn any(&self, rng: &mut Rng) -> NaiveDate {
        self.all[rng.weighted(&self.weights)]
    }

    fn general(&self, rng: &mut Rng) -> NaiveDate {
        *rng.pick(&self.general)
    }
}

/// The last day a 2023 general case may be decided.
fn decide_by() -> NaiveDate {
    ymd(12, 28)
}

pub(super) fn kind_for(rng: &mut Rng, def: &MatterDef) -> PartyKind {
    if rng.below(100) < usize::from(def.org_pct) { PartyKind::Organization } else { PartyKind::Person }
}

pub(super) fn style_for(def: &MatterDef) -> OrgStyle {
    match def.domain {
        "市容" | "环境卫生" | "燃气" if def.simple => OrgStyle::Shop,
        "城乡规划" | "建设工程" | "招投标" | "市政" => OrgStyle::Contractor,
        _ => OrgStyle::Company,
    }
}

/// An on-the-spot fine (APL 51 caps) or, now and then, a warning.
fn simple_fine(rules: &Rules, rng: &mut Rng, kind: PartyKind) -> Option<i64> {
    if rng.chance(0.08) {
        return None;
    }
    let yuan: i64 = match kind {
        PartyKind::Person => *rng.pick(&[50, 50, 100, 100, 100, 150, 200]),
        PartyKind::Organization => *rng.pick(&[200, 200, 300, 500, 500, 500, 800, 1000, 1000, 1500, 2000, 3000]),
    };
    Some((yuan * 100).min(simple_cap_fen(rules, kind)))
}

/// A general-procedure fine from the matter's usual band, below the hearing level (towns may
/// not impose one, R7; the bureau's hearing-level fines are set by [`hearing_fines`]).
pub(super) fn general_fine(rules: &Rules, rng: &mut Rng, def: &MatterDef, kind: PartyKind) -> i64 {
    let below = hearing_threshold_fen(rules, kind) / 100 - 100;
    let hi = def.fine.1.min(below);
    let lo = def.fine.0.min(hi).max(50);
    let yuan = rng.range(lo, hi.max(lo));
    let yuan = if yuan >= 1000 { yuan / 100 * 100 } else { yuan / 10 * 10 };
    within_range(def, kind, yuan * 100)
}

/// R12: `fen` moved into the matter's checked fine range for a party of `kind` (the discretion
/// benchmark), unchanged where the matter has none.
pub(super) fn within_range(def: &MatterDef, kind: PartyKind, fen: i64) -> i64 {
    match fine_range(def, kind) {
        Some((min, max)) => fen.clamp(min * 100, max * 100),
        None => fen,
    }
}

/// Two distinct certified officers (APL 42), now and then led by `lead`.
pub(super) fn two_officers(rng: &mut Rng, pool: &[Uuid], lead: Option<Uuid>) -> Result<Vec<Uuid>, DbErr> {
    if pool.len() < 2 {
        return Err(DbErr::Custom("demo: fewer than two certified officers to assign".into()));
    }
    let first = match lead {
        Some(id) if rng.chance(0.15) && pool.contains(&id) => id,
        _ => *rng.pick(pool),
    };
    let rest: Vec<Uuid> = pool.iter().copied().filter(|id| *id != first).collect();
    Ok(vec![first, *rng.pick(&rest)])
}

pub(super) fn facts(day: NaiveDate, place: &str, party: &party::Model, def: &MatterDef) -> String {
    format!(
        "{}，执法人员在{place}检查时发现，当事人{}存在{}的行为，违反了{}的规定。",
        day.format("%Y年%m月%d日"),
        party.name,
        def.name,
        def.legal_basis
    )
}

/// Which kind of general case a bureau slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Forestry,
    BidRigging,
    ProvidentFund,
    Other,
}

struct Slot {
    category: Category,
    matter: usize,
    kind: PartyKind,
    major: bool,
    hearing: bool,
    fine_fen: i64,
}

pub(super) fn build(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale) -> Result<(), DbErr> {
    let days = Days::new(b.cal);
    let simple_sum = bureau_simple(b, rng, scale, &days)?;
    bureau_general(b, rng, scale, &days, simple_sum)?;
    towns(b, rng, scale, &days)?;
    Ok(())
}

/// The bureau's 2640 on-the-spot cases; returns the sum of their fines.
fn bureau_simple(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, days: &Days) -> Result<i64, DbErr> {
    let simple: Vec<usize> = (0..b.org.matters.len()).filter(|&i| b.org.matters[i].def.simple).collect();
    let weights: Vec<u32> = simple.iter().map(|&i| b.org.matters[i].def.weight).collect();
    if simple.is_empty() {
        return Err(DbErr::Custom("demo catalogue has no simple matters".into()));
    }
    let mut sum = 0;
    for _ in 0..scale.of(BUREAU_SIMPLE) {
        let matter = simple[rng.weighted(&weights)];
        let def = b.org.matters[matter].def;
        let day = days.any(rng);
        let filed_at = office_time(rng, day);
        let kind = kind_for(rng, def);
        let town = people::town(rng);
        let party = people::party(rng, kind, filed_at, town, style_for(def));
        let fine = simple_fine(b.rules, rng, kind);
        sum += fine.unwrap_or(0);
        let officers = two_officers(rng, &b.org.bureau_assignable(day), Some(b.org.officer))?;
        let actors = Actors { officers: officers.clone(), reviewer: b.org.reviewer };
        // A few fines are still unpaid (awaiting compulsory execution, APL 72).
        let unpaid = fine.is_some() && rng.chance(0.01);
        let timeline = simple_timeline(rng, b.cal, filed_at, fine.is_some(), unpaid, &actors);
        let place = people::place(rng, town);
        let draft = CaseDraft {
            department_id: b.org.bureau,
            town: None,
            procedure: Procedure::Simple,
            matter,
            facts: facts(day, &place, &party, def),
            party,
            created_by: officers[0],
            officers,
            major: false,
            serious_harm: false,
            fine_fen: fine,
            notice_fine_fen: None,
            occurred_at: filed_at - TimeDelta::minutes(rng.range(5, 90)),
            ended_at: None,
            location: place,
            source_transfer_id: None,
            records: 0,
        };
        b.add_case(rng, draft, &timeline, None)?;
    }
    Ok(sum)
}

/// Decides the bureau's general cases: categories, majors, parties and fines, so that the
/// year's fines add up to [`BUREAU_FINES_FEN`] at full scale.
fn plan_general_slots(b: &Builder<'_>, rng: &mut Rng, scale: Scale, simple_sum: i64) -> Result<Vec<Slot>, DbErr> {
    let org = &b.org;
    let forestry: Vec<usize> =
        ["LY-001", "LY-002", "LY-003", "LY-004"].iter().map(|c| org.matter(c)).collect::<Result<_, _>>()?;
    let forestry_w: Vec<u32> = forestry.iter().map(|&i| org.matters[i].def.weight).collect();
    let other: Vec<usize> = (0..org.matters.len())
        .filter(|&i| {
            let d = org.matters[i].def;
            !d.simple && d.weight > 0 && !matches!(d.domain, "林业" | "招投标" | "公积金")
        })
        .collect();
    let other_w: Vec<u32> = other.iter().map(|&i| org.matters[i].def.weight).collect();
    // Hearing-level "other" cases are against companies in matters with large fines.
    let heavy: Vec<usize> = other
        .iter()
        .copied()
        .filter(|&i| {
            let d = org.matters[i].def;
            d.org_pct >= 50 && d.fine.1 >= 50_000
        })
        .collect();
    let heavy_w: Vec<u32> = heavy.iter().map(|&i| org.matters[i].def.weight).collect();

    let n_forestry = scale.of(FORESTRY);
    let n_bid = scale.of(BID_RIGGING);
    let n_pf = scale.of(PROVIDENT_FUND);
    let n_other = scale.of(BUREAU_GENERAL).saturating_sub(n_forestry + n_bid + n_pf);

    // Majors per category, topped up to the scaled total.
    let mut majors = [
        (Category::BidRigging, (MAJOR_BID as f64 * scale.0).round() as usize, n_bid),
        (Category::Forestry, (MAJOR_FORESTRY as f64 * scale.0).round() as usize, n_forestry),
        (Category::Other, (MAJOR_OTHER as f64 * scale.0).round() as usize, n_other),
    ]
    .map(|(c, want, n)| (c, want.min(n), n));
    let want_total = scale.of(MAJOR);
    let mut total: usize = majors.iter().map(|m| m.1).sum();
    for m in majors.iter_mut() {
        while total < want_total && m.1 < m.2 {
            m.1 += 1;
            total += 1;
        }
    }
    let majors_of = |c: Category| majors.iter().find(|m| m.0 == c).map_or(0, |m| m.1);
    let complex = if majors_of(Category::Other) >= 3 { scale.of(MAJOR_COMPLEX) } else { 0 };

    let mut slots = Vec::new();
    let zb1 = org.matter("ZB-001")?;
    let zb2 = org.matter("ZB-002")?;
    for i in 0..n_bid {
        let major = i < majors_of(Category::BidRigging);
        slots.push(Slot {
            category: Category::BidRigging,
            matter: if i == n_bid - 1 && n_bid > 1 { zb2 } else { zb1 },
            kind: PartyKind::Organization,
            major,
            hearing: major,
            fine_fen: 0,
        });
    }
    for i in 0..n_forestry {
        let matter = forestry[rng.weighted(&forestry_w)];
        let major = i < majors_of(Category::Forestry);
        // Of the five hearing-level forestry cases, three are against persons.
        let kind = if major {
            if i % 5 < 3 { PartyKind::Person } else { PartyKind::Organization }
        } else {
            kind_for(rng, org.matters[matter].def)
        };
        slots.push(Slot { category: Category::Forestry, matter, kind, major, hearing: major, fine_fen: 0 });
    }
    let gjj = org.matter("GJJ-001")?;
    for _ in 0..n_pf {
        slots.push(Slot {
            category: Category::ProvidentFund,
            matter: gjj,
            kind: PartyKind::Organization,
            major: false,
            hearing: false,
            fine_fen: 0,
        });
    }
    for i in 0..n_other {
        let major = i < majors_of(Category::Other);
        let hearing = major && i >= complex;
        let (matter, kind) = if hearing && !heavy.is_empty() {
            (heavy[rng.weighted(&heavy_w)], PartyKind::Organization)
        } else {
            let m = other[rng.weighted(&other_w)];
            (m, kind_for(rng, org.matters[m].def))
        };
        slots.push(Slot { category: Category::Other, matter, kind, major, hearing, fine_fen: 0 });
    }

    // Fines below the hearing level first; the hearing-level ones take the rest.
    for s in slots.iter_mut().filter(|s| !s.hearing) {
        s.fine_fen = general_fine(b.rules, rng, org.matters[s.matter].def, s.kind);
    }
    let target = if scale.is_full() {
        BUREAU_FINES_FEN
    } else {
        ((BUREAU_FINES_FEN as f64 * scale.0) / 10_000.0).round() as i64 * 10_000
    };
    leave_room_for_hearing_fines(b.rules, &mut slots, target - simple_sum);
    // Scaled down, a fine still lies in its matter's range (R12); the hearing-level fines
    // below take whatever that leaves.
    for s in slots.iter_mut().filter(|s| !s.hearing) {
        s.fine_fen = within_range(org.matters[s.matter].def, s.kind, s.fine_fen);
    }
    let fixed_sum = simple_sum + slots.iter().filter(|s| !s.hearing).map(|s| s.fine_fen).sum::<i64>();
    let mut hearing: Vec<&mut Slot> = slots.iter_mut().filter(|s| s.hearing).collect();
    hearing_fines(b.rules, rng, &mut hearing, target - fixed_sum);
    if scale.is_full() {
        let total: i64 = simple_sum + slots.iter().map(|s| s.fine_fen).sum::<i64>();
        if total != BUREAU_FINES_FEN {
            return Err(DbErr::Custom(format!(
                "demo fines add up to {total} fen, not {BUREAU_FINES_FEN}: the catalogue's fine bands need adjusting"
            )));
        }
    }
    Ok(slots)
}

/// Whatever the seed draws, the hearing-level cases must be able to reach their floors with
/// room to spare (half their floors again); when the other general fines leave less, they
/// are scaled down together (staying multiples of ¥10).
fn leave_room_for_hearing_fines(rules: &Rules, slots: &mut [Slot], budget: i64) {
    let floors: i64 = slots.iter().filter(|s| s.hearing).map(|s| hearing_threshold_fen(rules, s.kind)).sum();
    let room = budget - floors - floors / 2;
    let drawn: i64 = slots.iter().filter(|s| !s.hearing).map(|s| s.fine_fen).sum();
    if room <= 0 || drawn <= room {
        return;
    }
    for s in slots.iter_mut().filter(|s| !s.hearing) {
        let scaled = i128::from(s.fine_fen) * i128::from(room) / i128::from(drawn);
        s.fine_fen = (scaled as i64 / 1_000 * 1_000).max(5_000);
    }
}

/// Shares `remainder` among the hearing-level cases: each gets at least the hearing level of
/// its party, plus a weighted part of what is left (companies more than persons), rounded to
/// ¥100; the last takes the exact rest, so the year's total is exact.
fn hearing_fines(rules: &Rules, rng: &mut Rng, slots: &mut [&mut Slot], remainder: i64) {
    if slots.is_empty() {
        return;
    }
    // The absorbing slot is a company when there is one (the largest share).
    if let Some(pos) = slots.iter().position(|s| s.kind == PartyKind::Organization) {
        let last = slots.len() - 1;
        slots.swap(pos, last);
    }
    let floors: Vec<i64> = slots.iter().map(|s| hearing_threshold_fen(rules, s.kind)).collect();
    let spare = remainder - floors.iter().sum::<i64>();
    let weights: Vec<f64> = slots
        .iter()
        .map(|s| {
            let base = match s.kind {
                PartyKind::Person => 1.0,
                PartyKind::Organization => 3.0,
            };
            base * (0.6 + 0.8 * rng.unit())
        })
        .collect();
    let total_w: f64 = weights.iter().sum();
    let mut given = 0;
    let n = slots.len();
    for (i, s) in slots.iter_mut().enumerate() {
        if spare <= 0 {
            s.fine_fen = floors[i];
            continue;
        }
        if i + 1 == n {
            s.fine_fen = remainder - given;
        } else {
            let share = (spare as f64 * weights[i] / total_w) as i64 / 10_000 * 10_000;
            s.fine_fen = floors[i] + share;
            given += s.fine_fen;
        }
    }
}

fn bureau_general(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, days: &Days, simple_sum: i64) -> Result<(), DbErr> {
    let slots = plan_general_slots(b, rng, scale, simple_sum)?;
    let mut followed = Vec::new();
    for slot in slots {
        let def = b.org.matters[slot.matter].def;
        let transfer_from = match slot.category {
            Category::Forestry => Some((b.org.natural_resources, b.org.nr_liaison, TransferCategory::Forestry)),
            Category::BidRigging => Some((b.org.housing, b.org.housing_liaison, TransferCategory::BidRigging)),
            Category::ProvidentFund => Some((b.org.provident_fund, b.org.pf_liaison, TransferCategory::ProvidentFund)),
            Category::Other => None,
        };

        // Transfers are requested on a working day and accepted within T7 (the configured
        // answer days, 5 by default: answered after 1 to 4); the accepted case is filed in the
        // same transaction.
        let request_day = days.general(rng);
        let requested_at = office_time(rng, request_day);
        let (filed_at, created_by) = match transfer_from {
            Some(_) => {
                let latest = i64::from(b.rules.transfer_answer_days).clamp(1, 4);
                let day = b.cal.add_working_days(request_day, rng.range(1, latest) as u32);
                (office_time(rng, day), b.org.officer)
            }
            None => (requested_at, Uuid::nil()),
        };
        let filed_day = local_date(filed_at);
        let pool = b.org.bureau_assignable(filed_day);
        let officers = two_officers(rng, &pool, Some(b.org.officer))?;
        let created_by = if created_by.is_nil() { officers[0] } else { created_by };

        let town = people::town(rng);
        let party_at = transfer_from.map_or(filed_at, |_| requested_at);
        let style = match slot.category {
            Category::BidRigging => OrgStyle::Contractor,
            _ => style_for(def),
        };
        let party = people::party(rng, slot.kind, party_at, town, style);
        let place = match slot.category {
            Category::BidRigging => "洞头区公共资源交易中心".to_string(),
            Category::ProvidentFund => party.address.clone().unwrap_or_default(),
            _ => people::place(rng, town),
        };
        let (occurred_at, ended_at) = occurred(rng, filed_at, def);
        let case_facts = match slot.category {
            Category::Forestry => forestry_facts(rng, &place, &party, def),
            Category::BidRigging => bid_facts(rng, &party, slot.fine_fen),
            Category::ProvidentFund => format!(
                "当事人{}未按规定为职工办理住房公积金缴存登记及账户设立手续，经住房公积金管理中心责令限期办理，逾期仍未办理，违反了{}的规定。",
                party.name, def.legal_basis
            ),
            Category::Other => facts(local_date(occurred_at), &place, &party, def),
        };
        // R5: a notice may announce more than is finally decided (after the party's
        // statement), never less; only where both stay below the hearing level.
        let notice_fine = if !slot.major && rng.chance(0.15) {
            let higher = within_range(def, slot.kind, slot.fine_fen / 100 * 120);
            if higher < hearing_threshold_fen(b.rules, slot.kind) { higher } else { slot.fine_fen }
        } else {
            slot.fine_fen
        };
        let shape = GeneralShape {
            hearing_level: notice_fine >= hearing_threshold_fen(b.rules, slot.kind),
            major: slot.major,
            fined: slot.fine_fen > 0,
        };
        let actors = Actors { officers: officers.clone(), reviewer: b.org.reviewer };
        let timeline = general_timeline(rng, b.cal, filed_at, shape, &actors, decide_by());

        let transfer_id = transfer_from.map(|_| rng.uuid_at(requested_at));
        let subject = match slot.category {
            Category::Forestry => format!("林业督查图斑核查：{place}疑似{}", def.name),
            Category::BidRigging => format!("{}涉嫌串通投标线索移交", party.name),
            Category::ProvidentFund => format!("{}不按规定办理住房公积金缴存", party.name),
            Category::Other => String::new(),
        };
        let party_id = party.id;
        let draft = CaseDraft {
            department_id: b.org.bureau,
            town: None,
            procedure: Procedure::General,
            matter: slot.matter,
            party,
            officers,
            major: slot.major,
            serious_harm: false,
            fine_fen: Some(slot.fine_fen),
            notice_fine_fen: Some(notice_fine),
            occurred_at,
            ended_at,
            location: place,
            facts: case_facts.clone(),
            source_transfer_id: transfer_id,
            records: rng.range(2, 5) as usize,
            created_by,
        };
        let case_id = b.add_case(rng, draft, &timeline, None)?;

        if let (Some(id), Some((from, liaison, category))) = (transfer_id, transfer_from) {
            b.plan.transfers.push(transfer::Model {
                id,
                from_department_id: from,
                to_department_id: b.org.bureau,
                category,
                status: TransferStatus::Accepted,
                subject,
                facts: case_facts,
                case_id: None,
                party_id: Some(party_id),
                matter_code: Some(def.code.to_string()),
                resulting_case_id: Some(case_id),
                requested_at,
                requested_by: Some(liaison),
                answered_at: Some(filed_at),
                answered_by: Some(b.org.officer),
                reason: None,
                note: Some("已受理，立案查处".to_string()),
                version: 2,
                occurred_at: None,
                ended_at: None,
                replaces_transfer_id: None,
            });
            if b.first_chunk && category == TransferCategory::Forestry && followed.len() < 2 {
                followed.push((case_id, filed_at));
            }
        }
    }

    // 跟案学习: the court trainee follows two forestry cases end to end.
    for (case_id, filed_at) in followed {
        let enrolled_at = filed_at + TimeDelta::days(1);
        b.plan.follow_enrollments.push(follow_enrollment::Model {
            id: rng.uuid_at(enrolled_at),
            case_id,
            trainee_id: b.org.trainee,
            enrolled_by: b.org.admin,
            enrolled_at,
            valid_until: None,
        });
    }
    Ok(())
}

/// R6: the act ended within two years before filing. Continuing acts (land occupied, a
/// building standing) have an end; one-off acts only a date.
pub(super) fn occurred(
    rng: &mut Rng,
    filed_at: DateTime<Utc>,
    def: &MatterDef,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let continuing =
        matches!(def.domain, "城乡规划" | "土地管理") || matches!(def.code, "LY-003" | "YL-005" | "SZ-001" | "SR-008");
    let back_days = match def.domain {
        "林业" => rng.range(40, 420),
        "招投标" | "公积金" => rng.range(30, 200),
        _ => rng.range(1, 30),
    };
    let occurred_at = filed_at - TimeDelta::days(back_days) - TimeDelta::minutes(rng.range(0, 600));
    let ended_at =
        continuing.then(|| (occurred_at + TimeDelta::days(rng.range(5, 40))).min(filed_at - TimeDelta::hours(1)));
    (occurred_at, ended_at)
}

fn forestry_facts(rng: &mut Rng, place: &str, party: &party::Model, def: &MatterDef) -> String {
    let detail = if def.code == "LY-003" {
        format!("未经林业主管部门审核同意，擅自改变林地用途，涉及林地面积{}.{}亩", rng.range(1, 12), rng.range(0, 9))
    } else {
        format!("未取得林木采伐许可证采伐林木，立木蓄积约{}.{}立方米", rng.range(3, 60), rng.range(0, 9))
    };
    format!(
        "经林业督查遥感图斑核查，当事人{}在{place}{detail}，涉嫌{}，违反了{}的规定。",
        party.name, def.name, def.legal_basis
    )
}

/// Bidding Law art. 53: 0.5%–1% of the contract amount; the amount follows from the fine.
fn bid_facts(rng: &mut Rng, party: &party::Model, fine_fen: i64) -> String {
    let permille = rng.range(5, 10);
    let amount_wan = (fine_fen / 100) * 1000 / permille / 10_000;
    format!(
        "在{}招标过程中（中标金额约{amount_wan}万元），当事人{}与其他投标人的投标文件出现异常一致，涉嫌相互串通投标，违反了《中华人民共和国招标投标法》第三十二条的规定。",
        rng.pick(PROJECTS),
        party.name
    )
}

/// The town teams' cases: each town picks the matters it penalised in 2023 and files every
/// case in one of them, on a day the matter is empowered to it (R7).
fn towns(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, days: &Days) -> Result<(), DbErr> {
    let jan1 = ymd(1, 1);
    let dec31 = ymd(12, 31);
    for t in 0..b.org.towns.len() {
        let def = b.org.towns[t].def;
        let team_id = b.org.towns[t].id;
        let n_general = scale.of(def.general_2023);
        let n_simple = scale.of(def.simple_2023);
        let k = scale.of(def.penalised_matters_2023).min(n_general + n_simple);

        // Matters held the whole year (the dated ones are left alone, so every filing day works).
        let held: Vec<usize> = (0..b.org.matters.len())
            .filter(|&i| {
                b.org.empowerments.iter().any(|e| {
                    e.matter == i && e.town == def.name && e.from <= jan1 && e.until.is_none_or(|u| u >= dec31)
                })
            })
            .collect();
        let chosen = choose_matters(rng, b, &held, k);
        if chosen.is_empty() {
            return Err(DbErr::Custom(format!("no matters empowered to {}", def.name)));
        }

        let mut plan: Vec<(usize, Procedure)> = Vec::new();
        let (mut s_left, mut g_left) = (n_simple, n_general);
        for &m in &chosen {
            let simple = (b.org.matters[m].def.simple && s_left > 0) || g_left == 0;
            if simple {
                s_left -= 1;
                plan.push((m, Procedure::Simple));
            } else {
                g_left -= 1;
                plan.push((m, Procedure::General));
            }
        }
        let simple_pool: Vec<usize> = chosen.iter().copied().filter(|&m| b.org.matters[m].def.simple).collect();
        let simple_pool = if simple_pool.is_empty() { chosen.clone() } else { simple_pool };
        let weight =
            |pool: &[usize]| -> Vec<u32> { pool.iter().map(|&m| b.org.matters[m].def.weight.max(1)).collect() };
        let (sw, gw) = (weight(&simple_pool), weight(&chosen));
        for _ in 0..s_left {
            plan.push((simple_pool[rng.weighted(&sw)], Procedure::Simple));
        }
        for _ in 0..g_left {
            plan.push((chosen[rng.weighted(&gw)], Procedure::General));
        }

        for (matter, procedure) in plan {
            let mdef = b.org.matters[matter].def;
            let day = match procedure {
                Procedure::Simple => days.any(rng),
                Procedure::General => days.general(rng),
            };
            debug_assert!(b.org.empowered(def.name, matter, day));
            let filed_at = office_time(rng, day);
            let kind = kind_for(rng, mdef);
            let town = def;
            let party = people::party(rng, kind, filed_at, town, style_for(mdef));
            let place = people::place(rng, town);
            let pool = assignable(&b.org.towns[t].officers, day);
            let officers = two_officers(rng, &pool, None)?;
            let actors = Actors { officers: officers.clone(), reviewer: b.org.reviewer };
            let (fine, notice_fine, timeline, occurred_at, ended_at, records) = match procedure {
                Procedure::Simple => {
                    let fine = simple_fine(b.rules, rng, kind);
                    let tl = simple_timeline(rng, b.cal, filed_at, fine.is_some(), false, &actors);
                    let occurred_at = filed_at - TimeDelta::minutes(rng.range(5, 90));
                    (fine, None, tl, occurred_at, None, 0)
                }
                Procedure::General => {
                    let fine = general_fine(b.rules, rng, mdef, kind);
                    let shape = GeneralShape { hearing_level: false, major: false, fined: fine > 0 };
                    let tl = general_timeline(rng, b.cal, filed_at, shape, &actors, decide_by());
                    let (occurred_at, ended_at) = occurred(rng, filed_at, mdef);
                    let records = rng.range(2, 5) as usize;
                    (Some(fine), Some(fine), tl, occurred_at, ended_at, records)
                }
            };
            let draft = CaseDraft {
                department_id: team_id,
                town: Some(def.name),
                procedure,
                matter,
                facts: facts(local_date(occurred_at), &place, &party, mdef),
                party,
                created_by: officers[0],
                officers,
                major: false,
                serious_harm: false,
                fine_fen: fine,
                notice_fine_fen: notice_fine,
                occurred_at,
                ended_at,
                location: place,
                source_transfer_id: None,
                records,
            };
            b.add_case(rng, draft, &timeline, None)?;
        }
    }
    Ok(())
}

/// `k` distinct matters from `held`, by weight, the first one typical of the simple procedure
/// (so the town's on-the-spot cases have a matter to go to).
fn choose_matters(rng: &mut Rng, b: &Builder<'_>, held: &[usize], k: usize) -> Vec<usize> {
    let mut left: Vec<usize> = held.to_vec();
    let mut chosen = Vec::with_capacity(k);
    while chosen.len() < k && !left.is_empty() {
        let candidates: Vec<usize> = if chosen.is_empty() {
            let simple: Vec<usize> = (0..left.len()).filter(|&i| b.org.matters[left[i]].def.simple).collect();
            if simple.is_empty() { (0..left.len()).collect() } else { simple }
        } else {
            (0..left.len()).collect()
        };
        let weights: Vec<u32> = candidates.iter().map(|&i| b.org.matters[left[i]].def.weight.max(1)).collect();
        let pos = candidates[rng.weighted(&weights)];
        chosen.push(left.swap_remove(pos));
    }
    chosen
}
