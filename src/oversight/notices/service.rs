//! Rectification notices: issued by an officer, verified once after the deadline (T8); the
//! lists of notices and exemptions the caller may read.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::RectificationStatus;
use entity::{exemption, matter, party, rectification_notice};
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::{effective_at, local_date, start_of_day};
use crate::config::Rules;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, opt_text, own_case, text};

pub struct NewNotice {
    pub case_id: Option<Uuid>,
    pub matter_id: Option<Uuid>,
    pub town: Option<String>,
    pub party_name: Option<String>,
    pub requirement: String,
    pub deadline: NaiveDate,
    /// R14: when it was issued (default now).
    pub effective_at: Option<DateTime<Utc>>,
}

/// 责令改正通知书: issued by an officer on the day it happened (R14: `effectiveAt`, default
/// now; on a case never before its filing); T8 is its `deadline` (calendar days).
pub async fn issue(
    store: Store<'_>,
    rules: &Rules,
    p: &Principal,
    n: NewNotice,
) -> AppResult<rectification_notice::Model> {
    access::officer(p)?;
    let now = Utc::now();
    let at = effective_at(rules.backdate_days, n.effective_at, now, None)?;
    let issued_on = local_date(at);
    let requirement = text("input.requirement", &n.requirement)?;
    if n.deadline < issued_on {
        return Err(AppError::bad_input("input.deadline", "the deadline may not precede the notice (T8)"));
    }
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let (case_id, mut party_name, mut matter_id, mut town) = (n.case_id, None, n.matter_id, n.town.clone());
    if let Some(id) = n.case_id {
        let c = own_case(txn, p, id, "input.caseId").await?;
        effective_at(rules.backdate_days, n.effective_at, now, Some((c.filed_at, "the case's filing")))?;
        let party = party::Entity::find_by_id(c.party_id).one(txn).await?;
        party_name = party.map(|x| x.name);
        matter_id = matter_id.or(Some(c.matter_id));
        town = town.or(c.town);
    }
    if let Some(m) = matter_id
        && matter::Entity::find_by_id(m).one(txn).await?.is_none()
    {
        return Err(AppError::bad_input("input.matterId", "no such matter"));
    }
    let party_name = match (opt_text("input.partyName", n.party_name.as_deref())?, party_name) {
        (Some(given), _) => given,
        (None, Some(from_case)) => from_case,
        (None, None) => return Err(AppError::bad_input("input.partyName", "name the party (or give caseId)")),
    };
    let town = town.or_else(|| p.town.clone());
    let row = rectification_notice::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        town,
        case_id,
        matter_id,
        party_name,
        requirement,
        issued_on,
        deadline: n.deadline,
        status: RectificationStatus::Issued,
        verified_at: None,
        verified_by: None,
        verification_note: None,
        created_by: Some(p.user_id),
        created_at: now,
    };
    let row = row.into_active_model().insert(txn).await?;
    w.audit(
        p,
        "issueRectificationNotice",
        &[row.id],
        serde_json::json!({
            "deadline": row.deadline,
            "effectiveAt": at.to_rfc3339(),
            "recordedAt": now.to_rfc3339(),
        }),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// Verification after the deadline check: CORRECTED or NOT_CORRECTED, once, dated when it
/// happened (R14: `effectiveAt`, default now; never before the notice's issue).
pub async fn verify(
    store: Store<'_>,
    rules: &Rules,
    p: &Principal,
    id: Uuid,
    verdict: Verdict,
) -> AppResult<rectification_notice::Model> {
    access::officer(p)?;
    let Verdict { corrected, note, effective_at: given } = verdict;
    let now = Utc::now();
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let row = rectification_notice::Entity::find_by_id(id)
        .filter(visible(p))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("rectification notice"))?;
    if row.department_id != p.department_id {
        return Err(AppError::Forbidden("the issuing department verifies its notice".into()));
    }
    if row.status != RectificationStatus::Issued {
        return Err(AppError::Conflict(format!("the notice is already {}", row.status.as_str())));
    }
    let issued = start_of_day(row.issued_on);
    let at = effective_at(rules.backdate_days, given, now, Some((issued, "the notice's issue")))?;
    let mut active = row.into_active_model();
    active.status =
        sea_orm::Set(if corrected { RectificationStatus::Corrected } else { RectificationStatus::NotCorrected });
    active.verified_at = sea_orm::Set(Some(at));
    active.verified_by = sea_orm::Set(Some(p.user_id));
    active.verification_note = sea_orm::Set(opt_text("note", note.as_deref())?);
    let row = active.update(txn).await?;
    w.audit(
        p,
        "verifyRectification",
        &[row.id],
        serde_json::json!({
            "status": row.status.as_str(),
            "effectiveAt": at.to_rfc3339(),
            "recordedAt": now.to_rfc3339(),
        }),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// What a verification says.
pub struct Verdict {
    pub corrected: bool,
    pub note: Option<String>,
    /// R14: when the check happened (default now).
    pub effective_at: Option<DateTime<Utc>>,
}

fn visible(p: &Principal) -> Condition {
    access::visible(p, rectification_notice::Column::DepartmentId, Some(rectification_notice::Column::Town))
}

/// Narrows the notices; conditions combine with AND.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub case_id: Option<Uuid>,
    pub status: Option<RectificationStatus>,
    /// true: still ISSUED past the deadline (T8) on `today`; false: the others.
    pub overdue: Option<bool>,
}

impl NoticeFilter {
    fn condition(&self, today: NaiveDate) -> Condition {
        let mut cond = Condition::all();
        if let Some(id) = self.case_id {
            cond = cond.add(rectification_notice::Column::CaseId.eq(id));
        }
        if let Some(s) = self.status {
            cond = cond.add(rectification_notice::Column::Status.eq(s));
        }
        if let Some(o) = self.overdue {
            let late = Condition::all()
                .add(rectification_notice::Column::Status.eq(RectificationStatus::Issued))
                .add(rectification_notice::Column::Deadline.lt(today));
            cond = cond.add(if o { late } else { late.not() });
        }
        cond
    }
}

/// One page of the notices `p` may read, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    filter: &NoticeFilter,
    paging: Paging<'_>,
) -> AppResult<Listed<rectification_notice::Model>> {
    let cond = Condition::all().add(visible(p)).add(filter.condition(today));
    let cols = (rectification_notice::Column::CreatedAt, rectification_notice::Column::Id);
    newest_first::<rectification_notice::Entity>(db, cond, paging, "rectification_notices", cols, |m| {
        (m.created_at, m.id)
    })
    .await
}

/// One page of the first-violation exemptions `p` may read, newest first.
pub async fn exemptions(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<exemption::Model>> {
    let cond = access::visible(p, exemption::Column::DepartmentId, Some(exemption::Column::Town));
    let cols = (exemption::Column::GrantedAt, exemption::Column::Id);
    newest_first::<exemption::Entity>(db, cond, paging, "exemptions", cols, |m| (m.granted_at, m.id)).await
}
