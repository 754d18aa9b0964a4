//! Submitting field records (R11, 执法全过程记录): `submitRecord` and `submitRecords`.
//!
//! Records are append-only. Each write is one transaction that locks the cases it appends to
//! (PostgreSQL `FOR NO KEY UPDATE`, which leaves inserts that reference the row unblocked; SQLite's `BEGIN IMMEDIATE` already holds the write lock), takes
//! the next `seq` and the previous hash of each case's chain, inserts the records sealed by
//! `chain::seal`, adds them to each case's record count, and appends a `RECORD_SUBMITTED` event
//! and an audit row for each. The caller publishes the returned
//! events after the commit.
//!
//! Idempotency: `(submitted_by, idempotency_key)` is unique. A retry finds its stored record
//! before writing and returns it; a retry that races the first submission past that check
//! hits the unique index instead, and the whole attempt is rolled back and run again, which
//! then finds the stored record. Either way the retry writes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::enums::{RecordKind, Role};
use entity::{case, case_event, record, transfer};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use uuid::Uuid;

use super::chain;
use crate::auth::{Principal, visibility};
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};
use crate::events::{self, EventDetail, NewEvent};

/// At most this many records in one `submitRecords`.
pub const MAX_BATCH: usize = 100;
pub const MAX_KEY_CHARS: usize = 200;
pub const MAX_CONTENT_CHARS: usize = 100_000;
const MAX_MEDIA_TYPE_CHARS: usize = 255;
const MAX_URI_CHARS: usize = 2048;
/// A phone's clock may run a little ahead of the server's.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// How often a write is re-run after losing a race on a unique index (see the module doc).
const ATTEMPTS: usize = 3;

/// An attachment's fingerprint, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uri: String,
}

/// One record to submit. [`NewRecord::validate`] turns the decoded input into the normalised
/// form that is stored and hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub idempotency_key: String,
    pub case_id: Uuid,
    pub kind: RecordKind,
    pub content: String,
    pub recorded_at: DateTime<Utc>,
    pub attachment: Option<NewAttachment>,
    pub corrects_record_id: Option<Uuid>,
}

/// Microseconds: the precision PostgreSQL keeps (it rounds anything finer) and the one the
/// chain hashes, so a stored record re-hashes to the same value on both backends.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

impl NewRecord {
    /// Checks the hard limits that need no database; `prefix` is the input's path in the
    /// request (`""` for `submitRecord`, `"inputs.3."` in a batch), for error fields.
    pub fn validate(mut self, prefix: &str, now: DateTime<Utc>) -> AppResult<Self> {
        let bad = |name: &str, message: &str| AppError::bad_input(format!("{prefix}{name}"), message);
        let key_chars = self.idempotency_key.chars().count();
        if self.idempotency_key.trim().is_empty() || key_chars > MAX_KEY_CHARS {
            return Err(bad("idempotencyKey", "a key of 1 to 200 characters, chosen by the client, is required"));
        }
        if self.content.trim().is_empty() {
            return Err(bad("content", "a record needs its content"));
        }
        if self.content.chars().count() > MAX_CONTENT_CHARS {
            return Err(bad("content", "at most 100,000 characters; put longer material in an attachment"));
        }
        if self.recorded_at > now + CLOCK_SKEW {
            return Err(bad("recordedAt", "a record cannot be recorded in the future"));
        }
        self.recorded_at = micros(self.recorded_at);
        if let Some(a) = &mut self.attachment {
            let sha = a.sha256.trim();
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("attachment.sha256", "the SHA-256 of the file as 64 hexadecimal characters"));
            }
            // One spelling of a digest, so the chain hashes the same bytes for the same file.
            a.sha256 = sha.to_ascii_lowercase();
            a.media_type = a.media_type.trim().to_string();
            if a.media_type.is_empty() || a.media_type.chars().count() > MAX_MEDIA_TYPE_CHARS {
                return Err(bad("attachment.mediaType", "a media type such as image/jpeg is required"));
            }
            if a.size_bytes < 0 {
                return Err(bad("attachment.sizeBytes", "a size cannot be negative"));
            }
            a.uri = a.uri.trim().to_string();
            if a.uri.is_empty() || a.uri.chars().count() > MAX_URI_CHARS {
                return Err(bad("attachment.uri", "where the file is kept, at most 2048 characters, is required"));
            }
        }
        Ok(self)
    }

    /// The fields in which a stored record differs from this one (empty: a true retry).
    fn differences(&self, stored: &record::Model) -> Vec<&'static str> {
        let mut out = Vec::new();
        if stored.case_id != self.case_id {
            out.push("caseId");
        }
        if stored.kind != self.kind {
            out.push("kind");
        }
        if stored.content != self.content {
            out.push("content");
        }
        if stored.recorded_at != self.recorded_at {
            out.push("recordedAt");
        }
        let stored_attachment = match (
            &stored.attachment_sha256,
            &stored.attachment_media_type,
            stored.attachment_size_bytes,
            &stored.attachment_uri,
        ) {
            (Some(sha256), Some(media_type), Some(size_bytes), Some(uri)) => Some(NewAttachment {
                sha256: sha256.clone(),
                media_type: media_type.clone(),
                size_bytes,
                uri: uri.clone(),
            }),
            _ => None,
        };
        if stored_attachment != self.attachment {
            out.push("attachment");
        }
        if stored.corrects_record_id != self.corrects_record_id {
            out.push("correctsRecordId");
        }
        out
    }
}

