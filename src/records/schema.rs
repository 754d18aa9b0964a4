//! The GraphQL face of records: `Record`, `Case.records`, `verifyRecordChain`.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use entity::record;
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::RecordPageKey;
use crate::graphql::scalars::{DateTime, Size};
use crate::pagination::{Cursor, Page, PageInfo};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RecordKind")]
pub enum RecordKind {
    Inspection,
    Interview,
    Photo,
    Video,
    Audio,
    Document,
    Note,
}

/// A record's file: its fingerprint and where it is kept.
pub struct Attachment {
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    pub uri: String,
    /// `None` or `Some(true)`: counts as showing a person.
    pub personal: Option<bool>,
}

#[Object]
impl Attachment {
    /// SHA-256 of the file's bytes (lower-case hex); the record's hash covers it.
    async fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The media type: for a file held here, the one its bytes show.
    async fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The size in bytes as a 32-bit `Int`: a file of 2 GiB or more is an error here
    /// (`BAD_USER_INPUT`, field `sizeBytes`), and the record's `attachment` is then null.
    #[graphql(deprecation = "a 32-bit Int cannot hold a file of 2 GiB or more; use byteSize")]
    async fn size_bytes(&self) -> Result<i32> {
        i32::try_from(self.size).map_err(|_| {
            AppError::bad_input(
                "sizeBytes",
                format!("the file has {} bytes, more than a 32-bit Int holds; ask for byteSize", self.size),
            )
            .into()
        })
    }

    /// The size in bytes, as a 64-bit `Size` (a JSON number).
    async fn byte_size(&self) -> Size {
        Size::Valid(u64::try_from(self.size).unwrap_or(0))
    }

    /// Where the file is kept (`/files/<sha256>` for a file held here).
    async fn uri(&self) -> &str {
        &self.uri
    }

    /// `/files/{sha256}`: the file's bytes for callers who may read the record (with their
    /// bearer token). A file declared by its fingerprint whose bytes were never uploaded
    /// answers `404` there.
    async fn download_url(&self) -> String {
        super::evidence::download_url(&self.sha256)
    }

    /// Whether the file counts as showing a person (true unless its submitter marked it as
    /// not): court trainees get no image that does.
    async fn personal(&self) -> bool {
        self.personal != Some(false)
    }
}

/// 执法全过程记录: append-only; a correction is a new record pointing at the old one.
pub struct RecordObject(pub record::Model);

#[Object(name = "Record")]
impl RecordObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Record, self.0.id)
    }

    async fn kind(&self) -> RecordKind {
        self.0.kind.into()
    }

    /// The record's text; anonymised for court trainees.
    async fn content(&self, ctx: &Context<'_>) -> Result<String> {
        let trainee = request(ctx)?.principal.as_ref().is_some_and(|p| p.is_trainee_only());
        if !trainee {
            return Ok(self.0.content.clone());
        }
        let case = loaders(ctx)?.cases.load_one(self.0.case_id).await.map_err(AppError::from)?;
        let party = match case {
            Some(c) => loaders(ctx)?.parties.load_one(c.party_id).await.map_err(AppError::from)?,
            None => None,
        };
        Ok(crate::privacy::mask_text(&self.0.content, party.as_ref()))
    }

    /// When it was recorded in the field (a phone may submit it later).
    async fn recorded_at(&self) -> DateTime {
        self.0.recorded_at.into()
    }

    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }

    /// Position in the case's chain, from 1.
    async fn seq(&self) -> i32 {
        self.0.seq
    }

    /// SHA-256 over this record and `previousHash`.
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    async fn previous_hash(&self) -> Option<&str> {
        self.0.previous_hash.as_deref()
    }

    async fn attachment(&self) -> Option<Attachment> {
        let r = &self.0;
        Some(Attachment {
            sha256: r.attachment_sha256.clone()?,
            media_type: r.attachment_media_type.clone()?,
            size: r.attachment_size_bytes?,
            uri: r.attachment_uri.clone()?,
            personal: r.attachment_personal,
        })
    }

    /// The record this one corrects.
    async fn corrects(&self, ctx: &Context<'_>) -> Result<Option<RecordObject>> {
        let Some(id) = self.0.corrects_record_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.records.load_one(id).await.map_err(AppError::from)?.map(RecordObject))
    }
}

#[derive(SimpleObject)]
pub struct RecordEdge {
    pub cursor: String,
    pub node: RecordObject,
}

/// A page of a case's records, oldest first.
pub struct RecordConnection {
    edges: Vec<RecordEdge>,
    page_info: PageInfo,
    case_id: Uuid,
}

#[Object]
impl RecordConnection {
    async fn edges(&self) -> &[RecordEdge] {
        &self.edges
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(loaders(ctx)?.record_counts.load_one(self.case_id).await.map_err(AppError::from)?.unwrap_or(0))
    }
}

const RECORDS_TAG: &str = "records:seq";

/// The records of a case the caller already sees, batched across cases by the loader.
pub async fn records_of_case(
    ctx: &Context<'_>,
    case_id: Uuid,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<RecordConnection, AppError> {
    let page = Page::forward(first, after, RECORDS_TAG)?;
    let after_seq = match &page.cursor {
        Some(c) => c.key.parse::<i32>().map_err(|_| AppError::bad_input("after", "not a cursor of this list"))?,
        None => 0,
    };
    let key = RecordPageKey { case_id, after_seq, take: page.limit + 1 };
    let rows = loaders(ctx)?.record_pages.load_one(key).await?.unwrap_or_default();
    let (edges, page_info) = page.finish(rows, |r| Cursor::new(RECORDS_TAG, r.seq.to_string(), r.id).encode());
    Ok(RecordConnection {
        edges: edges.into_iter().map(|(cursor, r)| RecordEdge { cursor, node: RecordObject(r) }).collect(),
        page_info,
        case_id,
    })
}

/// A record of a case the caller may see.
pub async fn record_by_id(ctx: &Context<'_>, id: Uuid) -> Result<RecordObject, AppError> {
    let record = loaders(ctx)?.records.load_one(id).await?.ok_or_else(|| AppError::not_found("record"))?;
    crate::cases::schema::case_by_id(ctx, record.case_id).await.map_err(|_| AppError::not_found("record"))?;
    Ok(RecordObject(record))
}

/// Whether a case's record chain is intact, and where it first breaks.
#[derive(SimpleObject)]
pub struct RecordChainCheck {
    pub intact: bool,
    pub length: i32,
    pub first_broken_record_id: Option<ID>,
}

#[derive(Default)]
pub struct RecordQuery;

#[Object]
impl RecordQuery {
    /// Recomputes the hash chain of a case's records (R11).
    async fn verify_record_chain(&self, ctx: &Context<'_>, case_id: ID) -> Result<RecordChainCheck> {
        let id = ids::decode(&case_id, Kind::Case, "caseId")?;
        let check = super::service::verify_chain(&state(ctx)?.db, principal(ctx)?, request(ctx)?.today, id).await?;
        Ok(RecordChainCheck {
            intact: check.intact,
            length: check.length,
            first_broken_record_id: check.first_broken.map(|r| ids::encode(Kind::Record, r)),
        })
    }
}
