//! The demo year against the report's figures and the rules, on SQLite temp files.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::enums::{
    CaseStatus, DepartmentKind, PartyKind, Procedure, ReviewState, Role, TransferCategory, TransferStatus,
};
use entity::prelude::*;
use entity::{case, user};
use migration::{Migrator, MigratorTrait};
use sea_orm::{Database, DatabaseConnection, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use super::*;
use crate::calendar::{local_date, year_bounds};
use crate::config::Rules;

async fn fresh_db(dir: &tempfile::TempDir, name: &str) -> (DatabaseConnection, Calendar) {
    let path = dir.path().join(name);
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    let cal = Calendar::load(&db).await.expect("calendar");
    (db, cal)
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T10:00:00+08:00").expect("now").with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn in_2023(at: Option<DateTime<Utc>>) -> bool {
    let (from, to) = year_bounds(2023).expect("bounds");
    at.is_some_and(|at| from <= at && at < to)
}

fn simple_caps_hold(cases: &[case::Model], parties: &HashMap<Uuid, PartyKind>) {
    for c in cases.iter().filter(|c| c.procedure == Procedure::Simple) {
        let cap = match parties[&c.party_id] {
            PartyKind::Person => 20_000,
            PartyKind::Organization => 300_000,
        };
        let fine = c.fine_fen.unwrap_or(0);
        assert!((0..=cap).contains(&fine), "R1 broken by {}: {fine}", c.case_no);
    }
}

/// Every case's chain verifies with the same check `verifyRecordChain` uses.
fn chains_verify(records: &[entity::record::Model]) -> usize {
    let mut by_case: HashMap<Uuid, Vec<entity::record::Model>> = HashMap::new();
    for r in records {
        by_case.entry(r.case_id).or_default().push(r.clone());
    }
    for chain in by_case.values_mut() {
        chain.sort_by_key(|r| r.seq);
        let check = crate::records::service::check_chain(chain);
        assert!(check.intact, "record chain broken at {:?}", check.first_broken);
        assert!(chain.windows(2).all(|w| w[0].submitted_at < w[1].submitted_at));
    }
    by_case.len()
}

#[tokio::test]
async fn full_scale_reproduces_the_2023_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, cal) = fresh_db(&dir, "full.db").await;
    assert!(!has_data(&db).await.expect("has_data"));

    let started = Instant::now();
    let summary = seed(&db, &cal, &DemoOptions::default(), now()).await.expect("seed");
    let elapsed = started.elapsed();
    println!("full-scale demo seeding: {elapsed:.2?} for {summary:?}");
    assert!(has_data(&db).await.expect("has_data"));

    let departments = Department::find().all(&db).await.expect("departments");
    let dept: HashMap<Uuid, &entity::department::Model> = departments.iter().map(|d| (d.id, d)).collect();
    let bureau = departments.iter().find(|d| d.code == BUREAU).expect("bureau");
    assert_eq!(bureau.case_prefix, "洞综执");
    assert_eq!(departments.iter().filter(|d| d.kind == DepartmentKind::TownTeam).count(), 6);
    let parties: HashMap<Uuid, PartyKind> =
        Party::find().all(&db).await.expect("parties").into_iter().map(|p| (p.id, p.kind)).collect();
    let cases = Case::find().all(&db).await.expect("cases");
    assert_eq!(cases.len(), summary.cases);

    // The bureau: 2723 = 2640 + 83, 384.25 万元, 17 approved legal reviews.
    let bureau_2023: Vec<&case::Model> =
        cases.iter().filter(|c| c.department_id == bureau.id && in_2023(c.decided_at)).collect();
    let simple = bureau_2023.iter().filter(|c| c.procedure == Procedure::Simple).count();
    assert_eq!((bureau_2023.len(), simple), (2723, 2640));
    let fines: i64 = bureau_2023.iter().filter_map(|c| c.fine_fen).sum();
    assert_eq!(fines, 384_250_000);
    let majors: Vec<_> = bureau_2023.iter().filter(|c| c.major).collect();
    assert_eq!(majors.len(), 17);
    assert!(majors.iter().all(|c| c.review_state == ReviewState::Approved));
    assert!(cases.iter().filter(|c| c.hearing_level).all(|c| c.major), "R4: hearing-level cases are major");

    // Town teams: 77 general and 280 simple, decided in 2023, in empowered matters.
    let town_2023: Vec<&case::Model> = cases
        .iter()
        .filter(|c| dept[&c.department_id].kind == DepartmentKind::TownTeam && in_2023(c.decided_at))
        .collect();
    let town_general = town_2023.iter().filter(|c| c.procedure == Procedure::General).count();
    assert_eq!((town_general, town_2023.len() - town_general), (77, 280));
    let empowerments = MatterEmpowerment::find().all(&db).await.expect("empowerments");
    let empowered = |town: &str, matter: Uuid, on: NaiveDate| {
        empowerments.iter().any(|e| {
            e.town == town && e.matter_id == matter && e.valid_from <= on && e.valid_until.is_none_or(|u| on <= u)
        })
    };
    for c in cases.iter().filter(|c| dept[&c.department_id].kind == DepartmentKind::TownTeam) {
        let town = c.town.as_deref().expect("town case has a town");
        assert_eq!(dept[&c.department_id].town.as_deref(), Some(town));
        assert!(empowered(town, c.matter_id, local_date(c.filed_at)), "R7 broken by {}", c.case_no);
        assert!(!c.hearing_level);
    }
    let pairs_2023: HashSet<(String, Uuid)> = empowerments
        .iter()
        .filter(|e| e.valid_from <= day("2023-12-31") && e.valid_until.is_none_or(|u| u >= day("2023-01-01")))
        .map(|e| (e.town.clone(), e.matter_id))
        .collect();
    assert_eq!(pairs_2023.len(), 456);
    let penalised: HashSet<(String, Uuid)> =
        town_2023.iter().map(|c| (c.town.clone().unwrap_or_default(), c.matter_id)).collect();
    assert_eq!(penalised.len(), 115, "25.21% penalty coverage");

    // Transfers: 37 / 6 / 1 accepted in 2023, each filed as a bureau general case.
    let transfers = Transfer::find().all(&db).await.expect("transfers");
    let by_id: HashMap<Uuid, &case::Model> = cases.iter().map(|c| (c.id, c)).collect();
    let mut accepted: HashMap<TransferCategory, usize> = HashMap::new();
    for t in transfers.iter().filter(|t| t.status == TransferStatus::Accepted) {
        assert!(in_2023(Some(t.requested_at)) && in_2023(t.answered_at));
        let case = by_id[&t.resulting_case_id.expect("resulting case")];
        assert_eq!(case.source_transfer_id, Some(t.id));
        assert_eq!(case.department_id, bureau.id);
        assert_eq!(case.procedure, Procedure::General);
        assert!(in_2023(case.decided_at));
        assert!(cal.add_working_days(local_date(t.requested_at), 5) >= local_date(case.filed_at));
        *accepted.entry(t.category).or_default() += 1;
    }
    assert_eq!(accepted.get(&TransferCategory::Forestry), Some(&37));
    assert_eq!(accepted.get(&TransferCategory::BidRigging), Some(&6));
    assert_eq!(accepted.get(&TransferCategory::ProvidentFund), Some(&1));
    assert!(transfers.iter().any(|t| t.status == TransferStatus::Pending && local_date(t.requested_at).year() == 2026));

    // R1, R2, R6 and the timers.
    simple_caps_hold(&cases, &parties);
    let users = User::find().all(&db).await.expect("users");
    let user_by_id: HashMap<Uuid, &user::Model> = users.iter().map(|u| (u.id, u)).collect();
    let officers = CaseOfficer::find().all(&db).await.expect("officers");
    let mut on_case: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for o in &officers {
        on_case.entry(o.case_id).or_default().push(o.user_id);
    }
    for c in &cases {
        let filed = local_date(c.filed_at);
        let certified = on_case[&c.id]
            .iter()
            .filter(|u| {
                let u = user_by_id[*u];
                u.department_id == c.department_id && u.certificate_valid_until.is_some_and(|v| v >= filed)
            })
            .count();
        assert!(certified >= 2, "R2 broken by {}", c.case_no);
        let ended = c.ended_at.unwrap_or(c.occurred_at);
        assert!(ended <= c.filed_at && c.filed_at - ended <= TimeDelta::days(730), "R6");
        if let Some(decided) = c.decided_at {
            assert!(decided >= c.filed_at);
            if c.procedure == Procedure::General {
                assert!(local_date(decided) <= c.decision_due.expect("T1"));
                assert!(c.notice_served_at.is_some_and(|n| n < decided), "R3");
                assert!(c.notice_fine_fen >= c.fine_fen, "R5");
            }
            assert!(c.published_at.is_some_and(|p| local_date(p) <= c.publication_due.expect("T5")));
        }
        if let Some(delivered) = c.delivered_at {
            assert!(local_date(delivered) <= c.delivery_due.expect("T3"));
        }
        if let Some(paid) = c.paid_at {
            assert!(local_date(paid) <= c.payment_due.expect("T4"));
        }
        if c.status == CaseStatus::Closed {
            assert_eq!(c.next_due, None);
        }
        if c.procedure == Procedure::Simple {
            assert!(matches!(c.status, CaseStatus::Closed | CaseStatus::Delivered));
        }
        assert_eq!(c.search_text, format!("{} {}", c.case_no, c.title).to_lowercase());
    }
    // Open work: undecided cases other than the 2023 first-violation exemptions.
    let exempted: Vec<&case::Model> = cases.iter().filter(|c| c.status == CaseStatus::NotPenalized).collect();
    assert_eq!(exempted.len(), 51);
    assert!(exempted.iter().all(|c| local_date(c.filed_at).year() == 2023 && c.next_due.is_none()));
    let open: Vec<&case::Model> =
        cases.iter().filter(|c| c.decided_at.is_none() && c.status != CaseStatus::NotPenalized).collect();
    assert!(open.len() >= 20);
    for c in &open {
        assert_eq!(local_date(c.filed_at).year(), 2026);
        assert!(c.filed_at < now() && c.filed_at > now() - TimeDelta::days(61));
        assert!(matches!(c.status, CaseStatus::Filed | CaseStatus::Investigating | CaseStatus::NoticeServed));
        assert!(c.next_due.is_some());
    }

    // Case numbers: per department and year, gapless, counters at the last one.
    let counters = Counter::find().all(&db).await.expect("counters");
    let mut numbers: HashMap<(Uuid, i32), Vec<&case::Model>> = HashMap::new();
    for c in &cases {
        numbers.entry((c.department_id, local_date(c.filed_at).year())).or_default().push(c);
    }
    for ((dept_id, year), mut list) in numbers {
        list.sort_by_key(|c| (c.filed_at, c.id));
        let d = dept[&dept_id];
        for (i, c) in list.iter().enumerate() {
            assert_eq!(c.case_no, format!("{}罚〔{year}〕{:04}号", d.case_prefix, i + 1));
        }
        let counter = counters.iter().find(|k| k.scope == d.code && k.year == year).expect("counter");
        assert_eq!(counter.value, list.len() as i64);
    }
    assert!(cases.iter().any(|c| c.case_no == "洞综执罚〔2023〕0001号"));

    // Records: every general case has 2–5, all chains intact.
    let records = Record::find().all(&db).await.expect("records");
    assert_eq!(records.len(), summary.records);
    let chained = chains_verify(&records);
    let general = cases.iter().filter(|c| c.procedure == Procedure::General).count();
    assert_eq!(chained, general);

    // Certificates: 65 of 70 bureau officers (92.85%), 6 new in 2023.
    let roles = UserRole::find().all(&db).await.expect("roles");
    let officer_ids: HashSet<Uuid> =
        roles.iter().filter(|r| r.role == Role::BureauOfficer).map(|r| r.user_id).collect();
    let bureau_officers: Vec<&user::Model> =
        users.iter().filter(|u| officer_ids.contains(&u.id) && u.department_id == bureau.id).collect();
    let holding =
        bureau_officers.iter().filter(|u| u.certificate_valid_until.is_some_and(|v| v >= day("2023-12-31"))).count();
    assert_eq!((holding, bureau_officers.len()), (65, 70));
    assert_eq!(bureau_officers.iter().filter(|u| local_date(u.created_at).year() == 2023).count(), 6);
    for login in DEMO_LOGINS {
        assert!(users.iter().any(|u| u.login == *login), "{login}");
    }
    let logins: HashSet<&str> = users.iter().map(|u| u.login.as_str()).collect();
    assert_eq!(logins.len(), users.len());

    // The court trainee follows two forestry cases; a second trainee, sent in 2023, one case.
    let all_enrolments = FollowEnrollment::find().all(&db).await.expect("enrolments");
    assert_eq!(all_enrolments.len(), 3);
    let trainee = users.iter().find(|u| u.login == "court.trainee").expect("court.trainee").id;
    let enrolments: Vec<_> = all_enrolments.iter().filter(|e| e.trainee_id == trainee).collect();
    assert_eq!(enrolments.len(), 2);
    for e in &enrolments {
        assert!(by_id[&e.case_id].matter_code.starts_with("LY-"));
        assert_eq!(e.valid_until, None);
    }

    // Every case has a FILED event and one TRANSITIONED per step to its version.
    let events = CaseEvent::find().count(&db).await.expect("events");
    assert!(events as usize > cases.len() * 2);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = DemoOptions { seed: 7, scale: 0.1 };
    let mut runs = Vec::new();
    for name in ["a.db", "b.db"] {
        let (db, cal) = fresh_db(&dir, name).await;
        seed(&db, &cal, &opts, now()).await.expect("seed");
        let mut cases: Vec<(Uuid, String, Option<i64>)> =
            Case::find().all(&db).await.expect("cases").into_iter().map(|c| (c.id, c.case_no, c.fine_fen)).collect();
        cases.sort();
        let mut records: Vec<(Uuid, String)> =
            Record::find().all(&db).await.expect("records").into_iter().map(|r| (r.id, r.hash)).collect();
        records.sort();
        runs.push((cases, records));
    }
    assert!(!runs[0].0.is_empty());
    assert_eq!(runs[0], runs[1]);

    // The 2023 year does not depend on `now`; another seed gives other rows.
    let plan = |seed: u64, now: DateTime<Utc>| {
        let cal = Calendar::default();
        build_plan(&cal, &Rules::default(), &DemoOptions { seed, scale: 0.1 }, now).expect("plan")
    };
    let ids_2023 = |p: &plan::Plan| -> Vec<Uuid> {
        p.cases.iter().filter(|c| local_date(c.filed_at).year() == 2023).map(|c| c.id).collect()
    };
    let later = now() + TimeDelta::days(40);
    assert_eq!(ids_2023(&plan(7, now())), ids_2023(&plan(7, later)));
    assert_ne!(ids_2023(&plan(7, now())), ids_2023(&plan(8, now())));
}