/// Why one item of a batch was refused: its index in `inputs`, the input field at fault
/// (`inputs.3.content`), and the error.
#[derive(Debug)]
pub struct ItemError {
    pub index: usize,
    pub field: String,
    pub error: AppError,
}

impl ItemError {
    /// `prefix` is the item's path; a field-less error is pinned on the input that decides it.
    pub fn new(index: usize, prefix: &str, error: AppError) -> Self {
        let field = match &error {
            AppError::BadInput { field, .. } => field.clone(),
            AppError::Conflict(_) => format!("{prefix}idempotencyKey"),
            _ => format!("{prefix}caseId"),
        };
        Self { index, field, error }
    }
}

/// The refusal of a whole batch: nothing was written.
#[derive(Debug)]
pub enum BatchError {
    /// Not about one item (the batch is too long, the database failed …).
    Whole(AppError),
    /// Every item that was refused, in input order.
    Items(Vec<ItemError>),
}

impl From<AppError> for BatchError {
    fn from(e: AppError) -> Self {
        Self::Whole(e)
    }
}

/// The outcome of a submission: one record per input, in input order (a retried input gives
/// its stored record), and the events to publish after the commit (none for retries).
#[derive(Debug)]
pub struct Submitted {
    pub records: Vec<record::Model>,
    pub events: Vec<case_event::Model>,
}

/// `submitRecord`: one validated record.
pub async fn submit_record(db: &DatabaseConnection, p: &Principal, item: NewRecord) -> AppResult<Submitted> {
    submit(db, p, std::slice::from_ref(&item), false).await.map_err(|e| match e {
        BatchError::Whole(e) => e,
        BatchError::Items(mut items) if !items.is_empty() => items.swap_remove(0).error,
        BatchError::Items(_) => AppError::internal("a refused record without its error"),
    })
}

/// `submitRecords`: validated records, all or nothing. Records of several cases may be mixed;
/// each case's chain takes its records in input order.
pub async fn submit_records(
    db: &DatabaseConnection,
    p: &Principal,
    items: &[NewRecord],
) -> Result<Submitted, BatchError> {
    if items.len() > MAX_BATCH {
        return Err(AppError::bad_input("inputs", "at most 100 records per batch").into());
    }
    if items.is_empty() {
        return Ok(Submitted { records: Vec::new(), events: Vec::new() });
    }
    submit(db, p, items, true).await
}

/// What went wrong inside one attempt.
enum Failure {
    Refused(BatchError),
    /// Lost a race on a unique index: roll back and run again.
    Race,
}

impl From<DbErr> for Failure {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Failure::Race,
            _ => Failure::Refused(BatchError::Whole(e.into())),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Refused(BatchError::Whole(e))
    }
}

/// The input path of item `index`, for error fields: `content` for `submitRecord`,
/// `inputs.3.content` in a batch.
pub fn item_prefix(batch: bool, index: usize) -> String {
    if batch { format!("inputs.{index}.") } else { String::new() }
}

