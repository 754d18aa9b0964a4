//! The GraphQL mutations of records: `submitRecord` and `submitRecords`. There is no update
//! or delete: records are append-only (R11), and a correction is a new record.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;

use super::schema::{RecordKind, RecordObject};
use super::submit::{self, BatchError, ItemError, NewAttachment, NewRecord};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::DateTime;

/// The fingerprint of a file kept elsewhere (photo, video, scan): the file itself is not
/// uploaded here.
#[derive(InputObject)]
pub struct AttachmentInput {
    /// SHA-256 of the file's bytes: 64 hexadecimal characters (any case).
    pub sha256: String,
    /// The file's media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// The file's size in bytes (0 or more).
    pub size_bytes: i64,
    /// Where the file is kept.
    pub uri: String,
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
}

impl SubmitRecordInput {
    /// Decodes and checks the input; `prefix` is its path in the request, for error fields.
    fn parse(&self, prefix: &str, now: chrono::DateTime<Utc>) -> Result<NewRecord, AppError> {
        let at = |name: &str| format!("{prefix}{name}");
        NewRecord {
            idempotency_key: self.idempotency_key.clone(),
            case_id: ids::decode(&self.case_id, Kind::Case, &at("caseId"))?,
            kind: self.kind.into(),
            content: self.content.clone(),
            recorded_at: self.recorded_at.get(&at("recordedAt"))?,
            attachment: self.attachment.as_ref().map(|a| NewAttachment {
                sha256: a.sha256.clone(),
                media_type: a.media_type.clone(),
                size_bytes: a.size_bytes,
                uri: a.uri.clone(),
            }),
            corrects_record_id: self
                .corrects_record_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Record, &at("correctsRecordId")))
                .transpose()?,
        }
        .validate(prefix, now)
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
        let item = input.parse("", Utc::now())?;
        let s = state(ctx)?;
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