#[tokio::test]
async fn a_small_scale_keeps_every_kind_and_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, cal) = fresh_db(&dir, "small.db").await;
    let opts = DemoOptions { seed: 11, scale: 0.05 };
    let summary = seed(&db, &cal, &opts, now()).await.expect("seed");
    let cases = Case::find().all(&db).await.expect("cases");
    assert_eq!(cases.len(), summary.cases);
    let parties: HashMap<Uuid, PartyKind> =
        Party::find().all(&db).await.expect("parties").into_iter().map(|p| (p.id, p.kind)).collect();
    simple_caps_hold(&cases, &parties);
    assert!(cases.iter().any(|c| c.major));
    let transfers = Transfer::find().all(&db).await.expect("transfers");
    for category in [TransferCategory::Forestry, TransferCategory::BidRigging, TransferCategory::ProvidentFund] {
        assert!(transfers.iter().any(|t| t.category == category && t.status == TransferStatus::Accepted));
    }
    let departments = Department::find().all(&db).await.expect("departments");
    for team in departments.iter().filter(|d| d.kind == DepartmentKind::TownTeam) {
        for procedure in [Procedure::General, Procedure::Simple] {
            assert!(
                cases.iter().any(|c| c.department_id == team.id && c.procedure == procedure),
                "{} has no {procedure:?} case",
                team.code
            );
        }
    }
    let records = Record::find().all(&db).await.expect("records");
    chains_verify(&records);
}