async fn submit(
    db: &DatabaseConnection,
    p: &Principal,
    items: &[NewRecord],
    batch: bool,
) -> Result<Submitted, BatchError> {
    let action = if batch { "mutation:submitRecords" } else { "mutation:submitRecord" };
    for _ in 0..ATTEMPTS {
        let txn = crate::db::begin_write(db).await.map_err(AppError::from)?;
        match append(&txn, p, items, batch, action).await {
            Ok(done) => {
                txn.commit().await.map_err(AppError::from)?;
                return Ok(done);
            }
            Err(failure) => {
                // PostgreSQL refuses every further statement of a failed transaction: end it
                // before anything else. A failed rollback is logged; the connection is dropped.
                if let Err(e) = txn.rollback().await {
                    tracing::warn!(error = %e, "rollback of a refused record submission failed");
                }
                match failure {
                    Failure::Refused(e) => return Err(e),
                    Failure::Race => {
                        tracing::debug!("a record submission lost a race on a unique key; running it again");
                        continue;
                    }
                }
            }
        }
    }
    Err(AppError::Conflict("the records were being submitted concurrently by another request; retry".into()).into())
}

/// Who may add records to a case (rules.md, "Who may see and do what"; the caller already
/// sees it): officers of the owning department; town officers of the case's town (field
/// records); a department liaison on a case its department's transfer handed over or became
/// ("submits materials"). Everyone else who sees a case only reads it.
fn may_submit(p: &Principal, case: &case::Model, liaison_cases: &HashSet<Uuid>) -> bool {
    let officer = p.has(Role::BureauOfficer) || p.has(Role::TownOfficer);
    let owning = officer && case.department_id == p.department_id;
    let town = p.has(Role::TownOfficer) && p.town.is_some() && case.town == p.town;
    let liaison = p.has(Role::DepartmentLiaison) && liaison_cases.contains(&case.id);
    owning || town || liaison
}

/// Of `case_ids`, those that a transfer sent or received by the caller's department handed
/// over (`transfers.case_id`) or became (`transfers.resulting_case_id`): the same transfers
/// through which a liaison sees cases (`visibility::cases`).
async fn liaison_cases(
    txn: &DatabaseTransaction,
    p: &Principal,
    case_ids: &BTreeSet<Uuid>,
) -> AppResult<HashSet<Uuid>> {
    if !p.has(Role::DepartmentLiaison) {
        return Ok(HashSet::new());
    }
    let ids = || case_ids.iter().copied();
    let transfers = transfer::Entity::find()
        .filter(
            Condition::any()
                .add(transfer::Column::FromDepartmentId.eq(p.department_id))
                .add(transfer::Column::ToDepartmentId.eq(p.department_id)),
        )
        .filter(
            Condition::any()
                .add(transfer::Column::CaseId.is_in(ids()))
                .add(transfer::Column::ResultingCaseId.is_in(ids())),
        )
        .all(txn)
        .await?;
    Ok(transfers.into_iter().flat_map(|t| [t.case_id, t.resulting_case_id]).flatten().collect())
}

