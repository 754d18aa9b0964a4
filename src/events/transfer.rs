//! The timeline of a transfer that has no case to carry its events: a fresh referral (no
//! `caseId`) requested, rejected, returned or withdrawn, and the materials added to any
//! transfer. rules.md: the sender "is told of every change"; a case event reaches it when a
//! case exists (the sender's own case, or the case the transfer became), and this log covers
//! the rest. Appended in the same transaction as the change, published after the commit like
//! case events (on PostgreSQL through `NOTIFY` on [`TRANSFER_CHANNEL`]).
//!
//! `caseEvents` delivers the answers (`TRANSFER_ANSWERED`: rejected, returned, withdrawn) of
//! this log; the request and the materials are kept here and read through the transfer.
//!
//! Who reads one: the rule of `visibility::transfers` for a transfer, in memory
//! ([`can_read`]): admins, and the workers on transfers of its two departments. The row
//! carries both departments, so no subscriber loads anything. For a transfer that also has a
//! case, readers of that case who belong to neither department get the case's events, not
//! these: the condition is never wider than the SQL rule.

use chrono::{DateTime, Utc};
use entity::enums::Role;
use entity::{transfer, transfer_event};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};
use uuid::Uuid;

use super::{EventDetail, TRANSFER_CHANNEL};
use crate::auth::Principal;

/// Roles that work on their department's transfers (`visibility::transfers`).
const WORKS_ON_TRANSFERS: [Role; 4] =
    [Role::BureauOfficer, Role::LegalReviewer, Role::TownOfficer, Role::DepartmentLiaison];

/// Appends one event to a transfer's own timeline inside the caller's transaction.
pub async fn append(
    txn: &impl ConnectionTrait,
    t: &transfer::Model,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    record_id: Option<Uuid>,
    detail: EventDetail,
) -> Result<transfer_event::Model, DbErr> {
    let model = transfer_event::Model {
        id: Uuid::now_v7(),
        transfer_id: t.id,
        from_department_id: t.from_department_id,
        to_department_id: t.to_department_id,
        kind: detail.kind(),
        at,
        actor_id,
        record_id,
        detail: detail.to_json(),
    };
    transfer_event::Entity::insert(model.clone().into_active_model()).exec_without_returning(txn).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let stmt = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [TRANSFER_CHANNEL.into(), model.id.to_string().into()],
        );
        txn.execute_raw(stmt).await?;
    }
    Ok(model)
}

/// Whether `p` may read a transfer event: `visibility::transfers` for the event's transfer,
/// in memory, restricted to its departments (see the module doc).
pub fn can_read(p: &Principal, e: &transfer_event::Model) -> bool {
    if p.is_admin() {
        return true;
    }
    WORKS_ON_TRANSFERS.iter().any(|r| p.has(*r))
        && (p.department_id == e.from_department_id || p.department_id == e.to_department_id)
}

#[cfg(test)]
mod tests {
    use entity::enums::{CaseEventKind, DepartmentKind};

    use super::*;

    fn principal(dept: Uuid, roles: Vec<Role>) -> Principal {
        Principal {
            user_id: Uuid::now_v7(),
            login: "p".into(),
            name: "p".into(),
            department_id: dept,
            department_kind: DepartmentKind::LineDepartment,
            town: None,
            roles,
            client_addr: None,
        }
    }

    #[test]
    fn only_the_two_departments_workers_and_admins_read_a_transfer_event() {
        let (from, to, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let e = transfer_event::Model {
            id: Uuid::now_v7(),
            transfer_id: Uuid::now_v7(),
            from_department_id: from,
            to_department_id: to,
            kind: CaseEventKind::TransferAnswered,
            at: Utc::now(),
            actor_id: None,
            record_id: None,
            detail: "{}".into(),
        };
        assert!(can_read(&principal(from, vec![Role::DepartmentLiaison]), &e));
        assert!(can_read(&principal(to, vec![Role::BureauOfficer]), &e));
        assert!(can_read(&principal(other, vec![Role::Admin]), &e));
        assert!(!can_read(&principal(other, vec![Role::DepartmentLiaison]), &e));
        assert!(!can_read(&principal(from, vec![Role::Dashboard]), &e));
        assert!(!can_read(&principal(to, vec![Role::CourtTrainee]), &e));
    }
}