/// A large seed is planned and written in chunks (here of scale 0.1: 0.2 is two chunks, 0.4
/// four). Twice the scale writes about twice the cases; the organisation and the rows a scale
/// does not multiply (trainings, matter claims, the trainees' cases) are written once; case
/// numbers stay gapless per department and year with each counter at the last one; every case
/// has its party, counts its records, and every chain verifies.
#[tokio::test]
async fn a_chunked_seed_scales_and_keeps_the_invariants() {
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut written = Vec::new();
    for (name, scale, chunks) in [("c2.db", 0.2, 2), ("c4.db", 0.4, 4)] {
        let (db, cal) = fresh_db(&dir, name).await;
        let opts = DemoOptions { seed: 5, scale };
        let mut calls = Vec::new();
        let summary = seed_in_chunks(&db, &cal, &Rules::default(), &opts, now(), 0.1, |p| calls.push(*p))
            .await
            .expect("chunked seed");
        // One progress call per chunk, then the last one.
        assert_eq!(calls.len(), chunks + 1, "{calls:?}");
        assert!(calls.windows(2).all(|w| w[0].written.cases < w[1].written.cases || w[1].done));
        let last = calls.last().expect("progress");
        assert!(last.done && last.chunk == chunks && last.chunks == chunks);
        assert_eq!(last.written, summary);

        let cases = Case::find().all(&db).await.expect("cases");
        assert_eq!(cases.len(), summary.cases);
        let parties: HashMap<Uuid, PartyKind> =
            Party::find().all(&db).await.expect("parties").into_iter().map(|p| (p.id, p.kind)).collect();
        assert!(cases.iter().all(|c| parties.contains_key(&c.party_id)));
        simple_caps_hold(&cases, &parties);

        // The organisation and the unscaled rows, once: as many as one plan has.
        let one = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 5, scale: 0.1 }, now()).expect("plan");
        let count = |n: u64| n as usize;
        assert_eq!(count(Department::find().count(&db).await.expect("departments")), one.departments.len());
        assert_eq!(count(User::find().count(&db).await.expect("users")), one.users.len());
        assert_eq!(count(Training::find().count(&db).await.expect("trainings")), one.trainings.len());
        assert_eq!(count(FollowEnrollment::find().count(&db).await.expect("enrolments")), one.follow_enrollments.len());
        assert_eq!(count(MatterClaim::find().count(&db).await.expect("claims")), one.matter_claims.len());
        assert_eq!(count(Activity::find().count(&db).await.expect("activities")), one.activities.len());

        // Case numbers 1..n per department and year, counters at n.
        let departments: HashMap<Uuid, entity::department::Model> =
            Department::find().all(&db).await.expect("departments").into_iter().map(|d| (d.id, d)).collect();
        let counters = Counter::find().all(&db).await.expect("counters");
        let mut numbers: HashMap<(Uuid, i32), Vec<String>> = HashMap::new();
        for c in &cases {
            numbers.entry((c.department_id, local_date(c.filed_at).year())).or_default().push(c.case_no.clone());
        }
        assert_eq!(counters.len(), numbers.len());
        for ((dept_id, year), mut list) in numbers {
            list.sort();
            let d = &departments[&dept_id];
            let want: Vec<String> =
                (1..=list.len()).map(|i| format!("{}罚〔{year}〕{i:04}号", d.case_prefix)).collect();
            assert_eq!(list, want);
            let counter = counters.iter().find(|k| k.scope == d.code && k.year == year).expect("counter");
            assert_eq!(counter.value, list.len() as i64);
        }

        // Record counts (R11) and chains.
        let records = Record::find().all(&db).await.expect("records");
        assert_eq!(records.len(), summary.records);
        let mut per_case: HashMap<Uuid, i32> = HashMap::new();
        for r in &records {
            *per_case.entry(r.case_id).or_default() += 1;
        }
        let counted = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT id, record_count FROM cases"))
            .await
            .expect("record counts");
        assert_eq!(counted.len(), cases.len());
        for row in counted {
            let id: Uuid = row.try_get("", "id").expect("id");
            let n: i32 = row.try_get("", "record_count").expect("record_count");
            assert_eq!(n, per_case.get(&id).copied().unwrap_or(0), "record_count of {id}");
        }
        assert_eq!(chains_verify(&records), per_case.len());
        written.push(summary.cases);
    }
    let ratio = written[1] as f64 / written[0] as f64;
    assert!((1.8..=2.2).contains(&ratio), "0.4 wrote {} cases, 0.2 wrote {}", written[1], written[0]);
}

