//! The GraphQL mutations of records: `submitRecord` and `submitRecords`. There is no update
//! or delete: records are append-only (R11), and a correction is a new record.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;

use super::evidence::{self, Declared};
use super::schema::{RecordKind, RecordObject};
use super::submit::{self, BatchError, ItemError, NewAttachment, NewRecord};
use crate::error::AppError;
use crate::graphql::context::{AppState, principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{DateTime, Size, Upload};

/// The fingerprint of a file (photo, video, scan). When the server holds the file's bytes
/// (sent as `SubmitRecordInput.file`, or uploaded earlier), the size must be theirs, and the
/// media type and URI become the held file's (the type its bytes show, `/files/<sha256>`);
/// a file not held here is kept as declared.
#[derive(InputObject)]
pub struct AttachmentInput {
    /// SHA-256 of the file's bytes: 64 hexadecimal characters (any case).
    pub sha256: String,
    /// The file's media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// The file's size in bytes (0 to 2147483647: a 32-bit `Int`). Superseded by `byteSize`:
    /// ignored when `byteSize` is given (send 0); a file of 2 GiB or more needs `byteSize`.
    pub size_bytes: i64,
    /// Where the file is kept.
    pub uri: String,
    /// The file's size in bytes as a 64-bit `Size`; when given it is the size, and
    /// `sizeBytes` is ignored.
    pub byte_size: Option<Size>,
}

impl AttachmentInput {
    /// The attachment as declared and the input path its size was given under;
    /// `prefix` is the input's path (`attachment.`, `inputs.3.attachment.`) for error fields.
    pub fn declared(&self, prefix: &str, shows_no_person: bool) -> Result<(NewAttachment, String), AppError> {
        let (size_bytes, size_field) = match &self.byte_size {
            Some(size) => {
                let field = format!("{prefix}byteSize");
                let size = size.get(&field)?;
                let size = i64::try_from(size).map_err(|_| AppError::bad_input(&field, "at most 2^63 - 1 bytes"))?;
                (size, "byteSize")
            }
            None => {
                if i32::try_from(self.size_bytes).is_err() {
                    return Err(AppError::bad_input(
                        format!("{prefix}sizeBytes"),
                        "sizeBytes is a 32-bit Int (at most 2147483647 bytes); give the size of a larger file in byteSize",
                    ));
                }
                (self.size_bytes, "sizeBytes")
            }
        };
        let attachment = NewAttachment {
            sha256: self.sha256.clone(),
            media_type: self.media_type.clone(),
            size_bytes,
            uri: self.uri.clone(),
            shows_no_person,
        };
        Ok((attachment, format!("attachment.{size_field}")))
    }
}

/// One field record (执法全过程记录) for a case.
#[derive(InputObject)]
pub struct SubmitRecordInput {
    /// Chosen by the client, unique per submitting user (1 to 200 characters). Sending the
    /// same input again with the same key returns the first record and writes nothing; the
    /// same key with a different record is `CONFLICT`.
    pub idempotency_key: String,
    pub case_id: ID,
    pub kind: RecordKind,
    /// The record's text (1 to 100,000 characters).
    pub content: String,
    /// When it was recorded in the field; at most 5 minutes ahead of the server's clock.
    pub recorded_at: DateTime,
    pub attachment: Option<AttachmentInput>,
    /// The record this one corrects: a record of the same case, which stays unchanged.
    pub corrects_record_id: Option<ID>,
    /// The file's bytes, sent with the GraphQL multipart request spec (a bearer token is
    /// required). They become the record's attachment: their SHA-256, the media type they
    /// show (not the one claimed), their size, and `/files/<sha256>`. The same bytes are kept
    /// once. With `attachment` also given, its `sha256` and size must be the bytes' (else
    /// `BAD_USER_INPUT` and nothing is written). Each kind has a size limit (photos, video
    /// and audio, documents).
    pub file: Option<Upload>,
    /// `true` when the attachment shows no person: court trainees may then see an image.
    /// Omitted or `false`: the attachment counts as showing a person.
    pub attachment_shows_no_person: Option<bool>,
}

impl SubmitRecordInput {
    /// Decodes and checks the input; `prefix` is its path in the request, for error fields.
    /// Also returns the input path of the attachment's declared size.
    fn parse(&self, prefix: &str, now: chrono::DateTime<Utc>) -> Result<(NewRecord, String), AppError> {
        let at = |name: &str| format!("{prefix}{name}");
        let shows_no_person = self.attachment_shows_no_person.unwrap_or(false);
        if shows_no_person && self.attachment.is_none() && self.file.is_none() {
            return Err(AppError::bad_input(
                at("attachmentShowsNoPerson"),
                "marks an attachment: send it with `file` or `attachment`",
            ));
        }
        let (attachment, size_field) = match &self.attachment {
            Some(a) => {
                let (attachment, field) = a.declared(&at("attachment."), shows_no_person)?;
                (Some(attachment), field)
            }
            None => (None, "attachment.sizeBytes".to_string()),
        };
        let record = NewRecord {
            idempotency_key: self.idempotency_key.clone(),
            case_id: ids::decode(&self.case_id, Kind::Case, &at("caseId"))?,
            kind: self.kind.into(),
            content: self.content.clone(),
            recorded_at: self.recorded_at.get(&at("recordedAt"))?,
            attachment,
            corrects_record_id: self
                .corrects_record_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Record, &at("correctsRecordId")))
                .transpose()?,
        }
        .validate(prefix, now)?;
        Ok((record, size_field))
    }

    /// The record's file: the uploaded bytes (received, verified, kept and registered), or an
    /// attachment whose bytes are held here. Runs before the record's transaction.
    async fn attach_file(
        &self,
        ctx: &Context<'_>,
        s: &AppState,
        item: &mut NewRecord,
        size_field: &str,
        prefix: &str,
    ) -> Result<(), AppError> {
        let shows_no_person = self.attachment_shows_no_person.unwrap_or(false);
        let Some(upload) = &self.file else {
            if let Some(a) = &mut item.attachment {
                evidence::resolve_held(&s.db, a, size_field, prefix).await?;
            }
            return Ok(());
        };
        let mut content = upload.value(ctx, &format!("{prefix}file"))?.content;
        // A file sent for several variables shares its read position with its other uses.
        std::io::Seek::rewind(&mut content)
            .map_err(|e| AppError::internal(format!("an uploaded file could not be read: {e}")))?;
        let declared = Declared { attachment: item.attachment.as_ref(), size_field: size_field.to_string() };
        let file = tokio::fs::File::from_std(content);
        let attachment =
            evidence::receive(&s.db, &s.files, &s.settings.files.limits, file, declared, shows_no_person, prefix)
                .await?;
        item.attachment = Some(attachment);
        Ok(())
    }
}

