//! Relay connections with keyset cursors. A cursor carries the sort key of the last row seen
//! and its id (the tie-breaker), never an offset, so a page costs the same anywhere in a
//! million rows and concurrent inserts cause no gaps or repeats.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::Value;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoColumnRef, Order, SimpleExpr};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Largest page (api.md: `first` at most 100).
pub const MAX_PAGE: u64 = 100;
pub const DEFAULT_PAGE: u64 = 20;

/// Where a page sits in its list (Relay's `PageInfo`; its GraphQL face is in
/// `graphql::connection`).
#[derive(Debug, Clone, Default)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// A decoded cursor: which ordering it belongs to, the sort key as text, and the row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub tag: String,
    pub key: String,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(tag: &str, key: impl Into<String>, id: Uuid) -> Self {
        Self { tag: tag.to_string(), key: key.into(), id }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\u{1f}{}\u{1f}{}", self.tag, self.id.simple(), self.key))
    }

    /// Cursors come from clients: anything malformed, or from another ordering, is
    /// `BAD_USER_INPUT` on the argument that carried it.
    pub fn decode(text: &str, tag: &str, field: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input(field, "not a cursor of this list and order");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '\u{1f}');
        let (Some(t), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if t != tag {
            return Err(bad());
        }
        let id = Uuid::try_parse(id).map_err(|_| bad())?;
        Ok(Self::new(t, key, id))
    }
}

/// The cursor key of a timestamp. Lossless (nanoseconds): SQLite keeps whatever precision it
/// was given, and a cursor that rounded would skip rows created in the same microsecond.
pub fn timestamp_key(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Paging arguments as a client sent them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageArgs<'a> {
    pub first: Option<i32>,
    pub after: Option<&'a str>,
    pub last: Option<i32>,
    pub before: Option<&'a str>,
}

/// Validated paging arguments.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: u64,
    /// `last`/`before`: walk the order backwards, then flip the rows.
    pub backward: bool,
    pub cursor: Option<Cursor>,
}

impl Page {
    pub fn forward(first: Option<i32>, after: Option<&str>, tag: &str) -> AppResult<Self> {
        Self::new(first, after, None, None, tag)
    }

    pub fn new(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
        tag: &str,
    ) -> AppResult<Self> {
        let check = |n: i32, field: &str| -> AppResult<u64> {
            if n < 0 || n as u64 > MAX_PAGE {
                return Err(AppError::bad_input(field, format!("must be between 0 and {MAX_PAGE}")));
            }
            Ok(n as u64)
        };
        if last.is_some() || before.is_some() {
            if first.is_some() || after.is_some() {
                return Err(AppError::bad_input("last", "use first/after or last/before, not both"));
            }
            return Ok(Self {
                limit: last.map(|n| check(n, "last")).transpose()?.unwrap_or(DEFAULT_PAGE),
                backward: true,
                cursor: before.map(|c| Cursor::decode(c, tag, "before")).transpose()?,
            });
        }
        Ok(Self {
            limit: first.map(|n| check(n, "first")).transpose()?.unwrap_or(DEFAULT_PAGE),
            backward: false,
            cursor: after.map(|c| Cursor::decode(c, tag, "after")).transpose()?,
        })
    }

    /// Whether rows are read in descending key order, given the list's own direction.
    pub fn descending(&self, order_desc: bool) -> bool {
        order_desc != self.backward
    }

    /// `(key, id) < (k, i)` or `>`: rows strictly after the cursor in reading order. A row
    /// comparison lets PostgreSQL walk the `(key, id)` index directly.
    pub fn after_cursor(
        &self,
        key_col: impl IntoColumnRef,
        id_col: impl IntoColumnRef,
        key: Value,
        order_desc: bool,
    ) -> Option<Condition> {
        let cursor = self.cursor.as_ref()?;
        let left = Expr::tuple([Expr::col(key_col), Expr::col(id_col)]);
        let right = Expr::tuple([SimpleExpr::Value(key), SimpleExpr::Value(cursor.id.into())]);
        let cmp = if self.descending(order_desc) { left.lt(right) } else { left.gt(right) };
        Some(Condition::all().add(cmp))
    }