#[tokio::test]
async fn seeding_a_database_that_holds_data_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, cal) = fresh_db(&dir, "twice.db").await;
    let opts = DemoOptions { seed: 3, scale: 0.02 };
    seed(&db, &cal, &opts, now()).await.expect("first seed");
    let before = Case::find().count(&db).await.expect("count");
    assert!(seed(&db, &cal, &opts, now()).await.is_err());
    assert_eq!(Case::find().count(&db).await.expect("count"), before);
}

#[test]
fn no_open_work_before_the_demo_year_is_over() {
    let cal = Calendar::default();
    let in_2023 = DateTime::parse_from_rfc3339("2023-12-01T10:00:00+08:00").expect("ts").with_timezone(&Utc);
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 1, scale: 0.05 }, in_2023).expect("plan");
    assert!(plan.cases.iter().all(|c| c.decided_at.is_some() || c.status == CaseStatus::NotPenalized));
    assert!(plan.transfers.iter().all(|t| t.status == TransferStatus::Accepted));
}

#[test]
fn every_seed_hits_the_report_figures() {
    let cal = Calendar::default();
    for seed in [0, 1, 2, 99, 2024, u64::MAX] {
        let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed, scale: 1.0 }, now())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let bureau = plan.departments.iter().find(|d| d.code == BUREAU).expect("bureau").id;
        let decided: Vec<&case::Model> =
            plan.cases.iter().filter(|c| c.department_id == bureau && in_2023(c.decided_at)).collect();
        assert_eq!(decided.len(), 2723, "seed {seed}");
        let fines: i64 = decided.iter().filter_map(|c| c.fine_fen).sum();
        assert_eq!(fines, 384_250_000, "seed {seed}");
        assert_eq!(decided.iter().filter(|c| c.major).count(), 17, "seed {seed}");
        let parties: HashMap<Uuid, PartyKind> = plan.parties.iter().map(|p| (p.id, p.kind)).collect();
        simple_caps_hold(&plan.cases, &parties);
        for c in plan.cases.iter().filter(|c| !c.major) {
            let limit = match parties[&c.party_id] {
                PartyKind::Person => 1_000_000,
                PartyKind::Organization => 10_000_000,
            };
            assert!(c.notice_fine_fen.unwrap_or(0) < limit, "seed {seed}: {}", c.case_no);
        }
    }
}

