//! What a resolver reads from its request: the shared [`AppState`], the caller
//! ([`RequestCtx`]) and the request's [`Loaders`]. Every accessor is fallible: an entry point
//! that forgets to attach its data gets `INTERNAL` on that one field, never a crashed worker.

use std::sync::Arc;

use async_graphql::Context;
use chrono::NaiveDate;
use entity::enums::Role;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::loaders::Loaders;
use crate::auth::Principal;
use crate::auth::sessions::Sessions;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;

/// Shared by every request: built once by the composition root (`app`).
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub calendar: Arc<Calendar>,
    pub metrics: Arc<Metrics>,
    /// Committed case events and "the figures changed" signals, for subscriptions.
    pub bus: crate::events::Bus,
    /// The standing of every subscribed login, re-read for all of them at once.
    pub sessions: Arc<Sessions>,
    /// Principals by login, emptied when a user's access changes (`auth::principal_cache`).
    pub principals: Arc<crate::auth::principal_cache::PrincipalCache>,
    /// Evidence files and exports (`files::Store`).
    pub files: crate::files::Store,
}

/// Per-request data: who is calling, their "today", where from.
pub struct RequestCtx {
    pub principal: Option<Arc<Principal>>,
    /// Today in Asia/Shanghai, fixed for the whole request.
    pub today: NaiveDate,
    pub client_addr: Option<String>,
}

fn missing(what: &str) -> AppError {
    AppError::Internal(format!("the request carries no {what}"))
}

pub fn state<'a>(ctx: &Context<'a>) -> AppResult<&'a AppState> {
    ctx.data_opt::<AppState>().ok_or_else(|| missing("application state"))
}

pub fn request<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestCtx> {
    ctx.data_opt::<RequestCtx>().ok_or_else(|| missing("request context"))
}

pub fn loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a Loaders> {
    ctx.data_opt::<Loaders>().ok_or_else(|| missing("loaders"))
}

/// The caller, or `UNAUTHENTICATED` when the request carried no token.
pub fn principal<'a>(ctx: &Context<'a>) -> AppResult<&'a Principal> {
    request(ctx)?.principal.as_deref().ok_or_else(AppError::unauthenticated)
}

/// Whether the caller reads as a court trainee only (anonymised).
pub fn trainee_only(ctx: &Context<'_>) -> AppResult<bool> {
    Ok(request(ctx)?.principal.as_ref().is_some_and(|p| p.is_trainee_only()))
}

/// Every read of a case by a court trainee is itself audited (rules.md).
pub async fn trainee_read(ctx: &Context<'_>, p: &Principal, case_ids: &[Uuid]) -> AppResult<()> {
    if !p.has(Role::CourtTrainee) {
        return Ok(());
    }
    crate::audit::write(&state(ctx)?.db, Some(p), crate::audit::READ_CASE, case_ids, serde_json::json!({})).await
}
