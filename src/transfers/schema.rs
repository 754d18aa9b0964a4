//! The GraphQL face of transfers: `Transfer`, `transfers`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::TransferStatus as StoredStatus;
use entity::transfer;
use uuid::Uuid;

use super::materials;
use super::service::{self, OverdueFilter, TransferFilter as ParsedFilter};
use crate::cases::schema::CaseObject;
use crate::error::AppError;
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::org::schema::DepartmentObject;
use crate::privacy;
use crate::records::schema::RecordObject;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TransferCategory")]
pub enum TransferCategory {
    /// 林业督查 (from natural resources).
    Forestry,
    /// 串标 (from housing & construction).
    BidRigging,
    /// 公积金 (from the housing provident fund centre).
    ProvidentFund,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TransferStatus")]
pub enum TransferStatus {
    Pending,
    Accepted,
    Rejected,
    Returned,
    Withdrawn,
}

crate::connection!(
    TransferConnection,
    TransferEdge,
    TransferObject,
    entity::transfer::Entity,
    "A page of transfers, newest first."
);

/// Narrows `transfers`. Every condition is combined with AND, and with what the caller may see.
#[derive(InputObject, Default)]
pub struct TransferFilter {
    /// Any of these statuses.
    pub status: Option<Vec<TransferStatus>>,
    pub category: Option<TransferCategory>,
    /// The sending department.
    pub from_department_id: Option<ID>,
    /// The receiving department.
    pub to_department_id: Option<ID>,
    /// `true`: only PENDING transfers past `answerDue` (T7), the ones with `overdue: true`;
    /// `false`: every other one.
    pub overdue: Option<bool>,
}

/// 移交 / 划转: a case or matter handed from one department to another.
pub struct TransferObject(pub transfer::Model);

impl TransferObject {
    /// Free text as the caller may read it: a court trainee who sees the transfer behind a
    /// followed case reads it anonymised, as it reads the case.
    async fn text(&self, ctx: &Context<'_>, text: &str) -> Result<String> {
        if !request(ctx)?.principal.as_ref().is_some_and(|p| p.is_trainee_only()) {
            return Ok(text.to_string());
        }
        let party = match self.0.party_id {
            Some(id) => loaders(ctx)?.parties.load_one(id).await.map_err(AppError::from)?,
            None => None,
        };
        Ok(privacy::mask_text(text, party.as_ref()))
    }
}

#[Object(name = "Transfer")]
impl TransferObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Transfer, self.0.id)
    }

    async fn status(&self) -> TransferStatus {
        self.0.status.into()
    }

    async fn category(&self) -> TransferCategory {
        self.0.category.into()
    }

    #[expect(clippy::wrong_self_convention, reason = "the field name fromDepartment is fixed by api.md")]
    async fn from_department(&self, ctx: &Context<'_>) -> Result<DepartmentObject> {
        DepartmentObject::load(ctx, self.0.from_department_id).await
    }

    async fn to_department(&self, ctx: &Context<'_>) -> Result<DepartmentObject> {
        DepartmentObject::load(ctx, self.0.to_department_id).await
    }

    /// One line saying what is handed over.
    async fn subject(&self, ctx: &Context<'_>) -> Result<String> {
        self.text(ctx, &self.0.subject).await
    }

    /// What the sender found, as it gave it; the receiver's case is filed with these facts.
    async fn facts(&self, ctx: &Context<'_>) -> Result<String> {
        self.text(ctx, &self.0.facts).await
    }

    /// The sender's case handed over, if the caller may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        let Some(id) = self.0.case_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.cases.load_one(id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// The receiver's case, filed on acceptance.
    async fn resulting_case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        let Some(id) = self.0.resulting_case_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.cases.load_one(id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// T7: the receiver accepts or rejects within 5 working days (configurable) of the request.
    async fn answer_due(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        let s = state(ctx)?;
        Ok(Some(service::answer_due(&s.calendar, &self.0, s.settings.rules.transfer_answer_days).into()))
    }

    /// Still pending after `answerDue`.
    async fn overdue(&self, ctx: &Context<'_>) -> Result<bool> {
        let s = state(ctx)?;
        Ok(self.0.status == StoredStatus::Pending
            && service::answer_due(&s.calendar, &self.0, s.settings.rules.transfer_answer_days) < request(ctx)?.today)
    }

    /// Why it was rejected or returned.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The receiver's note on acceptance.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The matter (执法事项) the sender proposes for the receiver's case; `acceptTransfer` may
    /// name another.
    async fn matter_code(&self) -> Option<&str> {
        self.0.matter_code.as_deref()
    }

    async fn requested_at(&self) -> DateTime {
        self.0.requested_at.into()
    }

    async fn answered_at(&self) -> Option<DateTime> {
        self.0.answered_at.map(Into::into)
    }

    /// When the act happened (R6+): the case an acceptance files keeps it.
    async fn occurred_at(&self) -> Option<DateTime> {
        self.0.occurred_at.map(Into::into)
    }

    /// When a continuing act ended (R6+).
    async fn ended_at(&self) -> Option<DateTime> {
        self.0.ended_at.map(Into::into)
    }

    /// The RETURNED transfer this request resubmits, if the caller may see it.
    async fn replaces(&self, ctx: &Context<'_>) -> Result<Option<TransferObject>> {
        let Some(id) = self.0.replaces_transfer_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.transfers.load_one(id).await.map_err(AppError::from)?.map(TransferObject))
    }

    /// 移送材料, in the order they were added. Before acceptance each is its own sealed record
    /// outside any chain (`previousHash` null, `seq` its place in the transfer); once accepted,
    /// the records they became in the resulting case's chain (same ids).
    async fn materials(&self, ctx: &Context<'_>) -> Result<Vec<RecordObject>> {
        materials_of(ctx, &self.0).await
    }
}