/// The demo writes its rows in bulk, but every due date and `next_due` is what `cases::timers`
/// gives the same row, on the holiday table a server loads.
#[tokio::test]
async fn the_demos_due_dates_are_the_ones_cases_timers_computes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, cal) = fresh_db(&dir, "timers.db").await;
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 5, scale: 0.2 }, now()).expect("plan");
    let mut hearing_windows = 0;
    for c in &plan.cases {
        let mut timed = c.clone();
        timed.decision_due = None;
        timed.hearing_request_due = None;
        timed.delivery_due = None;
        timed.payment_due = None;
        timed.publication_due = None;
        timed.next_due = None;
        crate::cases::timers::refresh(&cal, &mut timed);
        let dues = |c: &case::Model| {
            (c.decision_due, c.hearing_request_due, c.delivery_due, c.payment_due, c.publication_due, c.next_due)
        };
        assert_eq!(dues(c), dues(&timed), "{} ({:?})", c.title, c.status);
        hearing_windows += usize::from(c.hearing_request_due.is_some());
    }
    assert!(hearing_windows > 0, "some hearing-level notices, so T2 is exercised");
    assert!(plan.cases.iter().any(|c| c.payment_due.is_some() && c.paid_at.is_none()), "T4 running somewhere");
}

/// The demo's timeline has the server's shapes: every detail reads as its kind, amounts are
/// yuan strings, and each filing names its case number.
#[test]
fn the_demos_event_details_are_the_servers_shapes() {
    use crate::events::EventDetail;
    use entity::enums::CaseEventKind;
    let cal = Calendar::default();
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 9, scale: 0.05 }, now()).expect("plan");
    let numbers: HashMap<Uuid, &str> = plan.cases.iter().map(|c| (c.id, c.case_no.as_str())).collect();
    for e in &plan.case_events {
        let detail = EventDetail::read(e.kind, &e.detail).unwrap_or_else(|err| panic!("{err}: {}", e.detail));
        assert_eq!(detail.kind(), e.kind);
        assert_eq!(detail.to_json(), e.detail, "written once, in the one shape");
        assert!(!e.detail.contains("Fen"), "amounts in yuan: {}", e.detail);
        if e.kind == CaseEventKind::Filed {
            assert!(e.detail.contains(numbers[&e.case_id]), "{}", e.detail);
        }
    }
}

