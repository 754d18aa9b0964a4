//! Who reads and writes oversight records. Reading: admins, the bureau (officers and legal
//! reviewers) and the supervisors (justice bureau, city guidance office) read every record; a
//! town team reads its own department's records and those of its town; a line department its
//! own department's. Court trainees and dashboards read none (dashboards read statistics).
//! The towns' matter claims have no department: the readers of every record read them all, a
//! town team its own town's, anyone else none.
//! Writing: the officers of the owning department; legal reviews, committee meetings,
//! reconsiderations and file evaluations are the legal reviewers' (and bureau officers').

use entity::enums::{DepartmentKind, Role};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::Condition;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::sql::never;

pub fn reads_all(p: &Principal) -> bool {
    p.is_admin()
        || (p.department_kind == DepartmentKind::Bureau && (p.has(Role::BureauOfficer) || p.has(Role::LegalReviewer)))
        || (p.department_kind == DepartmentKind::Supervisor && !p.is_trainee_only() && !p.has(Role::Dashboard))
}

/// The rows of a table `p` may read: `dept` its department column, `town` its town column.
pub fn visible<D: ColumnTrait, T: ColumnTrait>(p: &Principal, dept: D, town: Option<T>) -> Condition {
    if reads_all(p) {
        return Condition::all();
    }
    if p.has(Role::TownOfficer) || p.has(Role::DepartmentLiaison) {
        let mut any = Condition::any().add(dept.eq(p.department_id));
        if let (Some(col), Some(t), true) = (town, &p.town, p.has(Role::TownOfficer)) {
            any = any.add(col.eq(t.as_str()));
        }
        return any;
    }
    never()
}

/// Whether `p` reads any oversight record at all: not a court trainee nor a dashboard.
pub fn reads_any(p: &Principal) -> bool {
    reads_all(p) || p.has(Role::TownOfficer) || p.has(Role::DepartmentLiaison)
}

/// The rows of a table kept per town only (`town` its town column): all for those who read
/// every record, a town team's own town, nothing for anyone else.
pub fn visible_by_town<T: ColumnTrait>(p: &Principal, town: T) -> Condition {
    if reads_all(p) {
        return Condition::all();
    }
    match &p.town {
        Some(t) if p.has(Role::TownOfficer) => Condition::all().add(town.eq(t.as_str())),
        _ => never(),
    }
}

/// Same, for a table with no town column of its own.
pub fn visible_by_department<D: ColumnTrait>(p: &Principal, dept: D) -> Condition {
    visible::<D, D>(p, dept, None)
}

/// An enforcement officer of the bureau or a town team: files notices, patrols, publishes.
pub fn officer(p: &Principal) -> AppResult<()> {
    if p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only enforcement officers of the bureau or a town team record this".into()))
    }
}

/// The bureau's legal work: legal reviewers and bureau officers.
pub fn legal(p: &Principal) -> AppResult<()> {
    if p.department_kind == DepartmentKind::Bureau && (p.has(Role::LegalReviewer) || p.has(Role::BureauOfficer)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only the bureau's legal reviewers and officers record this".into()))
    }
}

pub fn admin(p: &Principal) -> AppResult<()> {
    if p.is_admin() { Ok(()) } else { Err(AppError::Forbidden("only an admin does this".into())) }
}
