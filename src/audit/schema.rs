//! The GraphQL face of the audit trail: `AuditEntry`, `auditLog`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::audit_log;
use uuid::Uuid;

use super::AuditFilter as ParsedFilter;
use crate::error::AppError;
use crate::graphql::context::{loaders, principal, state};
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::org::schema::UserObject;

/// One row of the audit trail (审计日志): who did or read what, when, from where.
pub struct AuditEntryObject(pub audit_log::Model);

#[Object(name = "AuditEntry")]
impl AuditEntryObject {
    /// The entry's key (a UUID). Audit entries are not nodes.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// Who acted; null for the system itself.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        let Some(id) = self.0.user_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.users.load_one(id).await.map_err(AppError::from)?.map(UserObject))
    }

    /// `mutation:<operation>` for a change (`mutation:transitionCase:DECIDE` names the action),
    /// `read:case` for a court trainee's read of a case.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The key (a UUID) of the object acted on: the case for case mutations, enrolments and
    /// trainee reads; the call for joint enforcement calls.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|t| ID(t.to_string()))
    }

    /// The caller's network address as the server saw it.
    async fn client_addr(&self) -> Option<&str> {
        self.0.client_addr.as_deref()
    }

    /// Details of the action, as a JSON object in a string.
    async fn detail(&self) -> &str {
        &self.0.detail
    }
}

crate::connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntryObject,
    entity::audit_log::Entity,
    "A page of the audit trail, newest first."
);

/// Narrows `auditLog`; conditions combine with AND.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Who acted.
    pub user_id: Option<ID>,
    /// An exact action (`read:case`), or every action starting with a prefix ending in `*`
    /// (`mutation:*`, `mutation:transitionCase:*`).
    pub action: Option<String>,
    /// The object acted on: a global ID (e.g. a `Case` or `JointCall` id) or a raw UUID as
    /// `AuditEntry.targetId` gives it.
    pub target_id: Option<ID>,
    /// At or after this instant.
    pub from: Option<DateTime>,
    /// At or before this instant.
    pub to: Option<DateTime>,
}

/// A target given as a global ID or as the raw UUID that `targetId` returns.
fn target(id: &ID) -> Result<Uuid, AppError> {
    ids::decode_any(id, "filter.targetId")
        .map(|(_, key)| key)
        .or_else(|err| Uuid::try_parse(id.trim()).map_err(|_| err))
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail (审计日志), newest first: every change made through the API and every
    /// read of a case by a court trainee. Admins only; anyone else is `FORBIDDEN`.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let p = principal(ctx)?;
        let f = filter.unwrap_or_default();
        let parsed = ParsedFilter {
            user_id: f.user_id.as_ref().map(|id| ids::decode(id, ids::Kind::User, "filter.userId")).transpose()?,
            action: f.action,
            target_id: f.target_id.as_ref().map(target).transpose()?,
            from: f.from.as_ref().map(|t| t.get("filter.from")).transpose()?,
            to: f.to.as_ref().map(|t| t.get("filter.to")).transpose()?,
        };
        let (rows, info, cond) = super::list(&state(ctx)?.db, p, &parsed, first, after.as_deref()).await?;
        Ok(AuditEntryConnection::new(rows.into_iter().map(|(c, a)| (c, AuditEntryObject(a))).collect(), info, cond))
    }
}
