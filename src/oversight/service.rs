//! Writes of the oversight records. Each is one transaction with its audit row; a write that
//! changes a case (publication of its decision) also appends the case's event.

use chrono::{NaiveDate, Utc};
use entity::enums::{
    CaseStatus, PartyKind, PatrolKind, PublicationKind, ReconsiderationKind, ReconsiderationOutcome,
    RectificationStatus, Role, TrainingOrganiser,
};
use entity::{
    case, case_event, compliance_guidance_item, credit_repair, department, evaluation_finding, file_evaluation,
    legal_review, matter, matter_claim, matter_empowerment, party, patrol_action, publication, reconsideration,
    rectification_notice, review_meeting, three_document_delivery, training, training_attendee, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::access;
use super::publish_text;
use crate::auth::{Principal, visibility};
use crate::calendar::{Calendar, local_date};
use crate::domain::CreditCode;
use crate::error::{AppError, AppResult};

const MAX_TEXT: usize = 4000;

pub fn text(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "may not be empty"));
    }
    if v.chars().count() > MAX_TEXT {
        return Err(AppError::bad_input(field, format!("at most {MAX_TEXT} characters")));
    }
    Ok(v.to_owned())
}

fn opt_text(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    value.map(|v| text(field, v)).transpose()
}

/// A case `p` may see, for a record about it; `NOT_FOUND` otherwise.
async fn visible_case(db: &impl ConnectionTrait, p: &Principal, id: Uuid) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(visibility::cases(p, local_date(Utc::now())))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("case"))
}

/// A case of `p`'s own department (records about a case are the owner's).
async fn own_case(db: &impl ConnectionTrait, p: &Principal, id: Uuid, field: &str) -> AppResult<case::Model> {
    let c = visible_case(db, p, id).await?;
    if c.department_id != p.department_id && !p.is_admin() {
        return Err(AppError::Forbidden(format!("{field}: only the owning department records this")));
    }
    Ok(c)
}

fn decided(c: &case::Model) -> bool {
    c.decided_at.is_some() && matches!(c.status, CaseStatus::Decided | CaseStatus::Delivered | CaseStatus::Closed)
}

async fn audit(
    db: &impl ConnectionTrait,
    p: &Principal,
    action: &str,
    targets: &[Uuid],
    detail: serde_json::Value,
) -> AppResult<()> {
    crate::audit::write(db, Some(p), &format!("mutation:{action}"), targets, detail).await
}

// ---------------------------------------------------------------- rectification notices

pub struct NewNotice {
    pub case_id: Option<Uuid>,
    pub matter_id: Option<Uuid>,
    pub town: Option<String>,
    pub party_name: Option<String>,
    pub requirement: String,
    pub deadline: NaiveDate,
}

/// 责令改正通知书: issued today by an officer; T8 is its `deadline` (calendar days).
pub async fn issue_notice(
    db: &DatabaseConnection,
    p: &Principal,
    n: NewNotice,
) -> AppResult<rectification_notice::Model> {
    access::officer(p)?;
    let today = local_date(Utc::now());
    let requirement = text("input.requirement", &n.requirement)?;
    if n.deadline < today {
        return Err(AppError::bad_input("input.deadline", "the deadline may not be in the past (T8)"));
    }
    let txn = crate::db::begin_write(db).await?;
    let (case_id, mut party_name, mut matter_id, mut town) = (n.case_id, None, n.matter_id, n.town.clone());
    if let Some(id) = n.case_id {
        let c = own_case(&txn, p, id, "input.caseId").await?;
        let party = party::Entity::find_by_id(c.party_id).one(&txn).await?;
        party_name = party.map(|x| x.name);
        matter_id = matter_id.or(Some(c.matter_id));
        town = town.or(c.town);
    }
    if let Some(m) = matter_id
        && matter::Entity::find_by_id(m).one(&txn).await?.is_none()
    {
        return Err(AppError::bad_input("input.matterId", "no such matter"));
    }
    let party_name = match (opt_text("input.partyName", n.party_name.as_deref())?, party_name) {
        (Some(given), _) => given,
        (None, Some(from_case)) => from_case,
        (None, None) => return Err(AppError::bad_input("input.partyName", "name the party (or give caseId)")),
    };
    let town = town.or_else(|| p.town.clone());
    let now = Utc::now();
    let row = rectification_notice::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        town,
        case_id,
        matter_id,
        party_name,
        requirement,
        issued_on: today,
        deadline: n.deadline,
        status: RectificationStatus::Issued,
        verified_at: None,
        verified_by: None,
        verification_note: None,
        created_by: Some(p.user_id),
        created_at: now,
    };
    let row = row.into_active_model().insert(&txn).await?;
    audit(&txn, p, "issueRectificationNotice", &[row.id], serde_json::json!({ "deadline": row.deadline })).await?;
    txn.commit().await?;
    Ok(row)
}

