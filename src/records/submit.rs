//! Submitting field records (R11, 执法全过程记录): `submitRecord` and `submitRecords`.
//!
//! Records are append-only. Each write is one transaction that locks the cases it appends to
//! (PostgreSQL `FOR NO KEY UPDATE`, which leaves inserts that reference the row unblocked;
//! SQLite's `BEGIN IMMEDIATE` already holds the write lock), then reads in one statement what
//! it needs of the records (stored records under the keys, corrected records, the last `seq`
//! and hash of each chain), seals the new records (`chain::seal`), and writes them with a
//! `RECORD_SUBMITTED` event and an audit row each and each case's record count: on
//! PostgreSQL as one statement that also queues the events' NOTIFY, so a `submitRecord` is
//! BEGIN, three statements and COMMIT. The caller publishes the returned events after the
//! commit.
//!
//! Idempotency: `(submitted_by, idempotency_key)` is unique. A retry finds its stored record
//! before writing and returns it; a retry that races the first submission past that check
//! hits the unique index instead, and the whole attempt is rolled back and run again, which
//! then finds the stored record. Either way the retry writes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::enums::{RecordKind, Role};
use entity::{audit_log, case, case_event, record, transfer};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, QueryTrait, SqlErr, Statement,
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
    /// The submitter marked the file as showing no person (court trainees may then see an
    /// image of it); otherwise it counts as personal.
    pub shows_no_person: bool,
}

impl NewAttachment {
    /// `records.attachment_personal`: `Some(false)` when marked as showing no person; `None`
    /// (read as personal) otherwise.
    pub fn personal_column(&self) -> Option<bool> {
        if self.shows_no_person { Some(false) } else { None }
    }
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
                shows_no_person: stored.attachment_personal == Some(false),
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
fn may_submit(p: &Principal, case: &Locked, liaison_cases: &HashSet<Uuid>) -> bool {
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
    let cases: HashMap<Uuid, Locked> = case::Entity::find()
        .select_only()
        .columns([case::Column::Id, case::Column::DepartmentId, case::Column::Town, case::Column::Version])
        .filter(case::Column::Id.is_in(case_ids.iter().copied()))
        .filter(visibility::cases(p, today))
        .order_by_asc(case::Column::Id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .into_model::<Locked>()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // A liaison's right comes from a transfer: read only for the cases no other right covers.
    let uncovered: BTreeSet<Uuid> =
        cases.values().filter(|c| !may_submit(p, c, &HashSet::new())).map(|c| c.id).collect();
    let liaison = if uncovered.is_empty() { HashSet::new() } else { liaison_cases(txn, p, &uncovered).await? };

    let Read { stored, corrected, mut tails } = read_after_locks(txn, p, items, &cases).await?;

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

    let mut records: Vec<record::Model> = Vec::with_capacity(items.len());
    let mut new_records: Vec<record::Model> = Vec::new();
    let mut events: Vec<case_event::Model> = Vec::new();
    let mut audits = Vec::new();
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
        let (last_seq, previous_hash) = tails.get(&item.case_id).cloned().unwrap_or((0, None));
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
            attachment_personal: attachment.and_then(NewAttachment::personal_column),
            corrects_record_id: item.corrects_record_id,
            hash: String::new(),
            previous_hash,
            hash_version: 0,
        };
        chain::seal(&mut model);
        tails.insert(item.case_id, (seq, Some(model.hash.clone())));

        // A record adds to the case's file without changing the case: the event carries the
        // case's current version and does not bump it (as the demo year's records do).
        events.push(record_submitted(case.version, p, &model, now).into_model(Uuid::now_v7()));
        let detail = serde_json::json!({
            "caseId": model.case_id.to_string(),
            "seq": model.seq,
            "idempotencyKey": model.idempotency_key,
        });
        audits.extend(crate::audit::rows(Some(p), action, &[model.id], &detail, now));
        new_records.push(model.clone());
        records.push(model);
    }
    write_appended(txn, &new_records, &events, audits).await?;
    Ok(Submitted { records, events })
}

