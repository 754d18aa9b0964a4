//! R11: each record carries the hash of the previous record of its case, so any edit,
//! deletion or reordering of stored records breaks the chain where it happened; the case row
//! counts its records (`cases.record_count`), so a deleted last record is found as well.
//!
//! This is the one place that knows how a record is hashed: `submitRecord(s)` and the demo
//! writer seal records with [`seal`], and `verifyRecordChain` recomputes with [`expected_hash`].
//!
//! Versions (`records.hash_version`):
//! - 1: the first encoding, over some fields only (no submission time, no attachment beyond
//!   its digest, no id or key). Kept so that records written before version 2 still verify;
//!   it is never written again.
//! - 2: every stored field of the record, in a fixed order, each length-prefixed (optional
//!   fields behind a presence byte), behind a tag naming the version. Times are hashed
//!   exactly (seconds and nanoseconds); writers store them at microseconds, which both
//!   SQLite and PostgreSQL keep losslessly, so a stored record re-hashes to the same value.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::record;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The version every new record is written with.
pub const CURRENT_VERSION: i16 = 2;

/// The column of `cases` that counts the case's records (kept out of `case::Model`, so that a
/// whole-row update of a case can never write a stale count back).
pub const RECORD_COUNT: &str = "record_count";

/// Sets `hash_version` and `hash` of a record whose other fields (`previous_hash` included)
/// are final.
pub fn seal(r: &mut record::Model) {
    r.hash_version = CURRENT_VERSION;
    r.hash = hash_v2(r);
}

/// The hash a stored record should carry under its own `hash_version`; `None` for a version
/// this build does not know (which verification treats as broken).
pub fn expected_hash(r: &record::Model) -> Option<String> {
    match r.hash_version {
        1 => Some(hash_v1(r)),
        2 => Some(hash_v2(r)),
        _ => None,
    }
}

/// Length-prefixed fields: no two different field lists share a byte string.
struct Encoder(Sha256);

impl Encoder {
    fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
    }

    /// A presence byte, then the field if present: `None` and `Some("")` differ.
    fn optional(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.0.update([0u8]),
            Some(b) => {
                self.0.update([1u8]);
                self.field(b);
            }
        }
    }

    fn time(&mut self, t: DateTime<Utc>) {
        let mut bytes = [0u8; 12];
        bytes[..8].copy_from_slice(&t.timestamp().to_be_bytes());
        bytes[8..].copy_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
        self.field(&bytes);
    }

    fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Version 2: every column of `records` but `hash` itself (the version is the tag).
fn hash_v2(r: &record::Model) -> String {
    // Destructured so that a new column fails to compile until it is hashed (or said not to be).
    let record::Model {
        id,
        case_id,
        seq,
        kind,
        content,
        recorded_at,
        submitted_at,
        submitted_by,
        idempotency_key,
        attachment_sha256,
        attachment_media_type,
        attachment_size_bytes,
        attachment_uri,
        // Whether trainees may see the attachment is a reading rule, not evidence: not hashed.
        attachment_personal: _,
        corrects_record_id,
        hash: _,
        previous_hash,
        hash_version: _,
    } = r;
    let mut e = Encoder(Sha256::new());
    e.field(b"casebridge/record/v2");
    e.field(id.as_bytes());
    e.field(case_id.as_bytes());
    e.field(&seq.to_be_bytes());
    e.field(kind.as_str().as_bytes());
    e.field(content.as_bytes());
    e.time(*recorded_at);
    e.time(*submitted_at);
    e.field(submitted_by.as_bytes());
    e.field(idempotency_key.as_bytes());
    e.optional(attachment_sha256.as_deref().map(str::as_bytes));
    e.optional(attachment_media_type.as_deref().map(str::as_bytes));
    e.optional(attachment_size_bytes.map(i64::to_be_bytes).as_ref().map(|b| b.as_slice()));
    e.optional(attachment_uri.as_deref().map(str::as_bytes));
    e.optional(corrects_record_id.as_ref().map(|u| u.as_bytes().as_slice()));
    e.optional(previous_hash.as_deref().map(str::as_bytes));
    e.finish()
}