/// Verification after the deadline check: CORRECTED or NOT_CORRECTED, once.
pub async fn verify_notice(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    corrected: bool,
    note: Option<String>,
) -> AppResult<rectification_notice::Model> {
    access::officer(p)?;
    let txn = crate::db::begin_write(db).await?;
    let row = rectification_notice::Entity::find_by_id(id)
        .filter(access::visible(
            p,
            rectification_notice::Column::DepartmentId,
            Some(rectification_notice::Column::Town),
        ))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("rectification notice"))?;
    if row.department_id != p.department_id {
        return Err(AppError::Forbidden("the issuing department verifies its notice".into()));
    }
    if row.status != RectificationStatus::Issued {
        return Err(AppError::Conflict(format!("the notice is already {}", row.status.as_str())));
    }
    let mut active = row.into_active_model();
    active.status =
        sea_orm::Set(if corrected { RectificationStatus::Corrected } else { RectificationStatus::NotCorrected });
    active.verified_at = sea_orm::Set(Some(Utc::now()));
    active.verified_by = sea_orm::Set(Some(p.user_id));
    active.verification_note = sea_orm::Set(opt_text("note", note.as_deref())?);
    let row = active.update(&txn).await?;
    audit(&txn, p, "verifyRectification", &[row.id], serde_json::json!({ "status": row.status.as_str() })).await?;
    txn.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- publications

