//! `can_read_case` (in memory) against `cases` (SQL) on a matrix of principals × cases × days:
//! the demo organisation and a small demo year, plus rows that make every branch of the rule
//! occur (a town team's transfer that became a bureau case, a case handed over, enrolments
//! that ended). Runs on PostgreSQL too when `TEST_DATABASE_URL` is set.

use std::collections::{BTreeSet, HashSet};

use chrono::{NaiveDate, TimeDelta, Utc};
use entity::enums::{DepartmentKind, Role, TransferCategory, TransferStatus};
use entity::{case, department, follow_enrollment, transfer};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter};
use sea_orm::{QuerySelect, Set};
use uuid::Uuid;

use super::{CaseAccess, can_read_case, cases};
use crate::auth::Principal;

/// Drops the test's PostgreSQL database when the test ends, passed or panicked.
struct DropDatabase {
    base: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let admin = sea_orm::Database::connect(base.as_str()).await.ok()?;
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

async fn fresh_db(dir: &tempfile::TempDir) -> (DatabaseConnection, Option<DropDatabase>) {
    let mut guard = None;
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let name = format!("cb_test_{}", Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(base.as_str()).await.expect("connect to TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create database");
            admin.close().await.ok();
            let (prefix, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends with /dbname");
            guard = Some(DropDatabase { base: base.clone(), name: name.clone() });
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("visibility.db").display()),
    };
    let db = crate::db::connect(&url, 4).await.expect("connect");
    crate::db::migrate(&db).await.expect("migrate");
    let calendar = crate::calendar::Calendar::load(&db).await.expect("calendar");
    let opts = crate::demo::DemoOptions { scale: 0.03, ..Default::default() };
    crate::demo::seed(&db, &calendar, &opts, Utc::now()).await.expect("seed");
    (db, guard)
}

fn first_of(departments: &[department::Model], kind: DepartmentKind) -> &department::Model {
    departments.iter().find(|d| d.kind == kind).expect("a department of each kind")
}

/// A transfer between two departments, linked to cases as given.
async fn link(db: &DatabaseConnection, from: Uuid, to: Uuid, handed: Option<Uuid>, resulting: Option<Uuid>) {
    let now = Utc::now();
    transfer::ActiveModel {
        id: Set(Uuid::now_v7()),
        from_department_id: Set(from),
        to_department_id: Set(to),
        category: Set(TransferCategory::Other),
        status: Set(if resulting.is_some() { TransferStatus::Accepted } else { TransferStatus::Pending }),
        subject: Set("矩阵测试".into()),
        facts: Set("矩阵测试".into()),
        case_id: Set(handed),
        party_id: Set(None),
        matter_code: Set(None),
        resulting_case_id: Set(resulting),
        requested_at: Set(now),
        requested_by: Set(None),
        answered_at: Set(resulting.map(|_| now)),
        answered_by: Set(None),
        reason: Set(None),
        note: Set(None),
        version: Set(1),
        occurred_at: Set(None),
        ended_at: Set(None),
        replaces_transfer_id: Set(None),
    }
    .insert(db)
    .await
    .expect("insert transfer");
}

/// Rows that make each branch of the rule occur whatever the demo holds.
async fn add_edge_rows(db: &DatabaseConnection, departments: &[department::Model], today: NaiveDate) {
    let bureau = first_of(departments, DepartmentKind::Bureau).id;
    let town = first_of(departments, DepartmentKind::TownTeam).id;
    let line = first_of(departments, DepartmentKind::LineDepartment).id;
    let all = case::Entity::find().all(db).await.expect("cases");
    let of = |dept: Uuid| all.iter().filter(move |c| c.department_id == dept).map(|c| c.id);
    let mut bureau_cases = of(bureau);
    let mut town_cases = of(town);
    // A town team sent a case up (R7) and the bureau's case came of it.
    let (sent, became) = (town_cases.next().expect("a town case"), bureau_cases.next().expect("a bureau case"));
    link(db, town, bureau, Some(sent), Some(became)).await;
    // The bureau handed a case to a line department, not yet answered.
    link(db, bureau, line, bureau_cases.next(), None).await;
    // A line department's transfer that became a town team's case.
    link(db, line, town, None, town_cases.next()).await;
    // Enrolments: one that ended yesterday, one that ends today, one open-ended, each for
    // another user (the rule looks at the enrolment, not at the user's roles).
    let users = entity::user::Entity::find().limit(4).all(db).await.expect("users");
    let ends = [Some(today - TimeDelta::days(1)), Some(today), None];
    for ((until, case_id), user) in ends.into_iter().zip(of(bureau).skip(3)).zip(&users[1..]) {
        let row = follow_enrollment::Model {
            id: Uuid::now_v7(),
            case_id,
            trainee_id: user.id,
            enrolled_by: users[0].id,
            enrolled_at: Utc::now(),
            valid_until: until,
        };
        follow_enrollment::Entity::insert(row.into_active_model()).exec_without_returning(db).await.expect("enrol");
    }
}

/// Every combination of roles worth telling apart, each in every department (with its town).
fn principals(departments: &[department::Model], trainees: &[Uuid]) -> Vec<Principal> {
    use Role::*;
    let role_sets: Vec<Vec<Role>> = vec![
        vec![],
        vec![Admin],
        vec![LegalReviewer],
        vec![BureauOfficer],
        vec![TownOfficer],
        vec![DepartmentLiaison],
        vec![CourtTrainee],
        vec![Dashboard],
        vec![BureauOfficer, TownOfficer],
        vec![BureauOfficer, DepartmentLiaison],
        vec![TownOfficer, DepartmentLiaison],
        vec![DepartmentLiaison, CourtTrainee],
        vec![BureauOfficer, CourtTrainee],
        vec![Dashboard, CourtTrainee],
    ];
    let mut out = Vec::new();
    for d in departments {
        for roles in &role_sets {
            let users: Vec<Uuid> = if roles.contains(&CourtTrainee) { trainees.to_vec() } else { vec![Uuid::now_v7()] };
            for user_id in users {
                out.push(Principal {
                    user_id,
                    login: format!("matrix.{}", user_id.simple()),
                    name: "矩阵".into(),
                    department_id: d.id,
                    department_kind: d.kind,
                    town: d.town.clone(),
                    roles: roles.clone(),
                    client_addr: None,
                });
            }
        }
    }
    out
}

#[tokio::test]
async fn the_in_memory_rule_agrees_with_the_sql_condition_for_every_role_and_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _drop) = fresh_db(&dir).await;
    let today = crate::calendar::today();
    let departments = department::Entity::find().all(&db).await.expect("departments");
    add_edge_rows(&db, &departments, today).await;

    let case_ids: Vec<Uuid> =
        case::Entity::find().select_only().column(case::Column::Id).into_tuple().all(&db).await.expect("case ids");
    let mut access = Vec::new();
    for id in &case_ids {
        access.push((*id, CaseAccess::load(&db, *id).await.expect("load").expect("the case exists")));
    }
    assert!(CaseAccess::load(&db, Uuid::now_v7()).await.expect("load").is_none(), "no such case");

    let enrolments = follow_enrollment::Entity::find().all(&db).await.expect("enrolments");
    let mut trainees: Vec<Uuid> =
        enrolments.iter().map(|e| e.trainee_id).collect::<BTreeSet<_>>().into_iter().collect();
    trainees.push(Uuid::now_v7());
    // Days either side of every enrolment's end, and today.
    let mut days: BTreeSet<NaiveDate> = enrolments
        .iter()
        .filter_map(|e| e.valid_until)
        .flat_map(|d| [d - TimeDelta::days(1), d, d + TimeDelta::days(1)])
        .collect();
    days.insert(today);

    let (mut granted, mut refused, mut compared) = (0usize, 0usize, 0usize);
    let mut by_role_granted: HashSet<Vec<Role>> = HashSet::new();
    for p in principals(&departments, &trainees) {
        for day in &days {
            let visible: HashSet<Uuid> = case::Entity::find()
                .filter(cases(&p, *day))
                .select_only()
                .column(case::Column::Id)
                .into_tuple::<Uuid>()
                .all(&db)
                .await
                .expect("visible ids")
                .into_iter()
                .collect();
            for (id, facts) in &access {
                let by_sql = visible.contains(id);
                let in_memory = can_read_case(&p, facts, *day);
                assert_eq!(
                    in_memory, by_sql,
                    "roles {:?} of a {:?} department (town {:?}) on {day}, case {id}: {facts:?}",
                    p.roles, p.department_kind, p.town
                );
                compared += 1;
                if by_sql {
                    granted += 1;
                    by_role_granted.insert(p.roles.clone());
                } else {
                    refused += 1;
                }
            }
        }
    }
    assert!(compared > 10_000 && granted > 1_000 && refused > 1_000, "{compared} {granted} {refused}");
    for roles in
        [vec![Role::BureauOfficer], vec![Role::TownOfficer], vec![Role::DepartmentLiaison], vec![Role::CourtTrainee]]
    {
        assert!(by_role_granted.contains(&roles), "{roles:?} was never granted a case: the matrix misses a branch");
    }
}

