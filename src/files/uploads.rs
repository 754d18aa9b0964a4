//! Resumable uploads (the tus protocol's state, `http::uploads` speaks it): a client declares
//! the length and SHA-256 of a file, sends its bytes in any number of `PATCH`es (resuming
//! after a broken connection from the offset the server has), and the complete file is
//! verified and kept as a blob, ready for `submitRecord`'s `attachment { sha256 … }`.
//!
//! Several instances serve one upload: each `PATCH`'s bytes are staged locally, kept in the
//! store as a named object of their own (`uploads/<id>/<offset>-<nonce>`), and counted in the
//! database by a conditional `UPDATE … WHERE received = <offset>`, in the transaction that
//! records the part: of two requests at one offset exactly one wins, and the other removes
//! its object. The request that brings the count to the length assembles the parts in order
//! through [`Store::stage`] (hashed and counted, bounded memory), keeps the file only when its
//! SHA-256 is the declared one and its size within the limit of its sniffed kind, registers
//! the blob and removes the parts.
//!
//! An upload expires 24 hours after its last accepted bytes ([`EXPIRY`]); [`sweep`] removes
//! expired ones with their parts (run on every creation).

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use entity::{upload, upload_part};
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::store::{Store, StoreError, is_sha256};
use crate::auth::Principal;
use crate::config::FileLimits;

/// How long an upload may wait for its next bytes.
pub const EXPIRY: Duration = Duration::hours(24);
/// Expired uploads one [`sweep`] removes at most.
pub const SWEEP_BATCH: u64 = 50;

pub const OPEN: &str = "open";
pub const COMPLETE: &str = "complete";
pub const FAILED: &str = "failed";

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No such upload, or another caller's.
    #[error("no such upload")]
    NotFound,
    /// Expired, terminated by a failed verification: it takes no more bytes.
    #[error("the upload has expired or failed; start a new one")]
    Gone,
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {message}")]
    BadInput { field: &'static str, message: String },
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The bytes do not start where the upload stands.
    #[error("the upload is at offset {expected}, not {given}")]
    Offset { expected: u64, given: u64 },
    /// The complete file's SHA-256 is not the declared one: nothing was kept.
    #[error("the file's SHA-256 is {actual}, not the declared {declared}; nothing was kept")]
    HashMismatch { declared: String, actual: String },
    #[error("file storage: {0}")]
    Store(StoreError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl From<StoreError> for UploadError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::TooLarge { limit } => UploadError::TooLarge { limit },
            StoreError::HashMismatch { declared, actual } => UploadError::HashMismatch { declared, actual },
            other => UploadError::Store(other),
        }
    }
}

/// Who may upload: the callers who submit records (officers and liaisons); not court
/// trainees, dashboards, admins or reviewers.
pub fn may_upload(p: &Principal) -> bool {
    p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) || p.has(Role::DepartmentLiaison)
}

/// Where an upload stands after a `PATCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub received: u64,
    pub length: u64,
    pub expires_at: DateTime<Utc>,
    /// The kept file's SHA-256, once complete.
    pub sha256: Option<String>,
}

impl Progress {
    pub fn of(row: &upload::Model) -> Self {
        Self {
            received: u64::try_from(row.received).unwrap_or(0),
            length: u64::try_from(row.length).unwrap_or(0),
            expires_at: row.expires_at,
            sha256: row.sha256.clone(),
        }
    }
}

/// Starts an upload of `length` bytes whose SHA-256 is `declared`.
pub async fn create(
    db: &DatabaseConnection,
    store: &Store,
    limits: &FileLimits,
    p: &Principal,
    length: u64,
    declared: &str,
    filename: Option<String>,
) -> Result<upload::Model, UploadError> {
    if !may_upload(p) {
        return Err(UploadError::Forbidden("only callers who submit records may upload files".into()));
    }
    if !is_sha256(declared) {
        return Err(UploadError::BadInput {
            field: "sha256",
            message: "Upload-Metadata's sha256 must be the file's SHA-256 as 64 hexadecimal digits".into(),
        });
    }
    if length == 0 {
        return Err(UploadError::BadInput { field: "Upload-Length", message: "an upload has at least 1 byte".into() });
    }
    if length > limits.largest() {
        return Err(UploadError::TooLarge { limit: limits.largest() });
    }
    if let Some(name) = &filename
        && (name.chars().count() > 255 || name.chars().any(char::is_control))
    {
        return Err(UploadError::BadInput {
            field: "filename",
            message: "a file name has at most 255 characters and no control characters".into(),
        });
    }
    if let Err(e) = sweep(db, store, Utc::now()).await {
        tracing::warn!(error = %e, "sweeping expired uploads failed");
    }
    let now = Utc::now();
    let row = upload::ActiveModel {
        id: Set(Uuid::now_v7()),
        created_by: Set(p.user_id),
        length: Set(i64::try_from(length).unwrap_or(i64::MAX)),
        received: Set(0),
        declared_sha256: Set(declared.to_ascii_lowercase()),
        filename: Set(filename),
        status: Set(OPEN.into()),
        sha256: Set(None),
        created_at: Set(now),
        expires_at: Set(now + EXPIRY),
    };
    Ok(upload::Entity::insert(row).exec_with_returning(db).await?)
}

