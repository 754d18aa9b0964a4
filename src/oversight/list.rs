//! The oversight lists: one keyset page of a table, newest first, under the condition (the
//! caller's visibility and the filter) the list's `totalCount` counts again.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use crate::pagination::{Page, PageInfo, page_by_time};

/// A page of rows with their cursors, its page info, and the condition it was read under.
pub type Listed<M> = (Vec<(String, M)>, PageInfo, Condition);

/// Paging arguments of a list: `first`, `after`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paging<'a> {
    pub first: Option<i32>,
    pub after: Option<&'a str>,
}

impl<'a> Paging<'a> {
    pub fn new(first: Option<i32>, after: Option<&'a str>) -> Self {
        Self { first, after }
    }
}

/// One page of `E` under `cond`, newest first by `cols` (a time column and the id); `tag`
/// names the ordering in the cursors.
pub async fn newest_first<E: EntityTrait>(
    db: &impl ConnectionTrait,
    cond: Condition,
    paging: Paging<'_>,
    tag: &str,
    cols: (E::Column, E::Column),
    key: fn(&E::Model) -> (DateTime<Utc>, Uuid),
) -> AppResult<Listed<E::Model>> {
    let page = Page::forward(paging.first, paging.after, tag)?;
    let (rows, info) = page_by_time(db, E::find().filter(cond.clone()), &page, (tag, true), cols, key).await?;
    Ok((rows, info, cond))
}