/// What a write needs of a case it locked (not the whole row: a case's text is long).
#[derive(Debug, FromQueryResult)]
struct Locked {
    id: Uuid,
    department_id: Uuid,
    town: Option<String>,
    version: i32,
}

/// What [`read_after_locks`] found.
struct Read {
    /// The caller's records stored under the items' keys, by key.
    stored: HashMap<String, record::Model>,
    /// The case of each record an item corrects.
    corrected: HashMap<Uuid, Uuid>,
    /// The last `seq` and hash of each locked case's chain (absent: an empty chain).
    tails: HashMap<Uuid, (i32, Option<String>)>,
}

/// One read of every record the items need, after the locks (read before, a retry that waited
/// for the first submission of its key would not see it, and a chain's tail could be stale):
/// the caller's records under the items' keys, the records they correct, and the last record
/// of each locked case (a row may be several of these).
async fn read_after_locks(
    txn: &DatabaseTransaction,
    p: &Principal,
    items: &[NewRecord],
    cases: &HashMap<Uuid, Locked>,
) -> Result<Read, DbErr> {
    let keys: BTreeSet<&str> = items.iter().map(|i| i.idempotency_key.as_str()).collect();
    let corrected_ids: BTreeSet<Uuid> = items.iter().filter_map(|i| i.corrects_record_id).collect();
    let mut wanted = Condition::any().add(
        Condition::all()
            .add(record::Column::SubmittedBy.eq(p.user_id))
            .add(record::Column::IdempotencyKey.is_in(keys.iter().copied())),
    );
    if !corrected_ids.is_empty() {
        wanted = wanted.add(record::Column::Id.is_in(corrected_ids.iter().copied()));
    }
    let locked: BTreeSet<Uuid> = cases.keys().copied().collect();
    for &case_id in &locked {
        // `= (scalar subquery)`, not `IN (subquery)`: PostgreSQL then runs it once and reads
        // the row by its key, under an OR too.
        wanted = wanted.add(
            Expr::col((record::Entity, record::Column::Id))
                .eq(Expr::SubQuery(None, Box::new(chain::last_record_id(case_id).into()))),
        );
    }
    let rows = record::Entity::find().filter(wanted).all(txn).await?;

    let mut read = Read { stored: HashMap::new(), corrected: HashMap::new(), tails: HashMap::new() };
    for r in rows {
        if locked.contains(&r.case_id) && read.tails.get(&r.case_id).is_none_or(|(seq, _)| r.seq > *seq) {
            read.tails.insert(r.case_id, (r.seq, Some(r.hash.clone())));
        }
        if corrected_ids.contains(&r.id) {
            read.corrected.insert(r.id, r.case_id);
        }
        if r.submitted_by == p.user_id && keys.contains(r.idempotency_key.as_str()) {
            read.stored.insert(r.idempotency_key.clone(), r);
        }
    }
    Ok(read)
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
fn record_submitted(case_version: i32, actor: &Principal, model: &record::Model, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        case_id: model.case_id,
        at,
        actor_id: Some(actor.user_id),
        transfer_id: None,
        record_id: Some(model.id),
        case_version,
        detail: EventDetail::record_submitted(model),
    }
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
        events.push(record_submitted(case.version, actor, &model, now).into_model(Uuid::now_v7()));
        records.push(model);
    }
    write_appended(txn, &records, &events, Vec::new()).await?;
    Ok((records, events))
}

