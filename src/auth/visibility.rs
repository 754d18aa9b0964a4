//! Who sees what (rules.md, "Who may see and do what"), as SQL conditions. Every list, count,
//! node lookup and subscription filter uses these, so a row the caller may not see is neither
//! returned nor counted, and paging stays right.

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{case, case_officer, follow_enrollment, joint_call, joint_call_department, transfer, user};
use sea_orm::sea_query::{Condition, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityName, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

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
    let Some((department, others)) = case_grants(p, today) else {
        return Condition::all();
    };
    if department.is_none() && others.is_empty() {
        return never();
    }
    let mut any = Condition::any();
    if let Some(d) = department {
        any = any.add(case::Column::DepartmentId.eq(d));
    }
    others.into_iter().fold(any, Condition::add)
}

/// [`cases`] as `department_id = department OR other`, so a count can read the department's
/// cases from its index alone and look at `other` only for cases of other departments:
/// `None` when `p` reads every case; `other` is [`never`] when nothing else is granted.
pub fn cases_split(p: &Principal, today: NaiveDate) -> Option<(Option<Uuid>, Condition)> {
    let (department, others) = case_grants(p, today)?;
    let other = if others.is_empty() { never() } else { others.into_iter().fold(Condition::any(), Condition::add) };
    Some((department, other))
}

/// What [`cases`] grants: `None` for every case; otherwise whether the caller's own department
/// is granted, and the other grants (any of them).
fn case_grants(p: &Principal, today: NaiveDate) -> Option<(Option<Uuid>, Vec<Condition>)> {
    if p.has(Role::Admin) || p.has(Role::LegalReviewer) {
        return None;
    }
    let mut department = None;
    let mut others = Vec::new();
    if p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) || p.has(Role::DepartmentLiaison) {
        department = Some(p.department_id);
    }
    if let Some(town) = p.town.as_ref().filter(|_| p.has(Role::TownOfficer)) {
        others.push(Condition::all().add(case::Column::Town.eq(town.as_str())));
    }
    if p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) {
        // rules.md: the sender keeps read access to the case its transfer became (the bureau
        // handing a case out, a town team sending a hearing-level case up under R7).
        others.push(Condition::all().add(case::Column::Id.in_subquery(resulting_cases_of_sent(p.department_id))));
    }
    if p.has(Role::DepartmentLiaison) {
        others.push(
            Condition::all().add(case::Column::Id.in_subquery(transfers_of(p.department_id, transfer::Column::CaseId))),
        );
        others.push(
            Condition::all()
                .add(case::Column::Id.in_subquery(transfers_of(p.department_id, transfer::Column::ResultingCaseId))),
        );
    }
    if p.has(Role::CourtTrainee) {
        others.push(Condition::all().add(case::Column::Id.in_subquery(active_enrollments(p, today))));
    }
    Some((department, others))
}

/// What [`cases`] looks at about one case, loaded once ([`CaseAccess::load`]) and then checked
/// in memory against any number of callers with [`can_read_case`]: a `caseEvents` event is
/// checked for every subscriber without one query per subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    pub department_id: Uuid,
    pub town: Option<String>,
    /// (from, to) departments of the transfers that handed this case over (`transfers.case_id`).
    pub handed_over: Vec<(Uuid, Uuid)>,
    /// (from, to) departments of the transfers this case was filed from
    /// (`transfers.resulting_case_id`).
    pub filed_from: Vec<(Uuid, Uuid)>,
    /// (trainee, last day) of the follow-case enrolments on this case.
    pub enrolments: Vec<(Uuid, Option<NaiveDate>)>,
}

impl CaseAccess {
    /// Three small reads by key; `None` when there is no such case.
    pub async fn load(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some((department_id, town)) = case::Entity::find_by_id(case_id)
            .select_only()
            .column(case::Column::DepartmentId)
            .column(case::Column::Town)
            .into_tuple::<(Uuid, Option<String>)>()
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let transfers = transfer::Entity::find()
            .filter(
                Condition::any()
                    .add(transfer::Column::CaseId.eq(case_id))
                    .add(transfer::Column::ResultingCaseId.eq(case_id)),
            )
            .select_only()
            .column(transfer::Column::CaseId)
            .column(transfer::Column::ResultingCaseId)
            .column(transfer::Column::FromDepartmentId)
            .column(transfer::Column::ToDepartmentId)
            .into_tuple::<(Option<Uuid>, Option<Uuid>, Uuid, Uuid)>()
            .all(db)
            .await?;
        let linked = |as_case: bool| {
            transfers
                .iter()
                .filter(|(handed, resulting, _, _)| if as_case { *handed } else { *resulting } == Some(case_id))
                .map(|(_, _, from, to)| (*from, *to))
                .collect::<Vec<_>>()
        };
        let (handed_over, filed_from) = (linked(true), linked(false));
        let enrolments = follow_enrollment::Entity::find()
            .filter(follow_enrollment::Column::CaseId.eq(case_id))
            .select_only()
            .column(follow_enrollment::Column::TraineeId)
            .column(follow_enrollment::Column::ValidUntil)
            .into_tuple::<(Uuid, Option<NaiveDate>)>()
            .all(db)
            .await?;
        Ok(Some(Self { department_id, town, handed_over, filed_from, enrolments }))
    }
}

/// Whether `p` may read the case: the same rule as [`cases`], in memory. The two must agree
/// for every role and case (the tests check a matrix of both).
pub fn can_read_case(p: &Principal, c: &CaseAccess, today: NaiveDate) -> bool {
    if p.has(Role::Admin) || p.has(Role::LegalReviewer) {
        return true;
    }
    let own = c.department_id == p.department_id;
    let touches = |(from, to): &(Uuid, Uuid)| *from == p.department_id || *to == p.department_id;
    if p.has(Role::BureauOfficer) && own {
        return true;
    }
    if p.has(Role::TownOfficer) && (own || p.town.as_ref().is_some_and(|t| c.town.as_ref() == Some(t))) {
        return true;
    }
    // rules.md: the sender keeps read access to the case its transfer became.
    if (p.has(Role::BureauOfficer) || p.has(Role::TownOfficer))
        && c.filed_from.iter().any(|(from, _)| *from == p.department_id)
    {
        return true;
    }
    if p.has(Role::DepartmentLiaison) && (own || c.handed_over.iter().any(touches) || c.filed_from.iter().any(touches))
    {
        return true;
    }
    p.has(Role::CourtTrainee)
        && c.enrolments.iter().any(|(trainee, until)| *trainee == p.user_id && until.is_none_or(|u| u >= today))
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

/// Users: an admin sees all; a dashboard (statistics only, rules.md) itself alone; anyone else
/// the users of its own department and the officers of the cases it may read.
pub fn users(p: &Principal, today: NaiveDate) -> Condition {
    if p.is_admin() {
        return Condition::all();
    }
    if p.roles.iter().all(|r| *r == Role::Dashboard) {
        return Condition::all().add(user::Column::Id.eq(p.user_id));
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

#[cfg(test)]
mod tests;