    /// [`after_cursor`](Self::after_cursor) for a list in time order, whose cursor key is an
    /// RFC 3339 time: `None` on the first page; a key that is not a time is `BAD_USER_INPUT`
    /// on `after` (or `before`).
    pub fn after_time_cursor(
        &self,
        at_col: impl IntoColumnRef,
        id_col: impl IntoColumnRef,
        order_desc: bool,
    ) -> AppResult<Option<Condition>> {
        let Some(cursor) = &self.cursor else { return Ok(None) };
        let field = if self.backward { "before" } else { "after" };
        let at = chrono::DateTime::parse_from_rfc3339(&cursor.key)
            .map_err(|_| AppError::bad_input(field, "not a cursor of this list"))?
            .with_timezone(&chrono::Utc);
        Ok(self.after_cursor(at_col, id_col, at.into(), order_desc))
    }

    /// The direction rows are read in (a backward page reads against the list's order).
    pub fn read_order(&self, order_desc: bool) -> Order {
        if self.descending(order_desc) { Order::Desc } else { Order::Asc }
    }

    /// Cuts the `limit + 1` rows read to the page, flips backward pages into list order, and
    /// builds the page info.
    pub fn finish<T>(&self, mut rows: Vec<T>, cursor_of: impl Fn(&T) -> String) -> (Vec<(String, T)>, PageInfo) {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.backward {
            rows.reverse();
        }
        let edges: Vec<(String, T)> = rows.into_iter().map(|r| (cursor_of(&r), r)).collect();
        let info = PageInfo {
            has_next_page: if self.backward { self.cursor.is_some() } else { more },
            has_previous_page: if self.backward { more } else { self.cursor.is_some() },
            start_cursor: edges.first().map(|e| e.0.clone()),
            end_cursor: edges.last().map(|e| e.0.clone()),
        };
        (edges, info)
    }
}

/// One page of `query` in `(at, id)` order (descending when `order_desc`), after the page's
/// cursor: the keyset walk every time-ordered list shares.
pub async fn page_by_time<E, C>(
    db: &C,
    query: sea_orm::Select<E>,
    page: &Page,
    (tag, order_desc): (&str, bool),
    (at_col, id_col): (E::Column, E::Column),
    key_of: impl Fn(&E::Model) -> (chrono::DateTime<chrono::Utc>, Uuid),
) -> AppResult<(Vec<(String, E::Model)>, PageInfo)>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
    let mut query = query;
    if let Some(c) = page.after_time_cursor(at_col, id_col, order_desc)? {
        query = query.filter(c);
    }
    let dir = page.read_order(order_desc);
    let rows = query.order_by(at_col, dir.clone()).order_by(id_col, dir).limit(page.limit + 1).all(db).await?;
    Ok(page.finish(rows, |m| {
        let (at, id) = key_of(m);
        Cursor::new(tag, timestamp_key(at), id).encode()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever a client sends as a cursor, decoding answers (a cursor or
        /// `BAD_USER_INPUT` on the argument) and never panics.
        #[test]
        fn any_text_decodes_or_is_refused(text in ".{0,200}", tag in "[a-z:_]{1,20}") {
            if let Err(e) = Cursor::decode(&text, &tag, "after") {
                proptest::prop_assert_eq!(e.code(), "BAD_USER_INPUT");
            }
        }

        /// Every cursor the server makes decodes back to itself, whatever its key holds.
        #[test]
        fn every_cursor_round_trips(tag in "[a-z:_]{1,20}", key in ".{0,80}", id in proptest::prelude::any::<u128>()) {
            let c = Cursor::new(&tag, key, Uuid::from_u128(id));
            proptest::prop_assert_eq!(Cursor::decode(&c.encode(), &tag, "after").ok(), Some(c));
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_other_orders() {
        let c = Cursor::new("cases:filed_desc", "2023-01-01T00:00:00.000000Z", Uuid::now_v7());
        let text = c.encode();
        assert_eq!(Cursor::decode(&text, "cases:filed_desc", "after").ok(), Some(c));
        assert!(Cursor::decode(&text, "cases:filed_asc", "after").is_err());
        assert!(Cursor::decode("garbage!", "cases:filed_desc", "after").is_err());
    }

    #[test]
    fn timestamp_keys_are_lossless() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 123_456_789).expect("instant");
        let back = chrono::DateTime::parse_from_rfc3339(&timestamp_key(at)).expect("parses");
        assert_eq!(back, at);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(Page::forward(Some(101), None, "t").is_err());
        assert!(Page::forward(Some(-1), None, "t").is_err());
        assert_eq!(Page::forward(None, None, "t").map(|p| p.limit).ok(), Some(DEFAULT_PAGE));
        assert!(Page::new(Some(1), None, Some(1), None, "t").is_err());
    }
}
