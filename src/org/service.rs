//! Reads of users and matters, keyset-paged by their unique codes.

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{matter, matter_empowerment, user, user_role};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityName, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::error::AppResult;
use crate::pagination::{Cursor, Page, PageInfo};

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub department_id: Option<Uuid>,
    pub role: Option<Role>,
    pub certified: Option<bool>,
    pub search: Option<String>,
}

const USERS_TAG: &str = "users:login";

pub async fn users(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    filter: &UserFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, user::Model)>, PageInfo, Condition)> {
    let page = Page::forward(first, after, USERS_TAG)?;
    let mut cond = Condition::all().add(visibility::users(p, today));
    if let Some(d) = filter.department_id {
        cond = cond.add(user::Column::DepartmentId.eq(d));
    }
    if let Some(role) = filter.role {
        let holders = Query::select()
            .column(user_role::Column::UserId)
            .from(user_role::Entity.table_ref())
            .and_where(user_role::Column::Role.eq(role))
            .to_owned();
        cond = cond.add(user::Column::Id.in_subquery(holders));
    }
    if let Some(certified) = filter.certified {
        let valid = Condition::all()
            .add(user::Column::CertificateNo.is_not_null())
            .add(user::Column::CertificateValidUntil.gte(today));
        cond = cond.add(if certified { valid } else { valid.not() });
    }
    if let Some(s) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        cond = cond.add(Expr::col(user::Column::SearchText).like(crate::sql::contains(s.trim())));
    }
    let mut query = user::Entity::find().filter(cond.clone());
    if let Some(c) = &page.cursor {
        query = query.filter(
            Condition::any()
                .add(user::Column::Login.gt(c.key.as_str()))
                .add(Condition::all().add(user::Column::Login.eq(c.key.as_str())).add(user::Column::Id.gt(c.id))),
        );
    }
    let rows = query
        .order_by(user::Column::Login, Order::Asc)
        .order_by(user::Column::Id, Order::Asc)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let (edges, info) = page.finish(rows, |u| Cursor::new(USERS_TAG, u.login.clone(), u.id).encode());
    Ok((edges, info, cond))
}

#[derive(Debug, Default, Clone)]
pub struct MatterFilter {
    pub domain: Option<String>,
    /// Matters empowered to this town today.
    pub town: Option<String>,
    pub empowered_to_towns: Option<bool>,
    pub search: Option<String>,
}

const MATTERS_TAG: &str = "matters:code";

fn empowered_today(today: NaiveDate, town: Option<&str>) -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select()
        .column(matter_empowerment::Column::MatterId)
        .from(matter_empowerment::Entity.table_ref())
        .and_where(matter_empowerment::Column::ValidFrom.lte(today))
        .cond_where(
            Condition::any()
                .add(matter_empowerment::Column::ValidUntil.is_null())
                .add(matter_empowerment::Column::ValidUntil.gte(today)),
        )
        .to_owned();
    if let Some(town) = town {
        q.and_where(matter_empowerment::Column::Town.eq(town));
    }
    q
}

pub async fn matters(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    filter: &MatterFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, matter::Model)>, PageInfo, Condition)> {
    let page = Page::forward(first, after, MATTERS_TAG)?;
    let mut cond = Condition::all();
    if let Some(d) = &filter.domain {
        cond = cond.add(matter::Column::Domain.eq(d.as_str()));
    }
    if let Some(town) = &filter.town {
        cond = cond.add(matter::Column::Id.in_subquery(empowered_today(today, Some(town))));
    }
    match filter.empowered_to_towns {
        Some(true) => cond = cond.add(matter::Column::Id.in_subquery(empowered_today(today, None))),
        Some(false) => cond = cond.add(matter::Column::Id.not_in_subquery(empowered_today(today, None))),
        None => {}
    }
    if let Some(s) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        // The pattern is lowercased: compare the lowercased columns (codes are ASCII, which
        // `lower()` folds alike on SQLite and PostgreSQL), so `SR-001` finds SR-001 on both.
        let lower = |c: matter::Column| Expr::expr(Func::lower(Expr::col(c)));
        cond = cond.add(
            Condition::any()
                .add(lower(matter::Column::Name).like(crate::sql::contains(s.trim())))
                .add(lower(matter::Column::Code).like(crate::sql::contains(s.trim()))),
        );
    }
    let mut query = matter::Entity::find().filter(cond.clone());
    if let Some(c) = &page.cursor {
        query = query.filter(
            Condition::any()
                .add(matter::Column::Code.gt(c.key.as_str()))
                .add(Condition::all().add(matter::Column::Code.eq(c.key.as_str())).add(matter::Column::Id.gt(c.id))),
        );
    }
    let rows = query
        .order_by(matter::Column::Code, Order::Asc)
        .order_by(matter::Column::Id, Order::Asc)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let (edges, info) = page.finish(rows, |m| Cursor::new(MATTERS_TAG, m.code.clone(), m.id).encode());
    Ok((edges, info, cond))
}

/// Whether `matter` is empowered to `town` on `day` (R7).
pub fn empowered_on(rows: &[matter_empowerment::Model], town: &str, day: NaiveDate) -> bool {
    rows.iter().any(|e| e.town == town && e.valid_from <= day && e.valid_until.is_none_or(|until| until >= day))
}
