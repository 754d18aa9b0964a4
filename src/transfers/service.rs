//! Transfer reads over the caller's visibility.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entity::enums::{TransferCategory, TransferStatus};
use entity::transfer;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::calendar::{Calendar, local_date};
use crate::error::{AppError, AppResult};
use crate::pagination::{Cursor, Page, PageInfo};

/// T7: a transfer is answered within this many working days (configurable).
pub const DEFAULT_ANSWER_DAYS: u32 = 5;

#[derive(Debug, Default, Clone)]
pub struct TransferFilter {
    pub statuses: Vec<TransferStatus>,
    pub category: Option<TransferCategory>,
    pub from_department_id: Option<Uuid>,
    pub to_department_id: Option<Uuid>,
}

const TAG: &str = "transfers:requested_desc";

pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    filter: &TransferFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, transfer::Model)>, PageInfo, Condition)> {
    let page = Page::forward(first, after, TAG)?;
    let mut cond = Condition::all().add(visibility::transfers(p, today));
    if !filter.statuses.is_empty() {
        cond = cond.add(transfer::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(c) = filter.category {
        cond = cond.add(transfer::Column::Category.eq(c));
    }
    if let Some(d) = filter.from_department_id {
        cond = cond.add(transfer::Column::FromDepartmentId.eq(d));
    }
    if let Some(d) = filter.to_department_id {
        cond = cond.add(transfer::Column::ToDepartmentId.eq(d));
    }
    let mut query = transfer::Entity::find().filter(cond.clone());
    if let Some(c) = &page.cursor {
        let at = DateTime::parse_from_rfc3339(&c.key)
            .map_err(|_| AppError::bad_input("after", "not a cursor of this list"))?
            .with_timezone(&Utc);
        if let Some(k) = page.after_cursor(transfer::Column::RequestedAt, transfer::Column::Id, at.into(), true) {
            query = query.filter(k);
        }
    }
    let rows = query
        .order_by(transfer::Column::RequestedAt, Order::Desc)
        .order_by(transfer::Column::Id, Order::Desc)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let (edges, info) = page
        .finish(rows, |t| Cursor::new(TAG, t.requested_at.to_rfc3339_opts(SecondsFormat::Micros, true), t.id).encode());
    Ok((edges, info, cond))
}

pub async fn get(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, id: Uuid) -> AppResult<transfer::Model> {
    transfer::Entity::find_by_id(id)
        .filter(visibility::transfers(p, today))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("transfer"))
}

/// T7: the day by which the receiver must accept or reject.
pub fn answer_due(calendar: &Calendar, t: &transfer::Model, days: u32) -> NaiveDate {
    calendar.add_working_days(local_date(t.requested_at), days)
}