/// What an item becomes: a record already stored under its key, the same new record as an
/// earlier item with the same key, or a new record.
enum Plan<'a> {
    Stored(&'a record::Model),
    SameAs(usize),
    New(&'a NewRecord),
}

/// One attempt, inside `txn`: checks every item against the database, then appends.
async fn append(
    txn: &DatabaseTransaction,
    p: &Principal,
    items: &[NewRecord],
    batch: bool,
    action: &str,
) -> Result<Submitted, Failure> {
    let now = micros(Utc::now());
    let today = local_date(now);

    // Lock every case of the batch in id order, so that two batches over the same cases
    // queue instead of deadlocking, and concurrent appends to one case take turns (R11: one
    // chain, no fork). Cases the caller cannot see are not found.
    let case_ids: BTreeSet<Uuid> = items.iter().map(|i| i.case_id).collect();
    let cases: HashMap<Uuid, case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(case_ids.iter().copied()))
        .filter(visibility::cases(p, today))
        .order_by_asc(case::Column::Id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let liaison = liaison_cases(txn, p, &case_ids).await?;

    // Read after the locks: a retry that waited for the first submission of its key sees it.
    let keys: BTreeSet<&str> = items.iter().map(|i| i.idempotency_key.as_str()).collect();
    let stored: HashMap<String, record::Model> = record::Entity::find()
        .filter(record::Column::SubmittedBy.eq(p.user_id))
        .filter(record::Column::IdempotencyKey.is_in(keys.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.idempotency_key.clone(), r))
        .collect();
    let corrected_ids: BTreeSet<Uuid> = items.iter().filter_map(|i| i.corrects_record_id).collect();
    let corrected: HashMap<Uuid, Uuid> = if corrected_ids.is_empty() {
        HashMap::new()
    } else {
        record::Entity::find()
            .filter(record::Column::Id.is_in(corrected_ids.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|r| (r.id, r.case_id))
            .collect()
    };

    let mut plans: Vec<Plan<'_>> = Vec::with_capacity(items.len());
    let mut errors: Vec<ItemError> = Vec::new();
    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let prefix = item_prefix(batch, index);
        let checked = check_item(p, item, &prefix, (&cases, &liaison, &stored, &corrected), &first_with_key, items);
        match checked {
            Ok(plan) => {
                if matches!(plan, Plan::New(_)) {
                    first_with_key.insert(item.idempotency_key.as_str(), index);
                }
                plans.push(plan);
            }
            Err(e) => {
                errors.push(ItemError::new(index, &prefix, e));
            }
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Refused(BatchError::Items(errors)));
    }

    // The tail of each chain that grows: its last seq and hash.
    let mut tails: HashMap<Uuid, (i32, Option<String>)> = HashMap::new();
    for plan in &plans {
        if let Plan::New(item) = plan
            && !tails.contains_key(&item.case_id)
        {
            tails.insert(item.case_id, chain_tail(txn, item.case_id).await?);
        }
    }

    let mut records: Vec<record::Model> = Vec::with_capacity(items.len());
    let mut events: Vec<case_event::Model> = Vec::new();
    // New records per case, for the cases' record counts (in id order, as the locks).
    let mut appended: BTreeMap<Uuid, i32> = BTreeMap::new();
    for plan in plans {
        let item = match plan {
            Plan::Stored(r) => {
                records.push(r.clone());
                continue;
            }
            Plan::SameAs(earlier) => {
                let r = records.get(earlier).cloned().ok_or_else(|| AppError::internal("batch order"))?;
                records.push(r);
                continue;
            }
            Plan::New(item) => item,
        };
        let case = cases.get(&item.case_id).ok_or_else(|| AppError::internal("unlocked case"))?;
        let (last_seq, previous_hash) =
            tails.get(&item.case_id).cloned().ok_or_else(|| AppError::internal("chain tail missing"))?;
        let seq = last_seq + 1;
        let attachment = item.attachment.as_ref();
        let mut model = record::Model {
            id: Uuid::now_v7(),
            case_id: item.case_id,
            seq,
            kind: item.kind,
            content: item.content.clone(),
            recorded_at: item.recorded_at,
            submitted_at: now,
            submitted_by: p.user_id,
            idempotency_key: item.idempotency_key.clone(),
            attachment_sha256: attachment.map(|a| a.sha256.clone()),
            attachment_media_type: attachment.map(|a| a.media_type.clone()),
            attachment_size_bytes: attachment.map(|a| a.size_bytes),
            attachment_uri: attachment.map(|a| a.uri.clone()),
            corrects_record_id: item.corrects_record_id,
            hash: String::new(),
            previous_hash,
            hash_version: 0,
        };
        chain::seal(&mut model);
        let hash = model.hash.clone();
        record::Entity::insert(model.clone().into_active_model()).exec_without_returning(txn).await?;
        tails.insert(item.case_id, (seq, Some(hash)));
        *appended.entry(item.case_id).or_default() += 1;

        // A record adds to the case's file without changing the case: the event carries the
        // case's current version and does not bump it (as the demo year's records do).
        let event = record_submitted(txn, case, p, &model, now).await?;
        events.push(event);
        crate::audit::write(
            txn,
            Some(p),
            action,
            &[model.id],
            serde_json::json!({
                "caseId": model.case_id.to_string(),
                "seq": model.seq,
                "idempotencyKey": model.idempotency_key,
            }),
        )
        .await?;
        records.push(model);
    }
    for (case_id, n) in appended {
        chain::count_appended(txn, case_id, n).await?;
    }
    Ok(Submitted { records, events })
}

/// The last `seq` and hash of a case's chain (`(0, None)` for an empty chain).
async fn chain_tail(txn: &DatabaseTransaction, case_id: Uuid) -> AppResult<(i32, Option<String>)> {
    let last = record::Entity::find()
        .filter(record::Column::CaseId.eq(case_id))
        .order_by_desc(record::Column::Seq)
        .one(txn)
        .await?;
    Ok(last.map_or((0, None), |r| (r.seq, Some(r.hash))))
}

/// The `RECORD_SUBMITTED` event of a record appended to `case`'s chain: it carries the case's
/// current version and does not bump it.
async fn record_submitted(
    txn: &DatabaseTransaction,
    case: &case::Model,
    actor: &Principal,
    model: &record::Model,
    at: DateTime<Utc>,
) -> AppResult<case_event::Model> {
    let event = NewEvent {
        case_id: case.id,
        at,
        actor_id: Some(actor.user_id),
        transfer_id: None,
        record_id: Some(model.id),
        case_version: case.version,
        detail: EventDetail::record_submitted(model),
    };
    Ok(events::append(txn, event).await?)
}

/// Appends records that were written elsewhere before their case existed (a transfer's
/// materials, carried into the case its acceptance files) to the end of `case`'s chain, in
/// the given order, inside the caller's transaction (which holds the case: it was just filed
/// in it). Each draft keeps its id, content, times, submitter and key; this sets the case,
/// `seq` and `previous_hash`, seals it (R11, `chain::seal`), counts it on the case and appends
/// its `RECORD_SUBMITTED` event, acted by `actor`.
pub async fn append_carried(
    txn: &DatabaseTransaction,
    actor: &Principal,
    case: &case::Model,
    drafts: Vec<record::Model>,
) -> AppResult<(Vec<record::Model>, Vec<case_event::Model>)> {
    if drafts.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let (mut seq, mut previous_hash) = chain_tail(txn, case.id).await?;
    let now = micros(Utc::now());
    let mut records = Vec::with_capacity(drafts.len());
    let mut events = Vec::with_capacity(drafts.len());
    let n = drafts.len() as i32;
    for draft in drafts {
        seq += 1;
        let mut model = record::Model {
            case_id: case.id,
            seq,
            recorded_at: micros(draft.recorded_at),
            submitted_at: micros(draft.submitted_at),
            hash: String::new(),
            previous_hash: previous_hash.take(),
            hash_version: 0,
            ..draft
        };
        chain::seal(&mut model);
        previous_hash = Some(model.hash.clone());
        record::Entity::insert(model.clone().into_active_model()).exec_without_returning(txn).await?;
        let event = record_submitted(txn, case, actor, &model, now).await?;
        events.push(event);
        records.push(model);
    }
    chain::count_appended(txn, case.id, n).await?;
    Ok((records, events))
}

/// What the checks of an item read: the locked visible cases, the cases the caller's
/// transfers reach, the caller's stored records by key, and the case of each corrected record.
type Found<'f> =
    (&'f HashMap<Uuid, case::Model>, &'f HashSet<Uuid>, &'f HashMap<String, record::Model>, &'f HashMap<Uuid, Uuid>);

/// The database checks of one item, in the order a client fixes them: the case, the right
/// to add to it, the key, then the corrected record.
fn check_item<'a>(
    p: &Principal,
    item: &'a NewRecord,
    prefix: &str,
    (cases, liaison, stored, corrected): Found<'a>,
    first_with_key: &HashMap<&str, usize>,
    items: &[NewRecord],
) -> AppResult<Plan<'a>> {
    let case = cases.get(&item.case_id).ok_or_else(|| AppError::not_found("case"))?;
    if !may_submit(p, case, liaison) {
        return Err(AppError::Forbidden(
            "records are submitted by the case's officers, town officers of its town, and liaisons of its transfers"
                .into(),
        ));
    }
    let key = item.idempotency_key.as_str();
    let reused = |differences: Vec<&'static str>| {
        AppError::Conflict(format!(
            "this idempotencyKey was already used for a different record (it differs in {}); choose a new key",
            differences.join(", ")
        ))
    };
    if let Some(existing) = stored.get(key) {
        let differences = item.differences(existing);
        if !differences.is_empty() {
            return Err(reused(differences));
        }
        return Ok(Plan::Stored(existing));
    }
    if let Some(&earlier) = first_with_key.get(key) {
        let first = items.get(earlier).ok_or_else(|| AppError::internal("batch index"))?;
        if first != item {
            return Err(AppError::Conflict(format!(
                "inputs.{earlier} of this batch already uses this idempotencyKey for a different record"
            )));
        }
        return Ok(Plan::SameAs(earlier));
    }
    if let Some(old) = item.corrects_record_id {
        // R11: a correction stays in the chain of the record it corrects.
        if corrected.get(&old) != Some(&item.case_id) {
            return Err(AppError::bad_input(format!("{prefix}correctsRecordId"), "not a record of this case"));
        }
    }
    Ok(Plan::New(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> NewRecord {
        NewRecord {
            idempotency_key: "k-1".into(),
            case_id: Uuid::nil(),
            kind: RecordKind::Photo,
            content: "现场照片".into(),
            recorded_at: DateTime::UNIX_EPOCH + Duration::nanoseconds(1_234_567_891),
            attachment: Some(NewAttachment {
                sha256: format!(" {} ", "AB".repeat(32)),
                media_type: " image/jpeg ".into(),
                size_bytes: 0,
                uri: "https://evidence.example/1.jpg".into(),
            }),
            corrects_record_id: None,
        }
    }

    fn field_of(e: AppError) -> String {
        match e {
            AppError::BadInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn validation_normalises_what_the_chain_hashes() {
        let ok = draft().validate("", Utc::now()).expect("valid");
        // PostgreSQL keeps microseconds: a nanosecond part would not survive the round trip.
        assert_eq!(ok.recorded_at, DateTime::UNIX_EPOCH + Duration::microseconds(1_234_567));
        let a = ok.attachment.expect("attachment");
        assert_eq!(a.sha256, "ab".repeat(32));
        assert_eq!(a.media_type, "image/jpeg");
    }

    #[test]
    fn validation_names_the_field_under_the_items_path() {
        let now = Utc::now();
        let mut d = draft();
        d.content = " \n".into();
        assert_eq!(field_of(d.validate("inputs.3.", now).expect_err("blank")), "inputs.3.content");
        let mut d = draft();
        d.recorded_at = now + CLOCK_SKEW + Duration::seconds(1);
        assert_eq!(field_of(d.validate("", now).expect_err("future")), "recordedAt");
        let mut d = draft();
        d.recorded_at = now + CLOCK_SKEW;
        assert!(d.validate("", now).is_ok(), "the allowed skew is inclusive");
        let mut d = draft();
        d.idempotency_key = "键".repeat(MAX_KEY_CHARS);
        assert!(d.validate("", now).is_ok(), "the key limit counts characters, not bytes");
        let mut d = draft();
        if let Some(a) = &mut d.attachment {
            a.size_bytes = -1;
        }
        assert_eq!(field_of(d.validate("", now).expect_err("size")), "attachment.sizeBytes");
    }

    #[test]
    fn a_retry_differs_only_where_it_differs() {
        let item = draft().validate("", Utc::now()).expect("valid");
        let a = item.attachment.clone().expect("attachment");
        let stored = record::Model {
            id: Uuid::nil(),
            case_id: item.case_id,
            seq: 1,
            kind: item.kind,
            content: item.content.clone(),
            recorded_at: item.recorded_at,
            submitted_at: item.recorded_at,
            submitted_by: Uuid::nil(),
            idempotency_key: item.idempotency_key.clone(),
            attachment_sha256: Some(a.sha256),
            attachment_media_type: Some(a.media_type),
            attachment_size_bytes: Some(a.size_bytes),
            attachment_uri: Some(a.uri),
            corrects_record_id: None,
            hash: String::new(),
            previous_hash: None,
            hash_version: chain::CURRENT_VERSION,
        };
        assert!(item.differences(&stored).is_empty());
        let changed = NewRecord { content: "别的".into(), attachment: None, ..item };
        assert_eq!(changed.differences(&stored), ["content", "attachment"]);
    }
}
