//! Finding a party's cases: `CaseFilter.party` and `Case.priorCases`.
//!
//! Personal data lives in `parties`, one row per case (a transfer's case gets its own copy), so
//! "the same party" is the same party row, or the same ID number (GB 11643) or credit code
//! (GB 32100) on another row. Both are SQL conditions on `cases.party_id` (a subquery over
//! `parties`), added to the caller's visibility condition, so paging and `totalCount` only see
//! permitted rows. Index use: an identifier is an exact match on the indexed `id_number` /
//! `credit_code` columns; part of a name is `LIKE '%…%'` on `parties.name` (a substring of a
//! Chinese name has no prefix to seek on; the subquery reads the narrow `parties` table, and the
//! cases are then reached through `ix_cases_party_id`). The same SQL on SQLite and PostgreSQL.
//!
//! Refused (`FORBIDDEN`) to court trainees (they read cases anonymised: finding a case by the
//! party's real name or number would undo that) and dashboards (statistics only), rules.md.

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{case, party};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityName, EntityTrait, QueryFilter};

use crate::auth::{Principal, visibility};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageInfo, page_by_time};

/// Most characters of a party search.
const MAX_CHARS: usize = 100;

/// Whether `p` may search by party: anyone who works on cases, not a court trainee or a
/// dashboard (nor a login holding only those two roles).
pub fn may_search(p: &Principal, field: &str) -> AppResult<()> {
    if p.roles.iter().any(|r| !matches!(r, Role::CourtTrainee | Role::Dashboard)) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!("{field} is not available to court trainees and dashboards")))
}

/// An ID number or a credit code: 18 letters and digits (the checksums were checked when the
/// party was stored; here only the shape decides how to look).
fn identifier(text: &str) -> Option<String> {
    (text.chars().count() == 18 && text.chars().all(|c| c.is_ascii_alphanumeric())).then(|| text.to_ascii_uppercase())
}

fn parties_where(cond: Condition) -> SelectStatement {
    Query::select().column(party::Column::Id).from(party::Entity.table_ref()).cond_where(cond).to_owned()
}

/// Parties with this exact ID number or credit code.
fn by_identifier(id: &str) -> Condition {
    Condition::any().add(party::Column::IdNumber.eq(id)).add(party::Column::CreditCode.eq(id))
}

/// `CaseFilter.party`: cases whose party's name contains `text` (case-insensitive), or, for an
/// 18-character identifier, whose party has exactly that ID number or credit code.
pub fn condition(text: &str) -> AppResult<Option<Condition>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_CHARS {
        return Err(AppError::bad_input("filter.party", format!("at most {MAX_CHARS} characters")));
    }
    let parties = match identifier(text) {
        Some(id) => by_identifier(&id),
        None => Condition::all().add(
            Expr::expr(Func::lower(Expr::col((party::Entity, party::Column::Name)))).like(crate::sql::contains(text)),
        ),
    };
    Ok(Some(Condition::all().add(case::Column::PartyId.in_subquery(parties_where(parties)))))
}

/// The `CaseFilter.party` hook of `cases::service::list`: no condition without a search.
pub fn filter(p: &Principal, party: Option<&str>) -> AppResult<Condition> {
    let Some(text) = party else { return Ok(Condition::all()) };
    may_search(p, "filter.party")?;
    Ok(condition(text)?.unwrap_or_else(Condition::all))
}

const TAG: &str = "cases:prior_desc";

/// `Case.priorCases`: the other cases of `of`'s party that `p` may see, newest filing first.
pub async fn prior_cases(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    of: &case::Model,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, case::Model)>, PageInfo, Condition)> {
    may_search(p, "priorCases")?;
    let page = Page::forward(first, after, TAG)?;
    let party = party::Entity::find_by_id(of.party_id).one(db).await?;
    let mut same = Condition::any().add(case::Column::PartyId.eq(of.party_id));
    let ids: Vec<String> = party.iter().flat_map(|p| [p.id_number.clone(), p.credit_code.clone()]).flatten().collect();
    for id in ids {
        same = same.add(case::Column::PartyId.in_subquery(parties_where(by_identifier(&id))));
    }
    let cond = Condition::all().add(visibility::cases(p, today)).add(case::Column::Id.ne(of.id)).add(same);
    let query = case::Entity::find().filter(cond.clone());
    let (edges, info) =
        page_by_time(db, query, &page, (TAG, true), (case::Column::FiledAt, case::Column::Id), |c| (c.filed_at, c.id))
            .await?;
    Ok((edges, info, cond))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eighteen_character_code_is_an_identifier_and_a_name_is_not() {
        assert_eq!(identifier("33032219900101123x").as_deref(), Some("33032219900101123X"));
        assert_eq!(identifier("91330322MA2HXXXX0Y").as_deref(), Some("91330322MA2HXXXX0Y"));
        assert!(identifier("洞头海鲜楼").is_none());
        assert!(identifier("330322").is_none());
    }
}
