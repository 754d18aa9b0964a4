//! Credit repairs, three-document deliveries and compliance guidance: the officers' writes
//! and the lists.

use chrono::{NaiveDate, Utc};
use entity::enums::PartyKind;
use entity::{compliance_guidance_item, credit_repair, party, three_document_delivery};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::local_date;
use crate::domain::CreditCode;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, decided, opt_text, own_case, text};

pub struct NewCreditRepair {
    pub case_id: Option<Uuid>,
    pub enterprise_name: String,
    pub credit_code: String,
    pub applied_on: NaiveDate,
}

pub async fn accept_credit_repair(
    store: Store<'_>,
    p: &Principal,
    n: NewCreditRepair,
) -> AppResult<credit_repair::Model> {
    access::officer(p)?;
    let name = text("input.enterpriseName", &n.enterprise_name)?;
    let code = CreditCode::parse(&n.credit_code).map_err(|e| AppError::bad_input("input.creditCode", e))?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    if let Some(id) = n.case_id {
        own_case(txn, p, id, "input.caseId").await?;
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
    .insert(txn)
    .await?;
    w.audit(p, "acceptCreditRepair", &[row.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

pub async fn complete_credit_repair(
    store: Store<'_>,
    p: &Principal,
    id: Uuid,
    completed_on: NaiveDate,
    note: Option<String>,
) -> AppResult<credit_repair::Model> {
    access::officer(p)?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let row = credit_repair::Entity::find_by_id(id)
        .filter(credit_repair::Column::DepartmentId.eq(p.department_id))
        .one(txn)
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
    let row = active.update(txn).await?;
    w.audit(p, "completeCreditRepair", &[row.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

/// 三书同达: for an enterprise's decided case, once.
pub async fn deliver_three_documents(
    store: Store<'_>,
    p: &Principal,
    case_id: Uuid,
    compliance_advice: String,
    credit_repair_notice: String,
) -> AppResult<three_document_delivery::Model> {
    access::officer(p)?;
    let advice = text("input.complianceAdvice", &compliance_advice)?;
    let notice = text("input.creditRepairNotice", &credit_repair_notice)?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let c = own_case(txn, p, case_id, "input.caseId").await?;
    if !decided(&c) {
        return Err(AppError::bad_input("input.caseId", "the decision is delivered with the other two documents"));
    }
    let party = party::Entity::find_by_id(c.party_id).one(txn).await?;
    if party.is_none_or(|x| x.kind != PartyKind::Organization) {
        return Err(AppError::bad_input("input.caseId", "three-document delivery is for enterprises (涉企执法)"));
    }
    let delivered =
        three_document_delivery::Entity::find().filter(three_document_delivery::Column::CaseId.eq(c.id)).count(txn);
    if delivered.await? > 0 {
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
    .insert(txn)
    .await?;
    w.audit(p, "deliverThreeDocuments", &[row.id, c.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

pub async fn add_guidance(
    store: Store<'_>,
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
    let w = Write::begin(store).await?;
    let row = row.into_active_model().insert(w.txn()).await?;
    w.audit(p, "addComplianceGuidanceItem", &[row.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

/// One page of the credit repairs `p` may read, newest first.
pub async fn credit_repairs(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<credit_repair::Model>> {
    let cond = access::visible_by_department(p, credit_repair::Column::DepartmentId);
    let cols = (credit_repair::Column::CreatedAt, credit_repair::Column::Id);
    newest_first::<credit_repair::Entity>(db, cond, paging, "credit_repairs", cols, |m| (m.created_at, m.id)).await
}

/// One page of the three-document deliveries `p` may read, newest first.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<three_document_delivery::Model>> {
    let cond = access::visible_by_department(p, three_document_delivery::Column::DepartmentId);
    let cols = (three_document_delivery::Column::CreatedAt, three_document_delivery::Column::Id);
    newest_first::<three_document_delivery::Entity>(db, cond, paging, "three_document_deliveries", cols, |m| {
        (m.created_at, m.id)
    })
    .await
}

/// One page of the compliance guidance items `p` may read (the oversight rule: whoever reads
/// every record, else its own department's), newest first.
pub async fn guidance(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<compliance_guidance_item::Model>> {
    let cols = (compliance_guidance_item::Column::CreatedAt, compliance_guidance_item::Column::Id);
    newest_first::<compliance_guidance_item::Entity>(
        db,
        access::visible_by_department(p, compliance_guidance_item::Column::DepartmentId),
        paging,
        "compliance_guidance_items",
        cols,
        |m| (m.created_at, m.id),
    )
    .await
}