/// The branches that hang on other tables, case by case, so a failure names the rule.
#[tokio::test]
async fn senders_liaisons_and_trainees_read_what_the_links_grant_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _drop) = fresh_db(&dir).await;
    let today = crate::calendar::today();
    let departments = department::Entity::find().all(&db).await.expect("departments");
    add_edge_rows(&db, &departments, today).await;
    let bureau = first_of(&departments, DepartmentKind::Bureau);
    let town = first_of(&departments, DepartmentKind::TownTeam);
    let line = first_of(&departments, DepartmentKind::LineDepartment);
    let as_role = |d: &department::Model, role: Role| Principal {
        user_id: Uuid::now_v7(),
        login: "x".into(),
        name: "x".into(),
        department_id: d.id,
        department_kind: d.kind,
        town: d.town.clone(),
        roles: vec![role],
        client_addr: None,
    };
    let all = transfer::Entity::find().all(&db).await.expect("transfers");
    let up = all.iter().find(|t| t.from_department_id == town.id && t.to_department_id == bureau.id).expect("R7");
    let became = CaseAccess::load(&db, up.resulting_case_id.expect("accepted")).await.expect("load").expect("case");
    assert!(can_read_case(&as_role(town, Role::TownOfficer), &became, today), "the sender reads what it became");
    assert!(!can_read_case(&as_role(line, Role::TownOfficer), &became, today));

    let handed = all.iter().find(|t| t.from_department_id == bureau.id && t.to_department_id == line.id);
    let handed = handed.and_then(|t| t.case_id).expect("a handed-over case");
    let handed = CaseAccess::load(&db, handed).await.expect("load").expect("case");
    assert!(can_read_case(&as_role(line, Role::DepartmentLiaison), &handed, today), "the receiver reads it");
    assert!(!can_read_case(&as_role(line, Role::BureauOfficer), &handed, today), "only through its liaison");

    let ended = follow_enrollment::Entity::find().all(&db).await.expect("enrolments");
    for e in ended {
        let facts = CaseAccess::load(&db, e.case_id).await.expect("load").expect("case");
        let trainee = Principal { user_id: e.trainee_id, ..as_role(bureau, Role::CourtTrainee) };
        let active = e.valid_until.is_none_or(|u| u >= today);
        assert_eq!(can_read_case(&trainee, &facts, today), active, "enrolment until {:?}", e.valid_until);
    }
}