/// A transfer's materials as records (the transfer is one the caller may see).
pub async fn materials_of(ctx: &Context<'_>, t: &transfer::Model) -> Result<Vec<RecordObject>> {
    Ok(materials::materials(&state(ctx)?.db, t).await?.into_iter().map(RecordObject).collect())
}

pub async fn transfer_by_id(ctx: &Context<'_>, id: Uuid) -> Result<TransferObject, AppError> {
    let t = service::get(&state(ctx)?.db, principal(ctx)?, request(ctx)?.today, id).await?;
    Ok(TransferObject(t))
}

impl TransferFilter {
    /// The filter as the service reads it (`transfers(filter)` and `exportTransfers`).
    pub(crate) fn parse(
        self,
        app: &crate::graphql::context::AppState,
        today: chrono::NaiveDate,
    ) -> Result<ParsedFilter, AppError> {
        let dept =
            |id: &Option<ID>, field: &str| id.as_ref().map(|id| ids::decode(id, Kind::Department, field)).transpose();
        Ok(ParsedFilter {
            statuses: self.status.iter().flatten().map(|s| (*s).into()).collect(),
            category: self.category.map(Into::into),
            from_department_id: dept(&self.from_department_id, "filter.fromDepartmentId")?,
            to_department_id: dept(&self.to_department_id, "filter.toDepartmentId")?,
            overdue: self
                .overdue
                .map(|o| OverdueFilter::new(o, &app.calendar, today, app.settings.rules.transfer_answer_days)),
        })
    }
}

#[derive(Default)]
pub struct TransferQuery;

#[Object]
impl TransferQuery {
    /// Transfers the caller's department sent or received, or that concern a case it may see.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        filter: Option<TransferFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TransferConnection> {
        let p = principal(ctx)?;
        let app = state(ctx)?;
        let today = request(ctx)?.today;
        let parsed = filter.unwrap_or_default().parse(app, today)?;
        let (rows, info, cond) = service::list(&app.db, p, today, &parsed, first, after.as_deref()).await?;
        Ok(TransferConnection::new(rows.into_iter().map(|(c, t)| (c, TransferObject(t))).collect(), info, cond))
    }
}
