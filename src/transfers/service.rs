//! Transfer reads over the caller's visibility, and T7 (the answer deadline).

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::enums::{TransferCategory, TransferStatus};
use entity::transfer;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::calendar::{Calendar, local_date, start_of_day};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageInfo, page_by_time};

/// T7: a transfer is answered within this many working days (configurable).
pub const DEFAULT_ANSWER_DAYS: u32 = 5;

#[derive(Debug, Default, Clone)]
pub struct TransferFilter {
    pub statuses: Vec<TransferStatus>,
    pub category: Option<TransferCategory>,
    pub from_department_id: Option<Uuid>,
    pub to_department_id: Option<Uuid>,
    pub overdue: Option<OverdueFilter>,
}

/// `overdue: true` keeps the PENDING transfers requested before `requested_before` (they are
/// past T7); `false` keeps every other one.
#[derive(Debug, Clone, Copy)]
pub struct OverdueFilter {
    pub overdue: bool,
    /// `None`: no request is old enough to be overdue.
    pub requested_before: Option<DateTime<Utc>>,
}

impl OverdueFilter {
    pub fn new(overdue: bool, calendar: &Calendar, today: NaiveDate, days: u32) -> Self {
        Self { overdue, requested_before: overdue_before(calendar, today, days) }
    }

    fn condition(self) -> Condition {
        let late = match self.requested_before {
            Some(before) => Condition::all()
                .add(transfer::Column::Status.eq(TransferStatus::Pending))
                .add(transfer::Column::RequestedAt.lt(before)),
            None => crate::sql::never(),
        };
        if self.overdue { late } else { late.not() }
    }
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
    if let Some(o) = filter.overdue {
        cond = cond.add(o.condition());
    }
    let query = transfer::Entity::find().filter(cond.clone());
    let columns = (transfer::Column::RequestedAt, transfer::Column::Id);
    let (edges, info) = page_by_time(db, query, &page, (TAG, true), columns, |t| (t.requested_at, t.id)).await?;
    Ok((edges, info, cond))
}

fn visible(p: &Principal, today: NaiveDate, id: Uuid) -> Select<transfer::Entity> {
    transfer::Entity::find_by_id(id).filter(visibility::transfers(p, today))
}

/// A transfer `p` may see; anything else is `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, id: Uuid) -> AppResult<transfer::Model> {
    visible(p, today, id).one(db).await?.ok_or_else(|| AppError::not_found("transfer"))
}

/// [`get`] for a write: the row is locked until the transaction ends (PostgreSQL
/// `FOR NO KEY UPDATE`; on SQLite the `BEGIN IMMEDIATE` of `db::begin_write` already holds the write
/// lock), so two answers to one transfer run one after the other and the second sees the
/// first's end state.
pub async fn get_for_update(
    txn: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    id: Uuid,
) -> AppResult<transfer::Model> {
    visible(p, today, id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("transfer"))
}

/// T7: the day by which the receiver must accept or reject.
pub fn answer_due(calendar: &Calendar, t: &transfer::Model, days: u32) -> NaiveDate {
    calendar.add_working_days(local_date(t.requested_at), days)
}

/// T7 as a range condition: a transfer requested on day D is overdue when today is after
/// `D + days` working days. That due date never decreases as D grows, so the overdue requests
/// are exactly those made on or before the latest such D; this returns the first instant
/// after that day, for `requested_at < …` on the indexed column (`None`: nothing is overdue).
pub fn overdue_before(calendar: &Calendar, today: NaiveDate, days: u32) -> Option<DateTime<Utc>> {
    // A year back is far beyond any holiday run; a table that declares a whole year off
    // leaves nothing overdue rather than looping on.
    let latest = (1..=366u64)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .find(|day| calendar.add_working_days(*day, days) < today)?;
    latest.succ_opt().map(start_of_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn a_request_is_overdue_only_once_its_answer_day_has_passed() {
        // Weekends only: Monday 2023-03-13.
        let cal = Calendar::default();
        let today = d("2023-03-13");
        // Requested Mon 6 March: due today, not yet overdue. Requested Sun 5 March (or Fri 3,
        // Sat 4): due Fri 10 March, overdue.
        assert_eq!(cal.add_working_days(d("2023-03-06"), 5), today);
        assert_eq!(overdue_before(&cal, today, 5), Some(start_of_day(d("2023-03-06"))));
    }

    #[test]
    fn holidays_push_the_cutoff_back() {
        // National Day 2023: Fri 29 Sep – Fri 6 Oct off, Sat 7 and Sun 8 Oct make-up days.
        let mut rows = Vec::new();
        let mut day = d("2023-09-29");
        while day <= d("2023-10-06") {
            rows.push((day, "off"));
            day = day.succ_opt().expect("date");
        }
        rows.push((d("2023-10-07"), "workday"));
        rows.push((d("2023-10-08"), "workday"));
        let cal = Calendar::from_rows(rows);
        // Thu 28 Sep + 5 working days: Sat 7, Sun 8, Mon 9, Tue 10, Wed 11 October.
        let due = cal.add_working_days(d("2023-09-28"), 5);
        assert_eq!(due, d("2023-10-11"));
        // On Thu 12 Oct a request of the holiday week (due Wed 11) is overdue; one made on the
        // first make-up day (due Thu 12) is not.
        let cutoff = overdue_before(&cal, d("2023-10-12"), 5);
        assert_eq!(cutoff, Some(start_of_day(d("2023-10-07"))));
    }
}