/// Publishes a decided case's decision (公示, T5), masked, and records it on the case.
pub async fn publish_decision(
    db: &DatabaseConnection,
    cal: &Calendar,
    p: &Principal,
    case_id: Uuid,
) -> AppResult<(publication::Model, Vec<case_event::Model>)> {
    access::officer(p)?;
    let txn = crate::db::begin_write(db).await?;
    let c = own_case(&txn, p, case_id, "caseId").await?;
    if !decided(&c) {
        return Err(AppError::Conflict("only a decided case is published".into()));
    }
    if c.published_at.is_some()
        || publication::Entity::find().filter(publication::Column::CaseId.eq(c.id)).count(&txn).await? > 0
    {
        return Err(AppError::Conflict("the decision is already published".into()));
    }
    let party = party::Entity::find_by_id(c.party_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("case without party"))?;
    let m = matter::Entity::find_by_id(c.matter_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("case without matter"))?;
    let dept = department::Entity::find_by_id(c.department_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("case without department"))?;
    let decided_on = c.decided_at.map(local_date).unwrap_or_else(|| local_date(Utc::now()));
    let (title, content) = publish_text::decision(&c, &party, &m.name, &m.legal_basis, &dept.name, decided_on);
    let now = Utc::now();
    let row = publication::Model {
        id: Uuid::now_v7(),
        kind: PublicationKind::PenaltyDecision,
        department_id: c.department_id,
        town: c.town.clone().or(dept.town.clone()),
        case_id: Some(c.id),
        title,
        content,
        published_at: now,
        revoked_at: None,
        withdrawal_due: None,
        withdrawn_at: None,
        created_by: Some(p.user_id),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    let event = crate::cases::lifecycle::mark_published(&txn, cal, p, c, now, row.id).await?;
    audit(&txn, p, "publishDecision", &[row.id, case_id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok((row, vec![event]))
}

pub struct NewLicence {
    pub title: String,
    pub holder: String,
    pub content: String,
}

/// Publishes an administrative licence the department granted.
pub async fn publish_licence(db: &DatabaseConnection, p: &Principal, n: NewLicence) -> AppResult<publication::Model> {
    access::officer(p)?;
    let title = text("input.title", &n.title)?;
    let holder = text("input.holder", &n.holder)?;
    let content = text("input.content", &n.content)?;
    let txn = crate::db::begin_write(db).await?;
    let row = publication::Model {
        id: Uuid::now_v7(),
        kind: PublicationKind::Licence,
        department_id: p.department_id,
        town: p.town.clone(),
        case_id: None,
        title,
        content: crate::privacy::mask_text(&format!("被许可人:{holder}。{content}"), None),
        published_at: Utc::now(),
        revoked_at: None,
        withdrawal_due: None,
        withdrawn_at: None,
        created_by: Some(p.user_id),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "publishLicence", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

/// Withdraws a publication (after a revocation, within T6).
pub async fn withdraw_publication(db: &DatabaseConnection, p: &Principal, id: Uuid) -> AppResult<publication::Model> {
    access::officer(p)?;
    let txn = crate::db::begin_write(db).await?;
    let row = publication::Entity::find_by_id(id)
        .filter(publication::Column::DepartmentId.eq(p.department_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("publication"))?;
    if row.withdrawn_at.is_some() {
        return Err(AppError::Conflict("the publication is already withdrawn".into()));
    }
    let mut active = row.into_active_model();
    active.withdrawn_at = sea_orm::Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    audit(&txn, p, "withdrawPublication", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- reconsiderations

pub struct NewReconsideration {
    pub case_id: Uuid,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    pub body: String,
    pub received_on: NaiveDate,
}

pub async fn register_reconsideration(
    db: &DatabaseConnection,
    p: &Principal,
    n: NewReconsideration,
) -> AppResult<reconsideration::Model> {
    access::legal(p)?;
    let applicant = text("input.applicant", &n.applicant)?;
    let body = text("input.body", &n.body)?;
    if n.received_on > local_date(Utc::now()) {
        return Err(AppError::bad_input("input.receivedOn", "may not be in the future"));
    }
    let txn = crate::db::begin_write(db).await?;
    let c = visible_case(&txn, p, n.case_id).await?;
    if !decided(&c) {
        return Err(AppError::bad_input("input.caseId", "only a decision can be challenged"));
    }
    let row = reconsideration::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        department_id: c.department_id,
        kind: n.kind,
        applicant,
        body,
        received_on: n.received_on,
        outcome: ReconsiderationOutcome::Pending,
        concluded_on: None,
        note: None,
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "registerReconsideration", &[row.id, c.id], serde_json::json!({ "kind": n.kind.as_str() })).await?;
    txn.commit().await?;
    Ok(row)
}

/// Concludes a reconsideration or lawsuit. A revocation starts T6 on the decision's
/// publication: withdrawn within 3 working days.
pub async fn conclude_reconsideration(
    db: &DatabaseConnection,
    cal: &Calendar,
    p: &Principal,
    id: Uuid,
    outcome: ReconsiderationOutcome,
    concluded_on: NaiveDate,
    note: Option<String>,
) -> AppResult<reconsideration::Model> {
    access::legal(p)?;
    if outcome == ReconsiderationOutcome::Pending {
        return Err(AppError::bad_input("outcome", "a conclusion is not PENDING"));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = reconsideration::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("reconsideration"))?;
    if row.outcome != ReconsiderationOutcome::Pending {
        return Err(AppError::Conflict(format!("already concluded as {}", row.outcome.as_str())));
    }
    if concluded_on < row.received_on {
        return Err(AppError::bad_input("concludedOn", "before the day it was received"));
    }
    let case_id = row.case_id;
    let mut active = row.into_active_model();
    active.outcome = sea_orm::Set(outcome);
    active.concluded_on = sea_orm::Set(Some(concluded_on));
    active.note = sea_orm::Set(opt_text("note", note.as_deref())?);
    let row = active.update(&txn).await?;
    if outcome == ReconsiderationOutcome::Revoked {
        let now = Utc::now();
        let due = cal.add_working_days(local_date(now), 3);
        publication::Entity::update_many()
            .col_expr(publication::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
            .col_expr(publication::Column::WithdrawalDue, sea_orm::sea_query::Expr::value(due))
            .filter(publication::Column::CaseId.eq(case_id))
            .filter(publication::Column::WithdrawnAt.is_null())
            .exec(&txn)
            .await?;
    }
    audit(&txn, p, "concludeReconsideration", &[row.id], serde_json::json!({ "outcome": outcome.as_str() })).await?;
    txn.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- file evaluations

pub async fn record_evaluation(
    db: &DatabaseConnection,
    p: &Principal,
    case_id: Uuid,
    evaluated_on: NaiveDate,
    scope: String,
    findings: Vec<String>,
) -> AppResult<(file_evaluation::Model, Vec<evaluation_finding::Model>)> {
    access::legal(p)?;
    let scope = text("input.scope", &scope)?;
    if evaluated_on > local_date(Utc::now()) {
        return Err(AppError::bad_input("input.evaluatedOn", "may not be in the future"));
    }
    if findings.len() > 50 {
        return Err(AppError::bad_input("input.findings", "at most 50 findings"));
    }
    let findings = findings
        .iter()
        .enumerate()
        .map(|(i, f)| text(&format!("input.findings.{i}"), f))
        .collect::<AppResult<Vec<_>>>()?;
    let txn = crate::db::begin_write(db).await?;
    let c = visible_case(&txn, p, case_id).await?;
    let ev = file_evaluation::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        department_id: c.department_id,
        evaluated_on,
        scope,
        evaluator_id: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    let mut rows = Vec::new();
    for description in findings {
        let f = evaluation_finding::Model {
            id: Uuid::now_v7(),
            evaluation_id: ev.id,
            description,
            rectified_at: None,
            rectified_by: None,
            rectification_note: None,
        };
        rows.push(f.into_active_model().insert(&txn).await?);
    }
    audit(&txn, p, "recordFileEvaluation", &[ev.id, c.id], serde_json::json!({ "findings": rows.len() })).await?;
    txn.commit().await?;
    Ok((ev, rows))
}

/// A finding rectified, once, by the department whose case file it is.
pub async fn rectify_finding(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    note: String,
) -> AppResult<evaluation_finding::Model> {
    access::officer(p).or_else(|_| access::legal(p))?;
    let note = text("note", &note)?;
    let txn = crate::db::begin_write(db).await?;
    let f =
        evaluation_finding::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| AppError::not_found("finding"))?;
    let ev = file_evaluation::Entity::find_by_id(f.evaluation_id)
        .filter(access::visible_by_department(p, file_evaluation::Column::DepartmentId))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("finding"))?;
    if ev.department_id != p.department_id {
        return Err(AppError::Forbidden("the department of the case file rectifies it".into()));
    }
    if f.rectified_at.is_some() {
        return Err(AppError::Conflict("the finding is already rectified".into()));
    }
    let mut active = f.into_active_model();
    active.rectified_at = sea_orm::Set(Some(Utc::now()));
    active.rectified_by = sea_orm::Set(Some(p.user_id));
    active.rectification_note = sea_orm::Set(Some(note));
    let f = active.update(&txn).await?;
    audit(&txn, p, "rectifyFinding", &[f.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(f)
}

// ---------------------------------------------------------------- enterprise services

pub struct NewCreditRepair {
    pub case_id: Option<Uuid>,
    pub enterprise_name: String,
    pub credit_code: String,
    pub applied_on: NaiveDate,
}

pub async fn accept_credit_repair(
    db: &DatabaseConnection,
    p: &Principal,
    n: NewCreditRepair,
) -> AppResult<credit_repair::Model> {
    access::officer(p)?;
    let name = text("input.enterpriseName", &n.enterprise_name)?;
    let code = CreditCode::parse(&n.credit_code).map_err(|e| AppError::bad_input("input.creditCode", e))?;
    let txn = crate::db::begin_write(db).await?;
    if let Some(id) = n.case_id {
        own_case(&txn, p, id, "input.caseId").await?;
    }
    let row = credit_repair::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        case_id: n.case_id,
        enterprise_name: name,
        credit_code: code.as_str().to_owned(),
        applied_on: n.applied_on,
        completed_on: None,
        note: None,
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "acceptCreditRepair", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn complete_credit_repair(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    completed_on: NaiveDate,
    note: Option<String>,
) -> AppResult<credit_repair::Model> {
    access::officer(p)?;
    let txn = crate::db::begin_write(db).await?;
    let row = credit_repair::Entity::find_by_id(id)
        .filter(credit_repair::Column::DepartmentId.eq(p.department_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("credit repair"))?;
    if row.completed_on.is_some() {
        return Err(AppError::Conflict("the credit repair is already completed".into()));
    }
    if completed_on < row.applied_on {
        return Err(AppError::bad_input("completedOn", "before the application"));
    }
    let mut active = row.into_active_model();
    active.completed_on = sea_orm::Set(Some(completed_on));
    active.note = sea_orm::Set(opt_text("note", note.as_deref())?);
    let row = active.update(&txn).await?;
    audit(&txn, p, "completeCreditRepair", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

/// 三书同达: for an enterprise's decided case, once.
pub async fn deliver_three_documents(
    db: &DatabaseConnection,
    p: &Principal,
    case_id: Uuid,
    compliance_advice: String,
    credit_repair_notice: String,
) -> AppResult<three_document_delivery::Model> {
    access::officer(p)?;
    let advice = text("input.complianceAdvice", &compliance_advice)?;
    let notice = text("input.creditRepairNotice", &credit_repair_notice)?;
    let txn = crate::db::begin_write(db).await?;
    let c = own_case(&txn, p, case_id, "input.caseId").await?;
    if !decided(&c) {
        return Err(AppError::bad_input("input.caseId", "the decision is delivered with the other two documents"));
    }
    let party = party::Entity::find_by_id(c.party_id).one(&txn).await?;
    if party.is_none_or(|x| x.kind != PartyKind::Organization) {
        return Err(AppError::bad_input("input.caseId", "three-document delivery is for enterprises (涉企执法)"));
    }
    if three_document_delivery::Entity::find()
        .filter(three_document_delivery::Column::CaseId.eq(c.id))
        .count(&txn)
        .await?
        > 0
    {
        return Err(AppError::Conflict("the three documents of this case are already delivered".into()));
    }
    let row = three_document_delivery::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        department_id: c.department_id,
        delivered_on: local_date(Utc::now()),
        compliance_advice: advice,
        credit_repair_notice: notice,
        delivered_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "deliverThreeDocuments", &[row.id, c.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn add_guidance(
    db: &DatabaseConnection,
    p: &Principal,
    industry: String,
    title: String,
    guidance: String,
) -> AppResult<compliance_guidance_item::Model> {
    access::officer(p)?;
    let row = compliance_guidance_item::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        industry: text("input.industry", &industry)?,
        title: text("input.title", &title)?,
        guidance: text("input.guidance", &guidance)?,
        issued_on: local_date(Utc::now()),
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    };
    let txn = crate::db::begin_write(db).await?;
    let row = row.into_active_model().insert(&txn).await?;
    audit(&txn, p, "addComplianceGuidanceItem", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- people and patrols

pub async fn record_training(
    db: &DatabaseConnection,
    p: &Principal,
    title: String,
    organiser: TrainingOrganiser,
    held_on: NaiveDate,
    attendees: Vec<Uuid>,
) -> AppResult<(training::Model, Vec<Uuid>)> {
    access::officer(p).or_else(|_| access::admin(p))?;
    let title = text("input.title", &title)?;
    let mut attendees = attendees;
    attendees.sort();
    attendees.dedup();
    let txn = crate::db::begin_write(db).await?;
    let known = user::Entity::find()
        .filter(user::Column::Id.is_in(attendees.clone()))
        .filter(user::Column::DepartmentId.eq(p.department_id))
        .count(&txn)
        .await?;
    if known as usize != attendees.len() {
        return Err(AppError::bad_input("input.attendeeIds", "attendees are users of the recording department"));
    }
    let row = training::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        title,
        organiser,
        held_on,
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    for u in &attendees {
        training_attendee::Model { training_id: row.id, user_id: *u }.into_active_model().insert(&txn).await?;
    }
    audit(&txn, p, "recordTraining", &[row.id], serde_json::json!({ "attendees": attendees.len() })).await?;
    txn.commit().await?;
    Ok((row, attendees))
}

pub struct NewPatrol {
    pub kind: PatrolKind,
    pub town: Option<String>,
    pub matter_id: Option<Uuid>,
    pub place: String,
    pub note: Option<String>,
}

/// A patrol action; an INSPECTION is a town team's check of a matter empowered to its town.
pub async fn record_patrol(db: &DatabaseConnection, p: &Principal, n: NewPatrol) -> AppResult<patrol_action::Model> {
    access::officer(p)?;
    let place = text("input.place", &n.place)?;
    let now = Utc::now();
    let today = local_date(now);
    let town = if p.has(Role::TownOfficer) { p.town.clone() } else { n.town.clone() };
    let txn = crate::db::begin_write(db).await?;
    if n.kind == PatrolKind::Inspection {
        let (Some(matter_id), Some(t)) = (n.matter_id, p.town.as_ref().filter(|_| p.has(Role::TownOfficer))) else {
            return Err(AppError::bad_input(
                "input.matterId",
                "an inspection is a town team's check of an empowered matter",
            ));
        };
        empowered(&txn, matter_id, t, today).await?;
    }
    let row = patrol_action::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        town,
        kind: n.kind,
        matter_id: n.matter_id,
        occurred_at: now,
        place,
        note: opt_text("input.note", n.note.as_deref())?,
        officer_id: Some(p.user_id),
        created_at: now,
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "recordPatrolAction", &[row.id], serde_json::json!({ "kind": n.kind.as_str() })).await?;
    txn.commit().await?;
    Ok(row)
}

async fn empowered(db: &impl ConnectionTrait, matter_id: Uuid, town: &str, day: NaiveDate) -> AppResult<()> {
    let n = matter_empowerment::Entity::find()
        .filter(matter_empowerment::Column::MatterId.eq(matter_id))
        .filter(matter_empowerment::Column::Town.eq(town))
        .filter(matter_empowerment::Column::ValidFrom.lte(day))
        .filter(
            Condition::any()
                .add(matter_empowerment::Column::ValidUntil.is_null())
                .add(matter_empowerment::Column::ValidUntil.gte(day)),
        )
        .count(db)
        .await?;
    if n == 0 {
        return Err(AppError::bad_input("matterId", format!("the matter is not empowered to {town} today (R7)")));
    }
    Ok(())
}

/// 认领: a town team claims a matter empowered to its town, once.
pub async fn claim_matter(db: &DatabaseConnection, p: &Principal, matter_id: Uuid) -> AppResult<matter_claim::Model> {
    let Some(town) = p.town.clone().filter(|_| p.has(Role::TownOfficer)) else {
        return Err(AppError::Forbidden("a town team claims the matters empowered to it".into()));
    };
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    empowered(&txn, matter_id, &town, local_date(now)).await?;
    let dup = matter_claim::Entity::find()
        .filter(matter_claim::Column::MatterId.eq(matter_id))
        .filter(matter_claim::Column::Town.eq(town.as_str()))
        .count(&txn)
        .await?;
    if dup > 0 {
        return Err(AppError::Conflict("the town has already claimed this matter".into()));
    }
    let row = matter_claim::Model {
        id: Uuid::now_v7(),
        matter_id,
        town,
        claimed_on: local_date(now),
        claimed_by: Some(p.user_id),
        created_at: now,
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    audit(&txn, p, "claimMatter", &[row.id, matter_id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

/// 案审委员会: a meeting that discussed legal reviews.
pub async fn record_meeting(
    db: &DatabaseConnection,
    p: &Principal,
    held_on: NaiveDate,
    topic: String,
    conclusion: String,
    review_ids: Vec<Uuid>,
) -> AppResult<review_meeting::Model> {
    if !p.has(Role::LegalReviewer) {
        return Err(AppError::Forbidden("the legal reviewers record the committee's meetings".into()));
    }
    let topic = text("input.topic", &topic)?;
    let conclusion = text("input.conclusion", &conclusion)?;
    let txn = crate::db::begin_write(db).await?;
    let row = review_meeting::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        held_on,
        topic,
        conclusion,
        created_by: p.user_id,
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    if !review_ids.is_empty() {
        let found = legal_review::Entity::find()
            .filter(legal_review::Column::Id.is_in(review_ids.clone()))
            .select_only()
            .column(legal_review::Column::Id)
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?;
        if found.len() != review_ids.len() {
            return Err(AppError::bad_input("input.legalReviewIds", "no such legal review"));
        }
        legal_review::Entity::update_many()
            .col_expr(legal_review::Column::MeetingId, sea_orm::sea_query::Expr::value(row.id))
            .filter(legal_review::Column::Id.is_in(review_ids))
            .exec(&txn)
            .await?;
    }
    audit(&txn, p, "recordReviewMeeting", &[row.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(row)
}

/// An officer's certificate (执法证) and the day they joined: admin only.
pub async fn update_officer(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    certificate_no: Option<String>,
    valid_until: Option<NaiveDate>,
    joined_on: Option<NaiveDate>,
) -> AppResult<user::Model> {
    access::admin(p)?;
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| AppError::not_found("user"))?;
    let mut active = u.into_active_model();
    if let Some(no) = certificate_no {
        active.certificate_no = sea_orm::Set(Some(text("certificateNo", &no)?));
    }
    if let Some(v) = valid_until {
        active.certificate_valid_until = sea_orm::Set(Some(v));
    }
    if let Some(j) = joined_on {
        active.joined_on = sea_orm::Set(Some(j));
    }
    let u = active.update(&txn).await?;
    audit(&txn, p, "updateOfficer", &[u.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(u)
}
