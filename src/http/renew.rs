//! `POST /auth/renew`: a wall screen's token renewed before it expires.
//!
//! The cockpit (`/dashboard?mode=screen`) runs unattended for weeks, so it trades its valid,
//! unexpired bearer token for a fresh one of the same lifetime (`exp - iat`, at most
//! [`MAX_LIFETIME`]) well before expiry. Only a dashboard-only principal may renew: a person's
//! token is never extended without signing in again. The user is read from the database as on
//! every request, so a deactivated user is refused: an admin revokes a wall screen by
//! deactivating its dashboard user (`deactivateUser`), which also ends its open subscriptions
//! at once. A server that only verifies tokens (a public key or a JWKS of an identity
//! provider, no `CASEBRIDGE_JWT_SECRET`) cannot sign and says so.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use entity::enums::Role;

use super::{app_error, client_addr, json, principal_of, verify_header};
use crate::auth::Principal;
use crate::error::AppError;
use crate::graphql::context::AppState;

/// The longest lifetime a renewed token gets, whatever the one it replaces had.
pub const MAX_LIFETIME: chrono::Duration = chrono::Duration::days(7);
/// The shortest: a token of a few seconds would be renewed in a busy loop.
pub const MIN_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

/// A principal whose every role is `dashboard`.
pub fn dashboard_only(p: &Principal) -> bool {
    !p.roles.is_empty() && p.roles.iter().all(|r| *r == Role::Dashboard)
}

pub async fn renew(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match renewed(&req, &state).await {
        Ok(body) => {
            let mut response = json(StatusCode::OK, &body);
            response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => app_error(&state, &e),
    }
}

async fn renewed(req: &HttpRequest, state: &AppState) -> Result<serde_json::Value, AppError> {
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let claims = verify_header(state, authorization).await?.ok_or_else(AppError::unauthenticated)?;
    let principal = principal_of(state, &claims, client_addr(req)).await?;
    if !dashboard_only(&principal) {
        return Err(AppError::Forbidden("only a dashboard user's token is renewed; sign in again".into()));
    }
    let lifetime = chrono::Duration::seconds(claims.exp.saturating_sub(claims.iat)).clamp(MIN_LIFETIME, MAX_LIFETIME);
    let token = state.settings.jwt.sign(&principal.login, lifetime).map_err(|why| {
        AppError::Forbidden(format!(
            "this server only verifies tokens ({why}); renew the dashboard's token at the identity provider"
        ))
    })?;
    let expires_at = chrono::Utc::now() + lifetime;
    tracing::info!(login = %principal.login, lifetime_secs = lifetime.num_seconds(), "dashboard token renewed");
    Ok(serde_json::json!({
        "token": token,
        "expiresAt": expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_principal_with_the_dashboard_role_alone_is_dashboard_only() {
        let p = |roles: Vec<Role>| Principal {
            user_id: uuid::Uuid::now_v7(),
            login: "screen".into(),
            name: "screen".into(),
            department_id: uuid::Uuid::now_v7(),
            department_kind: entity::enums::DepartmentKind::Bureau,
            town: None,
            roles,
            client_addr: None,
        };
        assert!(dashboard_only(&p(vec![Role::Dashboard])));
        assert!(!dashboard_only(&p(vec![Role::Dashboard, Role::Admin])));
        assert!(!dashboard_only(&p(vec![Role::Admin])));
        assert!(!dashboard_only(&p(vec![])));
    }
}