/// The caller's own upload (another caller's is [`UploadError::NotFound`]).
pub async fn find(db: &impl ConnectionTrait, p: &Principal, id: Uuid) -> Result<upload::Model, UploadError> {
    upload::Entity::find_by_id(id)
        .filter(upload::Column::CreatedBy.eq(p.user_id))
        .one(db)
        .await?
        .ok_or(UploadError::NotFound)
}

/// Whether an upload still takes bytes (or has its file).
pub fn usable(row: &upload::Model, now: DateTime<Utc>) -> Result<(), UploadError> {
    match row.status.as_str() {
        COMPLETE => Ok(()),
        OPEN if row.expires_at > now => Ok(()),
        _ => Err(UploadError::Gone),
    }
}

/// `PATCH`: appends `body`, which starts at `offset`, to the caller's upload `id`; completes
/// the upload when these are its last bytes.
pub async fn append<E: std::fmt::Display>(
    db: &DatabaseConnection,
    store: &Store,
    limits: &FileLimits,
    p: &Principal,
    id: Uuid,
    offset: u64,
    body: impl Stream<Item = Result<bytes::Bytes, E>> + Unpin,
) -> Result<Progress, UploadError> {
    let row = find(db, p, id).await?;
    usable(&row, Utc::now())?;
    let progress = Progress::of(&row);
    if offset != progress.received {
        return Err(UploadError::Offset { expected: progress.received, given: offset });
    }
    if row.status == COMPLETE {
        // The last PATCH's answer was lost: the same answer again, for no further bytes.
        return Ok(progress);
    }
    let staged = store.stage_stream(body, progress.length - offset).await?;
    let added = staged.size;
    let mut row = row;
    if added > 0 {
        let name = format!("uploads/{id}/{offset:020}-{}", Uuid::new_v4().simple());
        store.put_named(&name, staged.path()).await?;
        drop(staged);
        match record_part(db, &row, offset, added, &name).await {
            Ok(updated) => row = updated,
            Err(e) => {
                if let Err(d) = store.delete_named(&name).await {
                    tracing::warn!(error = %d, part = %name, "removing a refused upload part failed");
                }
                return Err(e);
            }
        }
    }
    if row.received == row.length && row.status == OPEN {
        return finish(db, store, limits, &row).await;
    }
    Ok(Progress::of(&row))
}

/// Counts a part's bytes if the upload still stands at `offset` (else another request got
/// there first: 409), and records where they are; renews the expiry.
async fn record_part(
    db: &DatabaseConnection,
    row: &upload::Model,
    offset: u64,
    added: u64,
    name: &str,
) -> Result<upload::Model, UploadError> {
    let offset_i = i64::try_from(offset).unwrap_or(i64::MAX);
    let received = offset_i.saturating_add(i64::try_from(added).unwrap_or(i64::MAX));
    let expires_at = Utc::now() + EXPIRY;
    let txn = crate::db::begin_write(db).await?;
    let moved = upload::Entity::update_many()
        .col_expr(upload::Column::Received, Expr::value(received))
        .col_expr(upload::Column::ExpiresAt, Expr::value(expires_at))
        .filter(upload::Column::Id.eq(row.id))
        .filter(upload::Column::Received.eq(offset_i))
        .filter(upload::Column::Status.eq(OPEN))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        txn.rollback().await?;
        let now = upload::Entity::find_by_id(row.id).one(db).await?.ok_or(UploadError::NotFound)?;
        return Err(UploadError::Offset { expected: u64::try_from(now.received).unwrap_or(0), given: offset });
    }
    let part = upload_part::ActiveModel {
        upload_id: Set(row.id),
        position: Set(offset_i),
        size_bytes: Set(received - offset_i),
        name: Set(name.to_string()),
    };
    upload_part::Entity::insert(part).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(upload::Model { received, expires_at, ..row.clone() })
}

/// All bytes are in: assemble, verify, keep, register; the parts go either way.
async fn finish(
    db: &DatabaseConnection,
    store: &Store,
    limits: &FileLimits,
    row: &upload::Model,
) -> Result<Progress, UploadError> {
    let kept = assemble_and_keep(db, store, limits, row).await;
    let (status, sha256) = match &kept {
        Ok(sha) => (COMPLETE, Some(sha.clone())),
        Err(UploadError::Store(_) | UploadError::Db(_)) => {
            // Not the file's fault: the parts stay, and a PATCH at the end offset retries.
            return kept.map(|_| Progress::of(row));
        }
        Err(_) => (FAILED, None),
    };
    upload::Entity::update_many()
        .col_expr(upload::Column::Status, Expr::value(status))
        .col_expr(upload::Column::Sha256, Expr::value(sha256.clone()))
        .filter(upload::Column::Id.eq(row.id))
        .filter(upload::Column::Status.eq(OPEN))
        .exec(db)
        .await?;
    remove_parts(db, store, row.id).await?;
    kept.map(|sha| Progress { sha256: Some(sha), ..Progress::of(row) })
}