/// An open case whose hearing-level notice is still inside T2: T2 is the party's window, so
/// `next_due` stays T1 in the demo as in `cases::timers` (the old demo counted T2 there).
#[test]
fn an_open_hearing_level_notice_is_timed_as_the_api_times_it() {
    use lifecycle::{Action, Builder, CaseDraft, Step, Timeline};
    let cal = Calendar::default();
    let rules = Rules::default();
    let mut plan = plan::Plan::default();
    let org = org::build(&mut rng::Rng::stream(1, "org"), &mut plan).expect("org");
    let (officer, reviewer, bureau) = (org.officer, org.reviewer, org.bureau);
    let mut b = Builder { cal: &cal, rules: &rules, org, plan, first_chunk: true };
    let now = now();
    let filed_at = now - TimeDelta::days(20);
    let party = entity::party::Model {
        id: Uuid::now_v7(),
        kind: PartyKind::Person,
        name: "赵六".into(),
        id_number: None,
        credit_code: None,
        phone: None,
        address: None,
        created_at: filed_at,
    };
    let notice_fine = rules.hearing_person_fen;
    let draft = CaseDraft {
        department_id: bureau,
        town: None,
        procedure: Procedure::General,
        matter: 0,
        party,
        officers: vec![officer, reviewer],
        major: true,
        serious_harm: false,
        fine_fen: Some(notice_fine),
        notice_fine_fen: Some(notice_fine),
        occurred_at: filed_at - TimeDelta::days(1),
        ended_at: None,
        location: "北岙街道".into(),
        facts: "赵六占道经营。".into(),
        source_transfer_id: None,
        records: 0,
        created_by: officer,
    };
    let timeline = Timeline {
        filed_at,
        steps: vec![
            Step { action: Action::Investigate, at: filed_at + TimeDelta::hours(1), actor: officer },
            Step { action: Action::ServeNotice, at: now - TimeDelta::hours(2), actor: officer },
        ],
        paid_at: None,
        published_at: None,
    };
    let id = b.add_case(&mut rng::Rng::stream(1, "case"), draft, &timeline, Some(now)).expect("add_case");
    let c = b.plan.cases.iter().find(|c| c.id == id).expect("case");
    assert_eq!(c.status, CaseStatus::NoticeServed);
    assert!(c.hearing_level, "a notice at the configured hearing level");
    let t2 = c.hearing_request_due.expect("T2 runs");
    assert!(t2 >= local_date(now) && Some(t2) < c.decision_due, "inside T2, before T1");
    assert_eq!(c.next_due, c.decision_due, "T2 never makes a case due");
    let mut timed = c.clone();
    crate::cases::timers::refresh(&cal, &mut timed);
    assert_eq!(&timed, c);
}