/// Version 1, unchanged, for records written before version 2.
fn hash_v1(r: &record::Model) -> String {
    let mut e = Encoder(Sha256::new());
    e.field(r.previous_hash.as_deref().unwrap_or("").as_bytes());
    e.field(r.case_id.as_bytes());
    e.field(&r.seq.to_be_bytes());
    e.field(r.kind.as_str().as_bytes());
    e.field(r.content.as_bytes());
    e.field(r.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
    e.field(r.submitted_by.as_bytes());
    e.field(r.attachment_sha256.as_deref().unwrap_or("").as_bytes());
    e.field(r.corrects_record_id.map(|id| id.into_bytes()).unwrap_or_default().as_slice());
    e.finish()
}

/// The statement that adds `appended` to the case's record count; run in the transaction
/// that inserts the records, after the case row is locked.
pub fn count_appended(backend: DbBackend, case_id: Uuid, appended: i32) -> Statement {
    use sea_orm::ColumnTrait;
    entity::case::Entity::update_many()
        .col_expr(RECORD_COUNT, Expr::col(RECORD_COUNT).add(appended))
        .filter(entity::case::Column::Id.eq(case_id))
        .build(backend)
}

/// `SELECT id FROM records WHERE case_id = … ORDER BY seq DESC LIMIT 1`: the last record of a
/// case's chain, read backwards on the `(case_id, seq)` index (one row, however long the chain).
pub fn last_record_id(case_id: Uuid) -> SelectStatement {
    Query::select()
        .column(record::Column::Id)
        .from(record::Entity)
        .and_where(Expr::col(record::Column::CaseId).eq(case_id))
        .order_by(record::Column::Seq, Order::Desc)
        .limit(1)
        .to_owned()
}

/// Sets the record count of `cases` to the number of records each has: for the demo writer,
/// which inserts whole chains (a chunk of cases at a time) without going through
/// [`count_appended`]. At most `per_statement` ids are bound per statement.
pub async fn count_loaded(db: &impl ConnectionTrait, cases: &[Uuid], per_statement: usize) -> Result<(), DbErr> {
    use sea_orm::ColumnTrait;
    for ids in cases.chunks(per_statement.max(1)) {
        entity::case::Entity::update_many()
            .col_expr(RECORD_COUNT, Expr::cust("(SELECT COUNT(*) FROM records WHERE records.case_id = cases.id)"))
            .filter(entity::case::Column::Id.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The case's record count; `None` if there is no such case.
pub async fn record_count(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Option<i32>, DbErr> {
    use sea_orm::ColumnTrait;
    entity::case::Entity::find()
        .select_only()
        .column_as(Expr::col(RECORD_COUNT), RECORD_COUNT)
        .filter(entity::case::Column::Id.eq(case_id))
        .into_tuple::<i32>()
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use entity::enums::RecordKind;

    use super::*;

    fn base() -> record::Model {
        let mut r = record::Model {
            id: Uuid::nil(),
            case_id: Uuid::nil(),
            seq: 1,
            kind: RecordKind::Note,
            content: "现场检查".into(),
            recorded_at: DateTime::UNIX_EPOCH,
            submitted_at: DateTime::UNIX_EPOCH,
            submitted_by: Uuid::nil(),
            idempotency_key: "k".into(),
            attachment_sha256: None,
            attachment_media_type: None,
            attachment_size_bytes: None,
            attachment_uri: None,
            attachment_personal: None,
            corrects_record_id: None,
            hash: String::new(),
            previous_hash: None,
            hash_version: 0,
        };
        seal(&mut r);
        r
    }

    #[test]
    fn version_2_depends_on_every_field() {
        let r = base();
        assert_eq!(r.hash_version, 2);
        assert_eq!(r.hash.len(), 64);
        assert_eq!(expected_hash(&r).as_deref(), Some(r.hash.as_str()));
        const ONE: Uuid = Uuid::from_u128(1);
        let edits: &[fn(&mut record::Model)] = &[
            |r| r.id = ONE,
            |r| r.case_id = ONE,
            |r| r.seq = 2,
            |r| r.kind = RecordKind::Photo,
            |r| r.content.push(' '),
            |r| r.recorded_at += chrono::Duration::microseconds(1),
            |r| r.submitted_at += chrono::Duration::microseconds(1),
            |r| r.submitted_by = ONE,
            |r| r.idempotency_key.push('2'),
            |r| r.attachment_sha256 = Some(String::new()),
            |r| r.attachment_media_type = Some("image/jpeg".into()),
            |r| r.attachment_size_bytes = Some(0),
            |r| r.attachment_uri = Some("u".into()),
            |r| r.corrects_record_id = Some(ONE),
            |r| r.previous_hash = Some(String::new()),
            |r| r.hash_version = 1,
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut changed = r.clone();
            edit(&mut changed);
            assert_ne!(expected_hash(&changed).as_deref(), Some(r.hash.as_str()), "edit {i} went unnoticed");
        }
        assert_eq!(expected_hash(&record::Model { hash_version: 3, ..r }), None);
    }

    #[test]
    fn version_1_is_the_old_encoding() {
        // Pinned to the value the encoding gave before version 2, so old rows keep verifying.
        let r = record::Model { hash_version: 1, ..base() };
        assert_eq!(
            expected_hash(&r).as_deref(),
            Some("6969afad49de5f8a06712bb354fea1196d72e263950dcbc45feac9d5a58d4244")
        );
    }
}
