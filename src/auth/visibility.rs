//! Who sees what (rules.md, "Who may see and do what"), as SQL conditions. Every list, count,
//! node lookup and subscription filter uses these, so a row the caller may not see is neither
//! returned nor counted, and paging stays right.

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{case, case_officer, follow_enrollment, joint_call, joint_call_department, transfer, user};
use sea_orm::sea_query::{Condition, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityName};

use super::Principal;
use crate::sql::never;

/// Cases a trainee is enrolled on today (the enrolment's last day included).
fn active_enrollments(p: &Principal, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(follow_enrollment::Column::CaseId)
        .from(follow_enrollment::Entity.table_ref())
        .cond_where(
            Condition::all().add(follow_enrollment::Column::TraineeId.eq(p.user_id)).add(
                Condition::any()
                    .add(follow_enrollment::Column::ValidUntil.is_null())
                    .add(follow_enrollment::Column::ValidUntil.gte(today)),
            ),
        )
        .to_owned()
}

/// Transfers sent or received by a department, projected on one of their case columns.
fn transfers_of(department: uuid::Uuid, column: transfer::Column) -> SelectStatement {
    Query::select()
        .column(column)
        .from(transfer::Entity.table_ref())
        .cond_where(
            Condition::all().add(column.is_not_null()).add(
                Condition::any()
                    .add(transfer::Column::FromDepartmentId.eq(department))
                    .add(transfer::Column::ToDepartmentId.eq(department)),
            ),
        )
        .to_owned()
}

/// The cases that transfers sent by a department became.
fn resulting_cases_of_sent(department: uuid::Uuid) -> SelectStatement {
    Query::select()
        .column(transfer::Column::ResultingCaseId)
        .from(transfer::Entity.table_ref())
        .cond_where(
            Condition::all()
                .add(transfer::Column::ResultingCaseId.is_not_null())
                .add(transfer::Column::FromDepartmentId.eq(department)),
        )
        .to_owned()
}

/// The cases `p` may read.
pub fn cases(p: &Principal, today: NaiveDate) -> Condition {
    if p.has(Role::Admin) || p.has(Role::LegalReviewer) {
        return Condition::all();
    }
    let mut any = Condition::any();
    let mut granted = false;
    if p.has(Role::BureauOfficer) {
        any = any.add(case::Column::DepartmentId.eq(p.department_id));
        granted = true;
    }
    if p.has(Role::TownOfficer) {
        any = any.add(case::Column::DepartmentId.eq(p.department_id));
        if let Some(town) = &p.town {
            any = any.add(case::Column::Town.eq(town.as_str()));
        }
        granted = true;
    }
    if p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) {
        // rules.md: the sender keeps read access to the case its transfer became (the bureau
        // handing a case out, a town team sending a hearing-level case up under R7).
        any = any.add(case::Column::Id.in_subquery(resulting_cases_of_sent(p.department_id)));
    }
    if p.has(Role::DepartmentLiaison) {
        any = any
            .add(case::Column::DepartmentId.eq(p.department_id))
            .add(case::Column::Id.in_subquery(transfers_of(p.department_id, transfer::Column::CaseId)))
            .add(case::Column::Id.in_subquery(transfers_of(p.department_id, transfer::Column::ResultingCaseId)));
        granted = true;
    }
    if p.has(Role::CourtTrainee) {
        any = any.add(case::Column::Id.in_subquery(active_enrollments(p, today)));
        granted = true;
    }
    if granted { any } else { never() }
}

/// `SELECT id FROM cases WHERE <cases(p)>`, for conditions on rows that hang off a case.
pub fn visible_case_ids(p: &Principal, today: NaiveDate) -> SelectStatement {
    Query::select().column(case::Column::Id).from(case::Entity.table_ref()).cond_where(cases(p, today)).to_owned()
}

/// Transfers: those sent or received by the caller's department, and those linked to a case
/// it may read (so a trainee sees the transfer behind a followed case).
pub fn transfers(p: &Principal, today: NaiveDate) -> Condition {
    if p.is_admin() {
        return Condition::all();
    }
    let mut any = Condition::any();
    let works_on_transfers = [Role::BureauOfficer, Role::LegalReviewer, Role::TownOfficer, Role::DepartmentLiaison];
    if works_on_transfers.iter().any(|r| p.has(*r)) {
        any = any
            .add(transfer::Column::FromDepartmentId.eq(p.department_id))
            .add(transfer::Column::ToDepartmentId.eq(p.department_id));
    }
    any.add(transfer::Column::CaseId.in_subquery(visible_case_ids(p, today)))
        .add(transfer::Column::ResultingCaseId.in_subquery(visible_case_ids(p, today)))
}

/// Users: an admin sees all; anyone else the users of its own department and the officers
/// of the cases it may read.
pub fn users(p: &Principal, today: NaiveDate) -> Condition {
    if p.is_admin() {
        return Condition::all();
    }
    let officers = Query::select()
        .column(case_officer::Column::UserId)
        .from(case_officer::Entity.table_ref())
        .cond_where(case_officer::Column::CaseId.in_subquery(visible_case_ids(p, today)))
        .to_owned();
    Condition::any().add(user::Column::DepartmentId.eq(p.department_id)).add(user::Column::Id.in_subquery(officers))
}

/// Follow-case enrolments (跟案学习): an admin sees all; a bureau officer those on the cases it
/// may read; a court trainee its own (active or not, so it knows when access ends).
pub fn follow_enrollments(p: &Principal, today: NaiveDate) -> Condition {
    if p.is_admin() {
        return Condition::all();
    }
    let mut any = Condition::any();
    let mut granted = false;
    if p.has(Role::BureauOfficer) {
        any = any.add(follow_enrollment::Column::CaseId.in_subquery(visible_case_ids(p, today)));
        granted = true;
    }
    if p.has(Role::CourtTrainee) {
        any = any.add(follow_enrollment::Column::TraineeId.eq(p.user_id));
        granted = true;
    }
    if granted { any } else { never() }
}

/// Roles that take part in joint enforcement calls for their department.
const JOINT_WORKERS: [Role; 4] = [Role::BureauOfficer, Role::LegalReviewer, Role::TownOfficer, Role::DepartmentLiaison];

/// Joint enforcement calls (街道吹哨、部门报到): admins and bureau officers see every call (the
/// bureau coordinates the district); the calling town team and each called department see
/// theirs. Dashboards and court trainees see none.
pub fn joint_calls(p: &Principal) -> Condition {
    if p.is_admin() || p.has(Role::BureauOfficer) {
        return Condition::all();
    }
    if !JOINT_WORKERS.iter().any(|r| p.has(*r)) {
        return never();
    }
    let called = Query::select()
        .column(joint_call_department::Column::CallId)
        .from(joint_call_department::Entity.table_ref())
        .and_where(joint_call_department::Column::DepartmentId.eq(p.department_id))
        .to_owned();
    Condition::any()
        .add(joint_call::Column::DepartmentId.eq(p.department_id))
        .add(joint_call::Column::Id.in_subquery(called))
}
