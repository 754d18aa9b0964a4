//! Case reads: filters, order and keyset paging over the caller's visibility condition.

use chrono::{DateTime, NaiveDate, Utc};
use entity::case;
use entity::enums::{CaseStatus, Procedure};
use entity::prelude::Case;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageInfo, page_by_time};

/// A parsed `CaseFilter`.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<CaseStatus>,
    pub procedure: Option<Procedure>,
    pub department_id: Option<Uuid>,
    pub town: Option<String>,
    pub matter_code: Option<String>,
    pub filed_from: Option<DateTime<Utc>>,
    pub filed_to: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub overdue: Option<bool>,
    /// Part of a party's name, or an exact ID number / credit code (`parties`).
    pub party: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    #[default]
    FiledAtDesc,
    FiledAtAsc,
}

impl CaseOrder {
    fn tag(self) -> &'static str {
        match self {
            CaseOrder::FiledAtDesc => "cases:filed_desc",
            CaseOrder::FiledAtAsc => "cases:filed_asc",
        }
    }

    fn desc(self) -> bool {
        self == CaseOrder::FiledAtDesc
    }
}

impl CaseFilter {
    fn condition(&self, p: &Principal, today: NaiveDate) -> Condition {
        let mut cond = Condition::all();
        if !self.statuses.is_empty() {
            cond = cond.add(case::Column::Status.is_in(self.statuses.iter().copied()));
        }
        if let Some(procedure) = self.procedure {
            cond = cond.add(case::Column::Procedure.eq(procedure));
        }
        if let Some(dept) = self.department_id {
            cond = cond.add(case::Column::DepartmentId.eq(dept));
        }
        if let Some(town) = &self.town {
            cond = cond.add(case::Column::Town.eq(town.as_str()));
        }
        if let Some(code) = &self.matter_code {
            cond = cond.add(case::Column::MatterCode.eq(code.as_str()));
        }
        if let Some(from) = self.filed_from {
            cond = cond.add(case::Column::FiledAt.gte(from));
        }
        if let Some(to) = self.filed_to {
            cond = cond.add(case::Column::FiledAt.lte(to));
        }
        if let Some(search) = self.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // A trainee must not find a case by its party's real name (titles carry it), so
            // its search looks at case numbers only.
            let column = if p.is_trainee_only() { case::Column::CaseNo } else { case::Column::SearchText };
            cond = cond.add(Expr::col(column).like(crate::sql::contains(search)));
        }
        match self.overdue {
            Some(true) => cond = cond.add(case::Column::NextDue.lt(today)),
            Some(false) => {
                cond = cond
                    .add(Condition::any().add(case::Column::NextDue.is_null()).add(case::Column::NextDue.gte(today)))
            }
            None => {}
        }
        cond
    }
}

/// One page of the cases `p` may see.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    filter: &CaseFilter,
    order: CaseOrder,
    args: PageArgs<'_>,
) -> AppResult<(Vec<(String, case::Model)>, PageInfo, Condition)> {
    let tag = order.tag();
    let page = Page::new(args.first, args.after, args.last, args.before, tag)?;
    let condition = Condition::all()
        .add(visibility::cases(p, today))
        .add(filter.condition(p, today))
        .add(super::parties::filter(p, filter.party.as_deref())?);

    let query = Case::find().filter(condition.clone());
    let (edges, info) =
        page_by_time(db, query, &page, (tag, order.desc()), (case::Column::FiledAt, case::Column::Id), |c| {
            (c.filed_at, c.id)
        })
        .await?;
    Ok((edges, info, condition))
}

/// A case `p` may see; anything else is `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, id: Uuid) -> AppResult<case::Model> {
    Case::find_by_id(id).filter(visibility::cases(p, today)).one(db).await?.ok_or_else(|| AppError::not_found("case"))
}
