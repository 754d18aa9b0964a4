//! What the GraphQL faces of the oversight sub-rooms share: global ids and the write store of
//! the request. Each sub-room's `schema` holds its objects, lists and mutations (see `access`
//! for who reads and writes what).

use async_graphql::{Context, ID};
use uuid::Uuid;

use super::write::Store;
use crate::error::AppResult;
use crate::graphql::context::state;
use crate::graphql::ids::{self, Kind};

pub fn id_of(kind: Kind, id: Uuid) -> ID {
    ids::encode(kind, id)
}

pub fn opt_id(kind: Kind, id: Option<Uuid>) -> Option<ID> {
    id.map(|i| ids::encode(kind, i))
}

/// An optional id argument of `kind`, decoded (`BAD_USER_INPUT` on `field`).
pub fn opt_decode(id: Option<&ID>, kind: Kind, field: &str) -> AppResult<Option<Uuid>> {
    id.map(|i| ids::decode(i, kind, field)).transpose()
}

/// A list of id arguments of `kind`, each named by its index under `field`.
pub fn decode_all(list: &[ID], kind: Kind, field: &str) -> AppResult<Vec<Uuid>> {
    list.iter().enumerate().map(|(i, id)| ids::decode(id, kind, &format!("{field}.{i}"))).collect()
}

/// The store the request's oversight writes go to: its database and event bus.
pub fn store<'a>(ctx: &Context<'a>) -> AppResult<Store<'a>> {
    let s = state(ctx)?;
    Ok(Store::new(&s.db, &s.bus))
}

/// The rows of a page, each turned into its GraphQL object.
pub fn nodes<M, N>(rows: Vec<(String, M)>, to: impl Fn(M) -> N) -> Vec<(String, N)> {
    rows.into_iter().map(|(c, m)| (c, to(m))).collect()
}