/// Writes appended records: inserts them, their events and their audit rows, and counts the
/// records on their cases (whose rows the caller has locked). On PostgreSQL this is one
/// statement, the writes as data-modifying CTEs, which also queues the events' NOTIFY
/// (delivered on commit, carrying the events: `events::notification`); SQLite has no
/// data-modifying CTEs, so there each write is its own statement (and the events are
/// published in process after the commit).
async fn write_appended(
    txn: &DatabaseTransaction,
    records: &[record::Model],
    events: &[case_event::Model],
    audits: Vec<audit_log::ActiveModel>,
) -> Result<(), DbErr> {
    if records.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let mut writes: Vec<Statement> = Vec::with_capacity(4);
    writes.push(
        record::Entity::insert_many(records.iter().cloned().map(IntoActiveModel::into_active_model)).build(backend),
    );
    if !events.is_empty() {
        writes.push(
            case_event::Entity::insert_many(events.iter().cloned().map(IntoActiveModel::into_active_model))
                .build(backend),
        );
    }
    if !audits.is_empty() {
        writes.push(audit_log::Entity::insert_many(audits).build(backend));
    }
    // In id order, as the locks.
    let mut appended: BTreeMap<Uuid, i32> = BTreeMap::new();
    for r in records {
        *appended.entry(r.case_id).or_default() += 1;
    }
    let counts = appended.len();
    for (case_id, n) in appended {
        writes.push(chain::count_appended(backend, case_id, n));
    }
    if backend == DbBackend::Postgres {
        let notify = (!events.is_empty()).then(|| events::notification(events));
        txn.execute_raw(one_statement(writes, notify)).await?;
        return Ok(());
    }
    let first_count = writes.len() - counts;
    for (i, write) in writes.into_iter().enumerate() {
        let done = txn.execute_raw(write).await?;
        if i >= first_count && done.rows_affected() != 1 {
            return Err(DbErr::RecordNotUpdated);
        }
    }
    Ok(())
}

/// PostgreSQL: `writes` as the data-modifying CTEs of one statement (each runs exactly once,
/// all against one snapshot; foreign keys are checked at the statement's end, so an event may
/// name a record inserted beside it), followed by `pg_notify` of `notify` on the events'
/// channel. Each write's placeholders are renumbered after the ones before it.
fn one_statement(writes: Vec<Statement>, notify: Option<String>) -> Statement {
    let mut sql = String::from("WITH ");
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (i, write) in writes.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ("));
        sql.push_str(&renumber(&write.sql, values.len()));
        sql.push(')');
        values.extend(write.values.map(|v| v.0).unwrap_or_default());
    }
    match notify {
        Some(payload) => {
            let n = values.len();
            sql.push_str(&format!(" SELECT pg_notify(${}, ${})", n + 1, n + 2));
            values.push(events::CHANNEL.into());
            values.push(payload.into());
        }
        None => sql.push_str(" SELECT 1"),
    }
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// `sql` (PostgreSQL, built by sea-query: every value a `$n` placeholder, no literal text)
/// with each `$n` raised by `offset`.
fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' || !chars.peek().is_some_and(char::is_ascii_digit) {
            continue;
        }
        let mut n = 0usize;
        while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
            n = n * 10 + d as usize;
            chars.next();
        }
        out.push_str(&(n + offset).to_string());
    }
    out
}

/// What the checks of an item read: the locked visible cases, the cases the caller's
/// transfers reach, the caller's stored records by key, and the case of each corrected record.
type Found<'f> =
    (&'f HashMap<Uuid, Locked>, &'f HashSet<Uuid>, &'f HashMap<String, record::Model>, &'f HashMap<Uuid, Uuid>);

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
                shows_no_person: false,
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
    fn the_writes_of_one_statement_number_their_values_in_turn() {
        assert_eq!(
            renumber(r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $10)"#, 12),
            r#"INSERT INTO "t" ("a", "b") VALUES ($13, $14), ($15, $22)"#
        );
        let w = |sql: &str, n: i32| {
            Statement::from_sql_and_values(DbBackend::Postgres, sql, (1..=n).map(sea_orm::Value::from))
        };
        let one =
            one_statement(vec![w("INSERT INTO a VALUES ($1, $2)", 2), w("UPDATE b SET c = $1", 1)], Some("x".into()));
        assert_eq!(
            one.sql,
            "WITH w0 AS (INSERT INTO a VALUES ($1, $2)), w1 AS (UPDATE b SET c = $3) SELECT pg_notify($4, $5)"
        );
        let values = one.values.expect("values").0;
        assert_eq!(values.len(), 5);
        assert_eq!(values[2], sea_orm::Value::from(1));
        assert_eq!(values[4], sea_orm::Value::from("x"));
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
            attachment_personal: None,
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