#[derive(Default)]
pub struct RecordMutation;

#[Object]
impl RecordMutation {
    /// Adds a record to the end of a case's chain (R11): it gets the next `seq` and carries
    /// the previous record's `hash`. Officers of the case's department, town officers of its
    /// town and liaisons of a transfer it came from or went to may submit; anyone else who
    /// sees the case gets `FORBIDDEN`, and a case the caller cannot see is `NOT_FOUND`.
    async fn submit_record(&self, ctx: &Context<'_>, input: SubmitRecordInput) -> Result<RecordObject> {
        let p = principal(ctx)?;
        let (mut item, size_field) = input.parse("", Utc::now())?;
        let s = state(ctx)?;
        input.attach_file(ctx, s, &mut item, &size_field, "").await?;
        let done = submit::submit_record(&s.db, p, item).await?;
        s.bus.publish(done.events);
        done.records.into_iter().next().map(RecordObject).ok_or_else(|| AppError::internal("no record").into())
    }

    /// Submits up to 100 records at once (a phone back online), all or nothing, and returns
    /// them in input order. Inputs whose key was already used return their stored record.
    /// Records of several cases may be mixed; each case's chain takes them in input order.
    /// If any input is refused, nothing is written and the one error names the first refused
    /// input (`extensions.field`, e.g. `inputs.3.content`) and lists every refused input in
    /// `extensions.errors` as `{index, field, code, message}`.
    async fn submit_records(&self, ctx: &Context<'_>, inputs: Vec<SubmitRecordInput>) -> Result<Vec<RecordObject>> {
        let p = principal(ctx)?;
        if inputs.len() > submit::MAX_BATCH {
            return Err(AppError::bad_input("inputs", "at most 100 records per batch").into());
        }
        let now = Utc::now();
        let mut items = Vec::with_capacity(inputs.len());
        let mut refused = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            let prefix = submit::item_prefix(true, index);
            match input.parse(&prefix, now) {
                Ok(item) => items.push(item),
                Err(error) => refused.push(ItemError::new(index, &prefix, error)),
            }
        }
        // Every input is checked before anything is written.
        if !refused.is_empty() {
            return Err(BatchError::Items(refused).into());
        }
        let s = state(ctx)?;
        // Then the files, before the records' transaction.
        for (index, (input, (item, size_field))) in inputs.iter().zip(items.iter_mut()).enumerate() {
            let prefix = submit::item_prefix(true, index);
            if let Err(error) = input.attach_file(ctx, s, item, size_field, &prefix).await {
                refused.push(ItemError::new(index, &prefix, error));
            }
        }
        if !refused.is_empty() {
            return Err(BatchError::Items(refused).into());
        }
        let items: Vec<NewRecord> = items.into_iter().map(|(item, _)| item).collect();
        let done = submit::submit_records(&s.db, p, &items).await?;
        s.bus.publish(done.events);
        Ok(done.records.into_iter().map(RecordObject).collect())
    }
}

impl From<crate::records::submit::BatchError> for async_graphql::Error {
    /// One error: the first refused item's code, message and field, and in
    /// `extensions.errors` a `{index, field, code, message}` for every refused item.
    fn from(err: crate::records::submit::BatchError) -> Self {
        let items = match err {
            crate::records::submit::BatchError::Whole(e) => return e.into(),
            crate::records::submit::BatchError::Items(items) => items,
        };
        let Some(first) = items.first() else {
            return crate::error::AppError::internal("a refused batch without a refused item").into();
        };
        let message = format!(
            "{} of the records cannot be submitted, so none was written; the first: {}",
            items.len(),
            first.error.message()
        );
        let (code, field) = (first.error.code(), first.field.clone());
        let list: Vec<async_graphql::Value> = items
            .iter()
            .map(|i| {
                async_graphql::value!({
                    "index": i.index,
                    "field": i.field.as_str(),
                    "code": i.error.code(),
                    "message": i.error.message(),
                })
            })
            .collect();
        async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(message), |_, ext| {
            ext.set("code", code);
            ext.set("field", field.as_str());
            ext.set("errors", async_graphql::Value::List(list.clone()));
        })
    }
}
