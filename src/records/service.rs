//! Record reads and the chain check.

use chrono::NaiveDate;
use entity::record;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::chain::{ChainInput, record_hash};
use crate::auth::Principal;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    pub intact: bool,
    pub length: i32,
    pub first_broken: Option<Uuid>,
}

/// Recomputes every hash of a case's chain in order. A record is broken when its stored
/// hash or its link to the previous record does not match, or its position skips.
pub fn check_chain(records: &[record::Model]) -> ChainCheck {
    let mut previous: Option<&str> = None;
    for (i, r) in records.iter().enumerate() {
        let expected = record_hash(&ChainInput {
            previous_hash: previous,
            case_id: r.case_id,
            seq: r.seq,
            kind: r.kind.as_str(),
            content: &r.content,
            recorded_at: r.recorded_at,
            submitted_by: r.submitted_by,
            attachment_sha256: r.attachment_sha256.as_deref(),
            corrects_record_id: r.corrects_record_id,
        });
        let linked = r.previous_hash.as_deref() == previous;
        if r.seq != i as i32 + 1 || !linked || r.hash != expected {
            return ChainCheck { intact: false, length: records.len() as i32, first_broken: Some(r.id) };
        }
        previous = Some(&r.hash);
    }
    ChainCheck { intact: true, length: records.len() as i32, first_broken: None }
}

/// Checks the chain of a case the caller may see.
pub async fn verify_chain(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    case_id: Uuid,
) -> AppResult<ChainCheck> {
    crate::cases::service::get(db, p, today, case_id).await?;
    let records = record::Entity::find()
        .filter(record::Column::CaseId.eq(case_id))
        .order_by_asc(record::Column::Seq)
        .all(db)
        .await?;
    Ok(check_chain(&records))
}
