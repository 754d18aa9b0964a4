//! The GraphQL face of transfers: `Transfer`, `transfers`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::TransferStatus as StoredStatus;
use entity::transfer;
use uuid::Uuid;

use super::service::{self, TransferFilter as ParsedFilter};
use crate::cases::schema::CaseObject;
use crate::error::AppError;
use crate::graphql::{loaders, principal, request, state};
use crate::ids::{self, Kind};
use crate::org::schema::DepartmentObject;
use crate::scalars::{Date, DateTime};

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

#[derive(InputObject, Default)]
pub struct TransferFilter {
    pub status: Option<Vec<TransferStatus>>,
    pub category: Option<TransferCategory>,
    pub from_department_id: Option<ID>,
    pub to_department_id: Option<ID>,
}

/// 移交 / 划转: a case or matter handed from one department to another.
pub struct TransferObject(pub transfer::Model);

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

    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The sender's case handed over, if the caller may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        let Some(id) = self.0.case_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).cases.load_one(id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// The receiver's case, filed on acceptance.
    async fn resulting_case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        let Some(id) = self.0.resulting_case_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).cases.load_one(id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// T7: the receiver accepts or rejects within 5 working days (configurable) of the request.
    async fn answer_due(&self, ctx: &Context<'_>) -> Option<Date> {
        Some(service::answer_due(&state(ctx).calendar, &self.0, state(ctx).settings.rules.transfer_answer_days).into())
    }

    /// Still pending after `answerDue`.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status == StoredStatus::Pending
            && service::answer_due(&state(ctx).calendar, &self.0, state(ctx).settings.rules.transfer_answer_days)
                < request(ctx).today
    }

    /// Why it was rejected or returned.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn matter_code(&self) -> Option<&str> {
        self.0.matter_code.as_deref()
    }

    async fn requested_at(&self) -> DateTime {
        self.0.requested_at.into()
    }

    async fn answered_at(&self) -> Option<DateTime> {
        self.0.answered_at.map(Into::into)
    }
}

pub async fn transfer_by_id(ctx: &Context<'_>, id: Uuid) -> Result<TransferObject, AppError> {
    let t = service::get(&state(ctx).db, principal(ctx)?, request(ctx).today, id).await?;
    Ok(TransferObject(t))
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
        let f = filter.unwrap_or_default();
        let dept =
            |id: &Option<ID>, field: &str| id.as_ref().map(|id| ids::decode(id, Kind::Department, field)).transpose();
        let parsed = ParsedFilter {
            statuses: f.status.iter().flatten().map(|s| (*s).into()).collect(),
            category: f.category.map(Into::into),
            from_department_id: dept(&f.from_department_id, "filter.fromDepartmentId")?,
            to_department_id: dept(&f.to_department_id, "filter.toDepartmentId")?,
        };
        let (rows, info, cond) =
            service::list(&state(ctx).db, p, request(ctx).today, &parsed, first, after.as_deref()).await?;
        Ok(TransferConnection::new(rows.into_iter().map(|(c, t)| (c, TransferObject(t))).collect(), info, cond))
    }
}