/// R12: every fine of the demo, announced or decided, lies in its matter's checked range for
/// the party's kind; a matter whose penalty clause fines nobody has no fine; a matter left
/// without a range says why in its penalty basis.
#[test]
fn every_demo_fine_lies_in_its_matters_range() {
    let cal = Calendar::default();
    for seed in [0, 2024] {
        let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed, scale: 1.0 }, now()).expect("plan");
        let matters: HashMap<Uuid, &entity::matter::Model> = plan.matters.iter().map(|m| (m.id, m)).collect();
        let parties: HashMap<Uuid, PartyKind> = plan.parties.iter().map(|p| (p.id, p.kind)).collect();
        let mut in_a_range = 0;
        for c in &plan.cases {
            let m = matters[&c.matter_id];
            let (min, max) = match parties[&c.party_id] {
                PartyKind::Person => (m.fine_person_min_fen, m.fine_person_max_fen),
                PartyKind::Organization => (m.fine_org_min_fen, m.fine_org_max_fen),
            };
            for fine in [c.fine_fen, c.notice_fine_fen].into_iter().flatten().filter(|f| *f > 0) {
                if let (Some(min), Some(max)) = (min, max) {
                    assert!((min..=max).contains(&fine), "seed {seed}: {} fines {fine} outside {min}–{max}", c.title);
                    in_a_range += 1;
                }
            }
            if max == Some(0) {
                assert!(c.fine_fen.unwrap_or(0) == 0 && c.notice_fine_fen.unwrap_or(0) == 0, "{}", c.title);
                assert!(!c.penalties.contains("FINE") && !c.notice_penalties.contains("FINE"), "{}", c.title);
            }
        }
        assert!(in_a_range > 0, "seed {seed}: some fine is checked against a range");
    }
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 3, scale: 0.05 }, now()).expect("plan");
    for m in &plan.matters {
        assert!(!m.penalty_basis.is_empty(), "{}", m.code);
        for (min, max) in [(m.fine_person_min_fen, m.fine_person_max_fen), (m.fine_org_min_fen, m.fine_org_max_fen)] {
            assert_eq!(min.is_some(), max.is_some(), "{}", m.code);
            assert!(min <= max, "{}", m.code);
        }
        let unranged = m.fine_person_min_fen.is_none() || m.fine_org_min_fen.is_none();
        if unranged {
            assert!(
                m.penalty_basis.contains("罚则原文未收录") || m.penalty_basis.contains("无定额幅度"),
                "{}: {}",
                m.code,
                m.penalty_basis
            );
        }
    }
    let gjj = plan.matters.iter().find(|m| m.code == "GJJ-001").expect("GJJ-001");
    assert_eq!((gjj.fine_org_min_fen, gjj.fine_org_max_fen), (Some(1_000_000), Some(5_000_000)));
}

/// The procedure columns of every demo case agree with its timeline: penalties named by the
/// notice and the decision (R13), the statement window and, inside it, a recorded statement
/// (R3+), and each paid fine paid in full by one receipt (R15).
#[test]
fn the_demos_cases_carry_penalties_statements_and_payments() {
    let cal = Calendar::default();
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 11, scale: 0.3 }, now()).expect("plan");
    let payments: HashMap<Uuid, Vec<&entity::payment::Model>> =
        plan.payments.iter().fold(HashMap::new(), |mut by, p| {
            by.entry(p.case_id).or_default().push(p);
            by
        });
    let mut receipts = HashSet::new();
    let (mut recorded, mut waited) = (0, 0);
    for c in &plan.cases {
        let fined = c.fine_fen.is_some_and(|f| f > 0);
        match c.decided_at {
            Some(_) => assert_eq!(c.penalties, if fined { "FINE" } else { "WARNING" }, "{}", c.title),
            None => assert!(c.penalties.is_empty(), "{}", c.title),
        }
        match c.notice_served_at {
            Some(notice) => {
                assert!(!c.notice_penalties.is_empty(), "{}", c.title);
                let due = c.statement_due.expect("a notice opens the statement window");
                assert_eq!(due, cal.add_working_days(local_date(notice), 5));
                if let Some(decided) = c.decided_at {
                    if local_date(decided) <= due {
                        let at = c.statement_recorded_at.expect("a decision inside the window follows a statement");
                        assert!(notice < at && at < decided, "{}", c.title);
                        recorded += 1;
                    } else {
                        waited += 1;
                    }
                }
            }
            None => assert!(c.statement_due.is_none() && c.notice_penalties.is_empty(), "{}", c.title),
        }
        let paid = payments.get(&c.id).map(Vec::as_slice).unwrap_or_default();
        match c.paid_at {
            Some(at) => {
                assert_eq!(paid.len(), 1, "{}", c.title);
                assert_eq!(c.paid_fen, c.fine_fen.unwrap_or(0));
                assert_eq!(paid[0].amount_fen, c.paid_fen);
                assert_eq!(paid[0].paid_on, local_date(at));
                assert!(receipts.insert(paid[0].receipt_no.clone()), "receipt {} twice", paid[0].receipt_no);
            }
            None => assert!(paid.is_empty() && c.paid_fen == 0, "{}", c.title),
        }
    }
    assert!(recorded > 0 && waited > 0, "both paths of R3+: {recorded} recorded, {waited} waited");
    assert!(!plan.payments.is_empty());
}

