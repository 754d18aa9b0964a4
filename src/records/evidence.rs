//! The file of a record (evidence): received with the record, or already held here.
//!
//! A file sent with the record (`SubmitRecordInput.file`) is staged while it is hashed and
//! counted (never held in memory), checked against the limit of the kind its bytes show
//! (`config::FileLimits`), checked against the client's declared SHA-256 and size (when an
//! `attachment` is sent with it), kept by content address (the same bytes once) and
//! registered in `blobs`. The record's attachment then describes the bytes: their SHA-256,
//! their sniffed media type (never the client's claim), their size, and `/files/<sha256>`.
//! All of this happens before the record's transaction; a refused file writes nothing.
//!
//! An attachment sent by its fingerprint alone whose bytes are held here (uploaded earlier,
//! e.g. by the resumable upload) takes its size and sniffed type from the `blobs` row; one
//! not held here (an external file) is kept as declared.

use sea_orm::ConnectionTrait;

use super::submit::NewAttachment;
use crate::config::FileLimits;
use crate::error::{AppError, AppResult};
use crate::files::{Store, StoreError, blobs};

/// Where a file held here is downloaded (`GET /files/{sha256}`).
pub fn download_url(sha256: &str) -> String {
    format!("/files/{sha256}")
}

/// What the submitter said of the file: its declared attachment (already validated) and the
/// input path its size was given under (`attachment.sizeBytes` or `attachment.byteSize`).
pub struct Declared<'a> {
    pub attachment: Option<&'a NewAttachment>,
    pub size_field: String,
}

fn kind_of(media_type: &str) -> &'static str {
    if media_type.starts_with("image/") {
        "photo"
    } else if media_type.starts_with("video/") || media_type.starts_with("audio/") {
        "video or audio recording"
    } else {
        "document"
    }
}

/// Receives the bytes of a record's file (`file`, read from its start) and returns the
/// record's attachment. `prefix` is the input's path (`""`, `inputs.3.`) for error fields.
pub async fn receive(
    db: &impl ConnectionTrait,
    store: &Store,
    limits: &FileLimits,
    file: tokio::fs::File,
    declared: Declared<'_>,
    shows_no_person: bool,
    prefix: &str,
) -> AppResult<NewAttachment> {
    let field = format!("{prefix}file");
    let staged = match store.stage_file(file, limits.largest()).await {
        Ok(staged) => staged,
        Err(StoreError::TooLarge { limit }) => {
            return Err(AppError::bad_input(field, format!("a file may be at most {limit} bytes")));
        }
        Err(e) => return Err(AppError::internal(format!("staging an uploaded file: {e}"))),
    };
    let media_type = staged.media_type();
    let limit = limits.for_type(media_type);
    if staged.size > limit {
        return Err(AppError::bad_input(
            field,
            format!(
                "the file is a {} ({media_type}) of {} bytes; a {} may be at most {limit} bytes",
                kind_of(media_type),
                staged.size,
                kind_of(media_type)
            ),
        ));
    }
    let size = i64::try_from(staged.size).map_err(|_| AppError::bad_input(&field, "the file is too large"))?;
    if let Some(a) = declared.attachment
        && a.size_bytes != size
    {
        return Err(AppError::bad_input(
            format!("{prefix}{}", declared.size_field),
            format!("the file has {size} bytes, not the declared {}", a.size_bytes),
        ));
    }
    let declared_sha = declared.attachment.map(|a| a.sha256.as_str());
    let blob = match store.keep(staged, declared_sha).await {
        Ok(blob) => blob,
        Err(StoreError::HashMismatch { actual, .. }) => {
            return Err(AppError::bad_input(
                format!("{prefix}attachment.sha256"),
                format!("the file's SHA-256 is {actual}, not the declared one; nothing was stored"),
            ));
        }
        Err(e) => return Err(AppError::internal(format!("keeping an uploaded file: {e}"))),
    };
    blobs::register(db, &blob, media_type).await?;
    Ok(NewAttachment {
        uri: download_url(&blob.sha256),
        sha256: blob.sha256,
        media_type: media_type.to_string(),
        size_bytes: size,
        shows_no_person,
    })
}

/// An attachment sent by its fingerprint: when its bytes are held here, its size must be
/// theirs, and its media type and URI become the held file's (sniffed type, `/files/<sha>`).
pub async fn resolve_held(
    db: &impl ConnectionTrait,
    attachment: &mut NewAttachment,
    size_field: &str,
    prefix: &str,
) -> AppResult<()> {
    let Some(blob) = blobs::find(db, &attachment.sha256).await? else { return Ok(()) };
    if attachment.size_bytes != blob.size_bytes {
        return Err(AppError::bad_input(
            format!("{prefix}{size_field}"),
            format!(
                "the file held under this SHA-256 has {} bytes, not the declared {}",
                blob.size_bytes, attachment.size_bytes
            ),
        ));
    }
    attachment.media_type = blob.media_type;
    attachment.uri = download_url(&attachment.sha256);
    Ok(())
}
