//! The GraphQL mutations of transfers: `requestTransfer`, `acceptTransfer`, `rejectTransfer`,
//! `returnTransfer`, `withdrawTransfer`.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::lifecycle::{self, AcceptTransfer, Refusal, RequestTransfer, Written};
use super::materials;
use super::schema::{TransferCategory, TransferObject};
use crate::cases::mutations::{PartyInput, officer_ids};
use crate::error::AppError;
use crate::graphql::context::{AppState, principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::DateTime;
use crate::records::mutations::AttachmentInput;
use crate::records::schema::{RecordKind, RecordObject};
use crate::records::submit::NewRecord;

/// 移送申请: hands a matter, or one of the sender's own cases, to another department.
#[derive(InputObject)]
pub struct RequestTransferInput {
    /// The receiving department (see `departments`); not the sender's own.
    pub to_department_id: ID,
    pub category: TransferCategory,
    /// One line saying what is handed over (at most 200 characters); it becomes the title of
    /// the receiver's case.
    pub subject: String,
    /// What the sender found; they become the facts of the receiver's case.
    pub facts: String,
    /// The sender's own case, when one is handed over: FILED or INVESTIGATING, with no other
    /// PENDING transfer, and not itself received by transfer (R8). It becomes
    /// `TRANSFERRED_OUT` when the receiver accepts.
    pub case_id: Option<ID>,
    /// 当事人: required without `caseId`, left out with it (the case brings its own).
    pub party: Option<PartyInput>,
    /// The matter (执法事项) proposed for the receiver's case; with `caseId` it defaults to the
    /// case's matter. The receiver may name another when it accepts.
    pub matter_code: Option<String>,
    /// When the act happened (R6+): the case an acceptance files keeps it, and the limitation
    /// period (R6) is checked on the acceptance date. With `caseId` it defaults to the case's.
    pub occurred_at: Option<DateTime>,
    /// When a continuing act ended.
    pub ended_at: Option<DateTime>,
    /// A resubmission: the RETURNED transfer of the caller's department this request replaces.
    pub replaces_transfer_id: Option<ID>,
}

/// 移送材料: one material the sender adds to a PENDING transfer.
#[derive(InputObject)]
pub struct TransferMaterialInput {
    /// Chosen by the client, unique per submitting user (1 to 200 characters): the same input
    /// again returns the first material and writes nothing; another material is `CONFLICT`.
    pub idempotency_key: String,
    pub kind: RecordKind,
    /// The material's text (1 to 100,000 characters).
    pub content: String,
    /// When it was recorded; at most 5 minutes ahead of the server's clock.
    pub recorded_at: DateTime,
    pub attachment: Option<AttachmentInput>,
}

/// 受理: how the receiver files its case.
#[derive(InputObject, Default)]
pub struct AcceptTransferInput {
    /// A note to the sender.
    pub note: Option<String>,
    /// The matter the case is filed under; defaults to the transfer's `matterCode`. One of the
    /// two is required, and a town team needs a matter empowered to its town (R7).
    pub matter_code: Option<String>,
    /// Officers of the receiving department to assign; the accepting officer when omitted.
    pub officer_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct TransferMutation;

fn transfer_id(id: &ID) -> Result<uuid::Uuid, AppError> {
    ids::decode(id, Kind::Transfer, "id")
}

#[Object]
impl TransferMutation {
    /// 移送: requests a transfer from the caller's department (a department liaison, a bureau
    /// officer for the bureau's own cases, a town officer for a hearing-level case under R7).
    /// The transfer starts PENDING; the receiver answers within T7 (`answerDue`).
    async fn request_transfer(&self, ctx: &Context<'_>, input: RequestTransferInput) -> Result<TransferObject> {
        let p = principal(ctx)?;
        let parsed = RequestTransfer {
            to_department_id: ids::decode(&input.to_department_id, Kind::Department, "toDepartmentId")?,
            category: input.category.into(),
            subject: input.subject,
            facts: input.facts,
            case_id: input.case_id.as_ref().map(|id| ids::decode(id, Kind::Case, "caseId")).transpose()?,
            party: input.party.as_ref().map(|party| party.parse("party")).transpose()?,
            matter_code: input.matter_code,
            occurred_at: input.occurred_at.as_ref().map(|t| t.get("occurredAt")).transpose()?,
            ended_at: input.ended_at.as_ref().map(|t| t.get("endedAt")).transpose()?,
            replaces_transfer_id: input
                .replaces_transfer_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Transfer, "replacesTransferId"))
                .transpose()?,
        };
        let s = state(ctx)?;
        let written = lifecycle::request_transfer(&s.db, p, parsed).await?;
        Ok(publish(s, written))
    }

    /// 受理: the receiving department's officer accepts a PENDING transfer. Its case is filed
    /// in the same step (GENERAL, FILED, numbered in the receiver's series) and returned as
    /// `resultingCase`; a handed-over case of the sender becomes `TRANSFERRED_OUT`. Any other
    /// status is `CONFLICT`.
    async fn accept_transfer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: Option<AcceptTransferInput>,
    ) -> Result<TransferObject> {
        let p = principal(ctx)?;
        let id = transfer_id(&id)?;
        let input = input.unwrap_or_default();
        let parsed = AcceptTransfer {
            note: input.note,
            matter_code: input.matter_code,
            officer_ids: officer_ids(&input.officer_ids, "officerIds")?,
        };
        let s = state(ctx)?;
        let written = lifecycle::accept_transfer(&s.db, &s.calendar, p, id, parsed).await?;
        Ok(publish(s, written))
    }

    /// 不予受理: the receiver rejects a PENDING transfer as not its competence, saying why
    /// (`reason`, required). Final.
    async fn reject_transfer(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<TransferObject> {
        refuse(ctx, &id, Refusal::Reject, &reason).await
    }

    /// 退回: the receiver returns a PENDING transfer whose materials are incomplete, saying
    /// what is missing (`reason`, required). Final; the sender may send a new request.
    async fn return_transfer(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<TransferObject> {
        refuse(ctx, &id, Refusal::Return, &reason).await
    }

    /// 移送材料: the sending department adds a material to its PENDING transfer (any other
    /// status is `CONFLICT`; anyone else who sees the transfer is `FORBIDDEN`). Shown in
    /// `Transfer.materials`; on acceptance the materials enter the resulting case's record
    /// chain (R11) in their order, with the same ids.
    async fn add_transfer_material(
        &self,
        ctx: &Context<'_>,
        transfer_id: ID,
        input: TransferMaterialInput,
    ) -> Result<RecordObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&transfer_id, Kind::Transfer, "transferId")?;
        let (attachment, size_field) = match &input.attachment {
            Some(a) => a.declared("attachment.", false).map(|(a, field)| (Some(a), field))?,
            None => (None, String::new()),
        };
        let mut item = NewRecord {
            idempotency_key: input.idempotency_key,
            case_id: uuid::Uuid::nil(),
            kind: input.kind.into(),
            content: input.content,
            recorded_at: input.recorded_at.get("recordedAt")?,
            attachment,
            corrects_record_id: None,
        }
        .validate("", chrono::Utc::now())?;
        let s = state(ctx)?;
        // An attachment whose bytes are held here takes their size check, type and URI.
        if let Some(a) = &mut item.attachment {
            crate::records::evidence::resolve_held(&s.db, a, &size_field, "").await?;
        }
        let added = materials::add_material(&s.db, p, id, item).await?;
        s.bus.publish_transfer(added.events);
        Ok(RecordObject(added.record))
    }

    /// 撤回: the sending department takes back a transfer that is still PENDING. Final.
    async fn withdraw_transfer(&self, ctx: &Context<'_>, id: ID) -> Result<TransferObject> {
        let p = principal(ctx)?;
        let id = transfer_id(&id)?;
        let s = state(ctx)?;
        let written = lifecycle::withdraw_transfer(&s.db, p, id).await?;
        Ok(publish(s, written))
    }
}

async fn refuse(ctx: &Context<'_>, id: &ID, how: Refusal, reason: &str) -> Result<TransferObject> {
    let p = principal(ctx)?;
    let id = transfer_id(id)?;
    let s = state(ctx)?;
    let written = lifecycle::refuse_transfer(&s.db, p, id, how, reason).await?;
    Ok(publish(s, written))
}

/// Publishes a committed change's events and returns its transfer.
fn publish(s: &AppState, written: Written) -> TransferObject {
    s.bus.publish(written.events);
    s.bus.publish_transfer(written.transfer_events);
    TransferObject(written.transfer)
}
