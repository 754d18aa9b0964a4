//! 移送材料: the sender's materials on a transfer (`addTransferMaterial`, `Transfer.materials`).
//!
//! A transfer may have no case yet (a fresh referral), so a material cannot be a record of a
//! case's chain when it is added. It is a row of `transfer_materials`, sealed with its own
//! hash by the record hashing (`records::chain::seal` over the record it stands for, with no
//! previous hash), and shown as a `Record` ([`as_record`]). On acceptance the materials, in
//! their order, are appended to the resulting case's chain as records with the same ids
//! (`records::submit::append_carried`): the ids a client saw stay valid, and from then on
//! the records themselves are shown, chained and verified with the case (R11).
//!
//! Idempotency: `(submitted_by, idempotency_key)` is unique, as for records; a retry returns
//! the stored material (or the record it became) and writes nothing; the same key for a
//! different material is `CONFLICT`.

use chrono::{SubsecRound, Utc};
use entity::enums::{Role, TransferStatus};
use entity::{case, case_event, record, transfer, transfer_event, transfer_material};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

use super::service;
use crate::auth::Principal;
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};
use crate::events::{self, EventDetail};
use crate::records::chain;
use crate::records::submit::{self, NewRecord};

/// Most materials one transfer holds.
pub const MAX_MATERIALS: u64 = 200;

/// A material added and the transfer event to publish after the commit (none for a retry).
pub struct Added {
    pub record: record::Model,
    pub events: Vec<transfer_event::Model>,
}

/// The record a material stands for: before acceptance, outside any chain (`seq` is its place
/// in the transfer, `case_id` the sender's case if any, else nil).
pub fn as_record(m: &transfer_material::Model, case_id: Option<Uuid>) -> record::Model {
    record::Model {
        id: m.id,
        case_id: case_id.unwrap_or(Uuid::nil()),
        seq: m.seq,
        kind: m.kind,
        content: m.content.clone(),
        recorded_at: m.recorded_at,
        submitted_at: m.submitted_at,
        submitted_by: m.submitted_by,
        // The record it becomes holds a key of its own: the sender's key stays the material's,
        // so a later `submitRecord` with the same key never collides with it.
        idempotency_key: format!("transfer-material:{}", m.id),
        attachment_sha256: m.attachment_sha256.clone(),
        attachment_media_type: m.attachment_media_type.clone(),
        attachment_size_bytes: m.attachment_size_bytes,
        attachment_uri: m.attachment_uri.clone(),
        attachment_personal: None,
        corrects_record_id: None,
        hash: m.hash.clone(),
        previous_hash: None,
        hash_version: chain::CURRENT_VERSION,
    }
}

/// The sender (a sending role of the sending department) adds materials.
fn is_sender(p: &Principal, t: &transfer::Model) -> bool {
    p.department_id == t.from_department_id
        && (p.has(Role::DepartmentLiaison) || p.has(Role::BureauOfficer) || p.has(Role::TownOfficer))
}

fn same(item: &NewRecord, m: &transfer_material::Model, transfer_id: Uuid) -> Vec<&'static str> {
    let mut out = Vec::new();
    if m.transfer_id != transfer_id {
        out.push("transferId");
    }
    if m.kind != item.kind {
        out.push("kind");
    }
    if m.content != item.content {
        out.push("content");
    }
    if m.recorded_at != item.recorded_at {
        out.push("recordedAt");
    }
    let a = item.attachment.as_ref();
    if m.attachment_sha256.as_deref() != a.map(|a| a.sha256.as_str())
        || m.attachment_uri.as_deref() != a.map(|a| a.uri.as_str())
        || m.attachment_media_type.as_deref() != a.map(|a| a.media_type.as_str())
        || m.attachment_size_bytes != a.map(|a| a.size_bytes)
    {
        out.push("attachment");
    }
    out
}

/// What a stored material is shown as now: the record it became, else itself.
async fn shown(
    db: &impl ConnectionTrait,
    t: &transfer::Model,
    m: &transfer_material::Model,
) -> AppResult<record::Model> {
    if let Some(id) = m.record_id
        && let Some(r) = record::Entity::find_by_id(id).one(db).await?
    {
        return Ok(r);
    }
    Ok(as_record(m, t.case_id))
}

/// `addTransferMaterial`: `item` is validated (`NewRecord::validate`; its `case_id` is unused).
pub async fn add_material(
    db: &DatabaseConnection,
    p: &Principal,
    transfer_id: Uuid,
    item: NewRecord,
) -> AppResult<Added> {
    for _ in 0..3 {
        let txn = crate::db::begin_write(db).await?;
        match add_in(&txn, p, transfer_id, &item).await {
            Ok(added) => {
                txn.commit().await?;
                return Ok(added);
            }
            Err(e) => {
                if let Err(r) = txn.rollback().await {
                    tracing::warn!(error = %r, "rollback of a refused transfer material failed");
                }
                // Lost a race on the key or the order: the next attempt finds the winner.
                if matches!(&e, Failure::Race) {
                    continue;
                }
                if let Failure::Refused(e) = e {
                    return Err(e);
                }
            }
        }
    }
    Err(AppError::Conflict("the material was being added concurrently by another request; retry".into()))
}

enum Failure {
    Refused(AppError),
    Race,
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Failure::Race,
            _ => Failure::Refused(e.into()),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Refused(e)
    }
}

