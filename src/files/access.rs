//! Who may download a kept file (`GET /files/{sha256}`): a caller who may read at least one
//! record holding it, decided by one SQL query over the visibility rules of the rest of the
//! API (`auth::visibility`): a record of a case the caller may read
//! (`visibility::visible_case_ids`), or a transfer material (移送材料) of a transfer it may
//! read (`visibility::transfers`). A court trainee with no other role (rules.md: no personal
//! data) gets an image or a video only when every record it reads that holds the file was
//! marked by its submitter as showing no person (`records.attachment_personal = false`).

use chrono::NaiveDate;
use entity::{blob, record, transfer, transfer_material};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityName};
use uuid::Uuid;

use crate::auth::Principal;
use crate::auth::visibility;

/// The action of a download in the audit trail.
pub const DOWNLOAD: &str = "download:file";

/// A readable file: its kept row, and what the caller reads that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readable {
    pub blob: blob::Model,
    /// Cases of the readable records holding the file (each once, in order).
    pub case_ids: Vec<Uuid>,
    /// Transfers of the readable transfer materials holding the file (each once).
    pub transfer_ids: Vec<Uuid>,
}

impl Readable {
    /// What the audit row names: the cases, then the transfers.
    pub fn targets(&self) -> Vec<Uuid> {
        self.case_ids.iter().chain(&self.transfer_ids).copied().collect()
    }
}

/// One record or material the caller reads that holds the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Holder {
    case_id: Option<Uuid>,
    transfer_id: Option<Uuid>,
    /// `Some(false)`: marked as showing no person; anything else is personal.
    personal: Option<bool>,
}

/// The file `sha256` (64 hex digits, any case) if `p` may download it, else `None` (absent,
/// not readable, or refused to a trainee: the caller cannot tell which).
pub async fn readable(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    sha256: &str,
) -> Result<Option<Readable>, DbErr> {
    if !super::store::is_sha256(sha256) {
        return Ok(None);
    }
    let sha = sha256.to_ascii_lowercase();
    let holders = holders(db, p, today, &sha).await?;
    if holders.is_empty() {
        return Ok(None);
    }
    let Some(blob) = super::blobs::find(db, &sha).await? else {
        return Ok(None);
    };
    if p.is_trainee_only() && shows_a_person(&blob.media_type) && !holders.iter().all(|h| h.personal == Some(false)) {
        return Ok(None);
    }
    let mut case_ids = Vec::new();
    let mut transfer_ids = Vec::new();
    for h in &holders {
        if let Some(c) = h.case_id
            && !case_ids.contains(&c)
        {
            case_ids.push(c);
        }
        if let Some(t) = h.transfer_id
            && !transfer_ids.contains(&t)
        {
            transfer_ids.push(t);
        }
    }
    Ok(Some(Readable { blob, case_ids, transfer_ids }))
}

/// Images and video may show a person; documents and audio are not refused to trainees
/// here (what they say is the record's, and anonymised records are theirs to read).
pub fn shows_a_person(media_type: &str) -> bool {
    media_type.starts_with("image/") || media_type.starts_with("video/")
}

/// The one query: records of readable cases and materials of readable transfers holding the
/// file, `UNION ALL`.
async fn holders(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, sha: &str) -> Result<Vec<Holder>, DbErr> {
    let readable_transfers = Query::select()
        .column(transfer::Column::Id)
        .from(transfer::Entity.table_ref())
        .cond_where(visibility::transfers(p, today))
        .to_owned();
    let materials = Query::select()
        .expr_as(Expr::val(Option::<Uuid>::None), Alias::new("case_id"))
        .expr_as(Expr::col(transfer_material::Column::TransferId), Alias::new("transfer_id"))
        .expr_as(Expr::val(Option::<bool>::None), Alias::new("personal"))
        .from(transfer_material::Entity.table_ref())
        .and_where(transfer_material::Column::AttachmentSha256.eq(sha))
        .and_where(transfer_material::Column::TransferId.in_subquery(readable_transfers))
        .to_owned();
    let query = Query::select()
        .expr_as(Expr::col(record::Column::CaseId), Alias::new("case_id"))
        .expr_as(Expr::val(Option::<Uuid>::None), Alias::new("transfer_id"))
        .expr_as(Expr::col(record::Column::AttachmentPersonal), Alias::new("personal"))
        .from(record::Entity.table_ref())
        .and_where(record::Column::AttachmentSha256.eq(sha))
        .and_where(record::Column::CaseId.in_subquery(visibility::visible_case_ids(p, today)))
        .union(UnionType::All, materials)
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| {
            Ok(Holder {
                case_id: row.try_get("", "case_id")?,
                transfer_id: row.try_get("", "transfer_id")?,
                personal: row.try_get("", "personal")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_video_may_show_a_person() {
        assert!(shows_a_person("image/jpeg"));
        assert!(shows_a_person("video/mp4"));
        assert!(!shows_a_person("application/pdf"));
        assert!(!shows_a_person("audio/mpeg"));
    }
}