/// The activities of sections 一 and 三: the report's counts, at every seed, and the street
/// campaign's penalties are bureau cases of the campaign's matters decided in 2023.
#[test]
fn the_demos_activities_hold_the_reports_figures() {
    use entity::activity::ActivityKind;
    let cal = Calendar::default();
    for seed in [0, 99] {
        let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed, scale: 1.0 }, now()).expect("plan");
        let of = |k: ActivityKind| plan.activities.iter().filter(move |a| a.kind == k && a.held_on.year() == 2023);
        assert_eq!(of(ActivityKind::LeadershipStudy).count(), 6);
        assert_eq!(of(ActivityKind::CaseExplanation).count(), 5);
        assert_eq!(of(ActivityKind::Outreach).count(), 6);
        let leaflets: i64 = of(ActivityKind::Outreach).map(|a| a.quantity).sum();
        assert!((3_500..4_000).contains(&leaflets), "近4000份: {leaflets}");
        assert_eq!(of(ActivityKind::NormativeReview).map(|a| a.quantity).sum::<i64>(), 278);
        for k in [ActivityKind::VendorEntryCheck, ActivityKind::MarketStallCheck] {
            assert!(of(k).all(|a| a.achieved == Some(a.quantity)), "100%");
        }
        let cases: HashMap<Uuid, &case::Model> = plan.cases.iter().map(|c| (c.id, c)).collect();
        let matters: Vec<&str> = of(ActivityKind::CampaignPenalty)
            .map(|a| {
                let c = cases[&a.case_id.expect("a campaign penalty is a case")];
                assert!(in_2023(c.decided_at), "{}", c.title);
                c.matter_code.as_str()
            })
            .collect();
        assert_eq!(matters.iter().filter(|m| ["SR-001", "SR-002"].contains(m)).count(), 2, "seed {seed}");
        assert_eq!(matters.iter().filter(|m| **m == "HW-008").count(), 1, "seed {seed}");
    }
}

/// R3+ on the demo's timelines: a case whose row records a statement shows exactly one
/// RECORD_STATEMENT (status unchanged, with the party's words or waiver) at that time; every
/// general decision comes after the statement window or after a recorded statement; each
/// event's version follows the one before; and a paid fine is paid on its receipt's day, within
/// T4 of delivery (R15).
#[test]
fn the_demos_timelines_carry_the_statement() {
    use crate::events::EventDetail;
    use entity::enums::{CaseAction, CaseEventKind};
    let cal = Calendar::default();
    let plan = build_plan(&cal, &Rules::default(), &DemoOptions { seed: 11, scale: 0.3 }, now()).expect("plan");
    let mut by_case: HashMap<Uuid, Vec<&entity::case_event::Model>> = HashMap::new();
    for e in &plan.case_events {
        by_case.entry(e.case_id).or_default().push(e);
    }
    let transitions = |id: Uuid| {
        let mut events: Vec<&entity::case_event::Model> = by_case.get(&id).cloned().unwrap_or_default();
        events.sort_by_key(|e| (e.at, e.id));
        events
            .into_iter()
            .filter(|e| e.kind == CaseEventKind::Transitioned)
            .map(|e| match EventDetail::read(e.kind, &e.detail).expect("detail") {
                EventDetail::Transitioned(t) => (e, t),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let payments: HashMap<Uuid, &entity::payment::Model> = plan.payments.iter().map(|p| (p.case_id, p)).collect();
    let (mut statements, mut decisions) = (0, 0);
    for c in &plan.cases {
        let steps = transitions(c.id);
        let recorded: Vec<_> = steps.iter().filter(|(_, t)| t.action == CaseAction::RecordStatement).collect();
        match c.statement_recorded_at {
            Some(at) => {
                assert_eq!(recorded.len(), 1, "{}", c.title);
                let (e, t) = recorded[0];
                assert_eq!(e.at, at, "{}", c.title);
                assert_eq!(t.from, t.to, "{}", c.title);
                assert!(t.note.as_deref().is_some_and(|n| n.contains("陈述申辩")), "{}", c.title);
                statements += 1;
            }
            None => assert!(recorded.is_empty(), "{}", c.title),
        }
        // Versions: each transition one more than the last, the row at the last.
        let mut version = 1;
        for (e, _) in &steps {
            version += 1;
            assert_eq!(e.case_version, version, "{}", c.title);
        }
        assert_eq!(c.version, version, "{}", c.title);
        if c.procedure == Procedure::General {
            for (i, (e, t)) in steps.iter().enumerate() {
                if t.action != CaseAction::Decide {
                    continue;
                }
                let due = c.statement_due.expect("a decided general case had a notice");
                let heard = steps[..i].iter().any(|(_, t)| t.action == CaseAction::RecordStatement);
                assert!(heard || local_date(e.at) > due, "R3+ broken by {}", c.title);
                decisions += 1;
            }
        }
        if let Some(paid_at) = c.paid_at {
            let p = payments[&c.id];
            assert_eq!(p.paid_on, local_date(paid_at), "{}", c.title);
            let delivered = c.delivered_at.expect("paid after delivery");
            assert!(delivered <= paid_at, "{}", c.title);
            assert!(local_date(paid_at) <= local_date(delivered) + TimeDelta::days(15), "T4 broken by {}", c.title);
        }
    }
    assert!(statements > 0 && decisions > statements, "{statements} statements, {decisions} decisions");
}