async fn add_in(
    txn: &DatabaseTransaction,
    p: &Principal,
    transfer_id: Uuid,
    item: &NewRecord,
) -> Result<Added, Failure> {
    let now = Utc::now().trunc_subsecs(6);
    let t = service::get_for_update(txn, p, local_date(now), transfer_id).await?;
    if !is_sender(p, &t) {
        return Err(AppError::Forbidden("materials are added by the sending department".into()).into());
    }
    let stored = transfer_material::Entity::find()
        .filter(transfer_material::Column::SubmittedBy.eq(p.user_id))
        .filter(transfer_material::Column::IdempotencyKey.eq(item.idempotency_key.as_str()))
        .one(txn)
        .await?;
    if let Some(m) = stored {
        let differences = same(item, &m, t.id);
        if !differences.is_empty() {
            return Err(AppError::Conflict(format!(
                "this idempotencyKey was already used for a different material (it differs in {}); choose a new key",
                differences.join(", ")
            ))
            .into());
        }
        return Ok(Added { record: shown(txn, &t, &m).await?, events: Vec::new() });
    }
    if t.status != TransferStatus::Pending {
        return Err(AppError::Conflict(format!(
            "the transfer is {}: materials are added only while it is PENDING",
            t.status.as_str()
        ))
        .into());
    }
    let last: Option<i32> = transfer_material::Entity::find()
        .filter(transfer_material::Column::TransferId.eq(t.id))
        .select_only()
        .column(transfer_material::Column::Seq)
        .order_by_desc(transfer_material::Column::Seq)
        .into_tuple()
        .one(txn)
        .await?;
    let seq = last.unwrap_or(0) + 1;
    if seq as u64 > MAX_MATERIALS {
        return Err(AppError::bad_input("input", format!("a transfer holds at most {MAX_MATERIALS} materials")).into());
    }
    let a = item.attachment.as_ref();
    let mut m = transfer_material::Model {
        id: Uuid::now_v7(),
        transfer_id: t.id,
        seq,
        kind: item.kind,
        content: item.content.clone(),
        recorded_at: item.recorded_at,
        submitted_at: now,
        submitted_by: p.user_id,
        idempotency_key: item.idempotency_key.clone(),
        attachment_sha256: a.map(|a| a.sha256.clone()),
        attachment_media_type: a.map(|a| a.media_type.clone()),
        attachment_size_bytes: a.map(|a| a.size_bytes),
        attachment_uri: a.map(|a| a.uri.clone()),
        hash: String::new(),
        record_id: None,
    };
    let mut sealed = as_record(&m, t.case_id);
    chain::seal(&mut sealed);
    m.hash = sealed.hash.clone();
    transfer_material::Entity::insert(m.clone().into_active_model()).exec_without_returning(txn).await?;
    let event =
        events::transfer::append(txn, &t, now, Some(p.user_id), Some(m.id), EventDetail::record_submitted(&sealed))
            .await?;
    crate::audit::write(
        txn,
        Some(p),
        "mutation:addTransferMaterial",
        &[t.id, m.id],
        serde_json::json!({ "transferId": t.id.to_string(), "seq": m.seq, "idempotencyKey": m.idempotency_key }),
    )
    .await?;
    Ok(Added { record: as_record(&m, t.case_id), events: vec![event] })
}

/// `Transfer.materials`: in their order, each as the record it became, else as itself.
pub async fn materials(db: &impl ConnectionTrait, t: &transfer::Model) -> AppResult<Vec<record::Model>> {
    let rows = transfer_material::Entity::find()
        .filter(transfer_material::Column::TransferId.eq(t.id))
        .order_by_asc(transfer_material::Column::Seq)
        .all(db)
        .await?;
    let carried: Vec<Uuid> = rows.iter().filter_map(|m| m.record_id).collect();
    let records: std::collections::HashMap<Uuid, record::Model> = if carried.is_empty() {
        Default::default()
    } else {
        record::Entity::find()
            .filter(record::Column::Id.is_in(carried))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    Ok(rows
        .iter()
        .map(|m| m.record_id.and_then(|id| records.get(&id).cloned()).unwrap_or_else(|| as_record(m, t.case_id)))
        .collect())
}

/// On acceptance: the transfer's materials enter `case`'s record chain, in their order, as
/// records with their ids; returns the events to publish.
pub async fn carry_into_case(
    txn: &DatabaseTransaction,
    p: &Principal,
    t: &transfer::Model,
    case: &case::Model,
) -> AppResult<Vec<case_event::Model>> {
    let rows = transfer_material::Entity::find()
        .filter(transfer_material::Column::TransferId.eq(t.id))
        .filter(transfer_material::Column::RecordId.is_null())
        .order_by_asc(transfer_material::Column::Seq)
        .all(txn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let drafts = rows.iter().map(|m| as_record(m, Some(case.id))).collect();
    let (records, events) = submit::append_carried(txn, p, case, drafts).await?;
    transfer_material::Entity::update_many()
        .col_expr(transfer_material::Column::RecordId, sea_orm::sea_query::Expr::col(transfer_material::Column::Id))
        .filter(transfer_material::Column::TransferId.eq(t.id))
        .filter(transfer_material::Column::Id.is_in(records.iter().map(|r| r.id)))
        .exec(txn)
        .await?;
    Ok(events)
}