async fn assemble_and_keep(
    db: &DatabaseConnection,
    store: &Store,
    limits: &FileLimits,
    row: &upload::Model,
) -> Result<String, UploadError> {
    let length = u64::try_from(row.length).unwrap_or(0);
    let parts = parts_of(db, row.id).await?;
    let mut staging = store.stage(length).await?;
    for part in &parts {
        let mut reading = store.read_named(&part.name, None).await?;
        while let Some(chunk) = reading.bytes.next().await {
            staging.write(&chunk?).await?;
        }
    }
    let staged = staging.finish().await?;
    if staged.size != length {
        return Err(UploadError::Store(StoreError::Backend(format!(
            "the parts of upload {} hold {} bytes, not {length}",
            row.id, staged.size
        ))));
    }
    let media_type = staged.media_type();
    let limit = limits.for_type(media_type);
    if staged.size > limit {
        return Err(UploadError::TooLarge { limit });
    }
    let blob = store.keep(staged, Some(&row.declared_sha256)).await?;
    match super::blobs::register(db, &blob, media_type).await {
        Ok(()) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(blob.sha256)
}

async fn parts_of(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<upload_part::Model>, DbErr> {
    upload_part::Entity::find()
        .filter(upload_part::Column::UploadId.eq(id))
        .order_by_asc(upload_part::Column::Position)
        .all(db)
        .await
}

/// Removes an upload's parts: the objects, then their rows.
async fn remove_parts(db: &impl ConnectionTrait, store: &Store, id: Uuid) -> Result<(), UploadError> {
    for part in parts_of(db, id).await? {
        store.delete_named(&part.name).await?;
    }
    upload_part::Entity::delete_many().filter(upload_part::Column::UploadId.eq(id)).exec(db).await?;
    Ok(())
}

/// `DELETE`: the caller's upload ends, its parts are removed (a kept file stays).
pub async fn terminate(db: &DatabaseConnection, store: &Store, p: &Principal, id: Uuid) -> Result<(), UploadError> {
    let row = find(db, p, id).await?;
    remove(db, store, row.id).await
}

async fn remove(db: &DatabaseConnection, store: &Store, id: Uuid) -> Result<(), UploadError> {
    remove_parts(db, store, id).await?;
    upload::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Removes up to [`SWEEP_BATCH`] uploads expired before `now` (open, failed or complete: a
/// complete one's file stays kept), with their parts; returns how many.
pub async fn sweep(db: &DatabaseConnection, store: &Store, now: DateTime<Utc>) -> Result<usize, UploadError> {
    let expired: Vec<Uuid> = upload::Entity::find()
        .select_only()
        .column(upload::Column::Id)
        .filter(upload::Column::ExpiresAt.lt(now))
        .order_by_asc(upload::Column::ExpiresAt)
        .limit(SWEEP_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    for id in &expired {
        remove(db, store, *id).await?;
    }
    Ok(expired.len())
}

/// tus `Upload-Metadata`: comma-separated `key base64(value)` pairs (a value may be absent).
pub fn parse_metadata(header: &str) -> Result<Vec<(String, Option<String>)>, UploadError> {
    use base64::Engine;
    let bad = |message: String| UploadError::BadInput { field: "Upload-Metadata", message };
    let mut out = Vec::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = pair.split_whitespace();
        let key = it.next().unwrap_or_default().to_string();
        let value = match it.next() {
            None => None,
            Some(encoded) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| bad(format!("the value of {key:?} is not base64: {e}")))?;
                Some(String::from_utf8(bytes).map_err(|_| bad(format!("the value of {key:?} is not UTF-8 text")))?)
            }
        };
        if it.next().is_some() {
            return Err(bad(format!("{pair:?} is not `key base64value`")));
        }
        if out.iter().any(|(k, _)| *k == key) {
            return Err(bad(format!("{key:?} is given twice")));
        }
        out.push((key, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_are_decoded() {
        let parsed = parse_metadata("sha256 YWJj, filename 54Wn54mHLmpwZw==,is_confidential").expect("parsed");
        assert_eq!(
            parsed,
            vec![
                ("sha256".into(), Some("abc".into())),
                ("filename".into(), Some("照片.jpg".into())),
                ("is_confidential".into(), None)
            ]
        );
        assert!(matches!(parse_metadata("sha256 !!!"), Err(UploadError::BadInput { .. })));
        assert!(matches!(parse_metadata("a YQ==,a YQ=="), Err(UploadError::BadInput { .. })));
        assert_eq!(parse_metadata("").expect("empty"), vec![]);
    }
}
