//! The GraphQL face of joint enforcement calls: `JointCall`, `JointCallAnswer`, `jointCalls`,
//! `callJointEnforcement`, `reportToJointCall`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use entity::{department, joint_call, joint_call_department};
use uuid::Uuid;

use super::service::{self, CallFilter, NewCall, Report};
use crate::error::AppError;
use crate::graphql::context::{loaders, principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::DateTime;
use crate::org::schema::DepartmentObject;

/// 街道吹哨 (joint enforcement call): a town team calls named departments to a place and time
/// for a reason; each called department answers (部门报到) with whom it sends.
pub struct JointCallObject(pub joint_call::Model);

/// One called department and its answer.
pub struct JointCallAnswerObject {
    answer: joint_call_department::Model,
    department: department::Model,
    respond_by: chrono::DateTime<Utc>,
}

impl JointCallObject {
    /// The called departments with their answers, ordered by department code: the answers
    /// come from one batched query for all calls on the page, their departments from another.
    async fn answers(&self, ctx: &Context<'_>) -> Result<Vec<JointCallAnswerObject>> {
        let rows = loaders(ctx)?.joint_answers.load_one(self.0.id).await.map_err(AppError::from)?.unwrap_or_default();
        let departments =
            loaders(ctx)?.departments.load_many(rows.iter().map(|r| r.department_id)).await.map_err(AppError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for answer in rows {
            let department = departments
                .get(&answer.department_id)
                .cloned()
                .ok_or_else(|| AppError::internal(format_args!("missing department {}", answer.department_id)))?;
            out.push(JointCallAnswerObject { answer, department, respond_by: self.0.respond_by });
        }
        out.sort_by(|a, b| a.department.code.cmp(&b.department.code));
        Ok(out)
    }
}

#[Object(name = "JointCall")]
impl JointCallObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::JointCall, self.0.id)
    }

    /// The town or street of the calling team, e.g. 北岙街道.
    async fn town(&self) -> &str {
        &self.0.town
    }

    /// The calling town team.
    async fn department(&self, ctx: &Context<'_>) -> Result<DepartmentObject> {
        DepartmentObject::load(ctx, self.0.department_id).await
    }

    /// Where the departments meet.
    async fn place(&self) -> &str {
        &self.0.place
    }

    async fn meet_at(&self) -> DateTime {
        self.0.meet_at.into()
    }

    /// Why the town calls: the problem it cannot solve alone.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Called departments answer by then; at the latest `meetAt`.
    async fn respond_by(&self) -> DateTime {
        self.0.respond_by.into()
    }

    /// Every called department with its answer (部门报到), ordered by department code.
    async fn called_departments(&self, ctx: &Context<'_>) -> Result<Vec<JointCallAnswerObject>> {
        self.answers(ctx).await
    }

    /// The called departments that have not answered yet, ordered by code.
    async fn pending(&self, ctx: &Context<'_>) -> Result<Vec<DepartmentObject>> {
        let answers = self.answers(ctx).await?;
        Ok(answers
            .into_iter()
            .filter(|a| a.answer.reported_at.is_none())
            .map(|a| DepartmentObject(a.department))
            .collect())
    }

    /// Whether a called department has not answered and `respondBy` has passed.
    async fn overdue(&self, ctx: &Context<'_>) -> Result<bool> {
        let now = Utc::now();
        Ok(self.answers(ctx).await?.iter().any(|a| service::answer_overdue(&a.answer, a.respond_by, now)))
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[Object(name = "JointCallAnswer")]
impl JointCallAnswerObject {
    /// The called department.
    async fn department(&self) -> DepartmentObject {
        DepartmentObject(self.department.clone())
    }

    /// When the department answered; null until it does.
    async fn reported_at(&self) -> Option<DateTime> {
        self.answer.reported_at.map(Into::into)
    }

    /// Whom or what the department sends (officers, vehicles, equipment).
    async fn sends(&self) -> Option<&str> {
        self.answer.sends.as_deref()
    }

    async fn note(&self) -> Option<&str> {
        self.answer.note.as_deref()
    }

    /// Not answered, and the call's `respondBy` has passed.
    async fn overdue(&self) -> bool {
        service::answer_overdue(&self.answer, self.respond_by, Utc::now())
    }
}

crate::connection!(
    JointCallConnection,
    JointCallEdge,
    JointCallObject,
    entity::joint_call::Entity,
    "A page of joint enforcement calls, newest first."
);

/// Narrows `jointCalls`; conditions combine with AND.
#[derive(InputObject, Default)]
pub struct JointCallFilter {
    /// Calls some called department has not answered yet (`true`), or every one has (`false`).
    pub pending: Option<bool>,
    /// Calls with an answer missing after `respondBy` (`true`), or with none (`false`).
    pub overdue: Option<bool>,
}

/// 街道吹哨: what a town team calls for.
#[derive(InputObject)]
pub struct CallJointEnforcementInput {
    /// The departments called: at least one, existing, not the calling team itself.
    pub department_ids: Vec<ID>,
    /// Where to meet.
    pub place: String,
    /// When to meet; in the future.
    pub meet_at: DateTime,
    pub reason: String,
    /// The deadline for answers: in the future and not after `meetAt`, which it defaults to.
    pub respond_by: Option<DateTime>,
}

/// A call the caller may see (`node(id)`).
pub async fn call_by_id(ctx: &Context<'_>, id: Uuid) -> Result<JointCallObject, AppError> {
    Ok(JointCallObject(service::get(&state(ctx)?.db, principal(ctx)?, id).await?))
}

#[derive(Default)]
pub struct JointQuery;

#[Object]
impl JointQuery {
    /// 街道吹哨、部门报到: joint enforcement calls, newest first. A town team sees the calls it
    /// made, a department the calls it was called to, admins and bureau officers every call.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn joint_calls(
        &self,
        ctx: &Context<'_>,
        filter: Option<JointCallFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<JointCallConnection> {
        let p = principal(ctx)?;
        let f = filter.unwrap_or_default();
        let parsed = CallFilter { pending: f.pending, overdue: f.overdue };
        let (rows, info, cond) =
            service::list(&state(ctx)?.db, p, Utc::now(), &parsed, first, after.as_deref()).await?;
        Ok(JointCallConnection::new(rows.into_iter().map(|(c, m)| (c, JointCallObject(m))).collect(), info, cond))
    }
}

#[derive(Default)]
pub struct JointMutation;

#[Object]
impl JointMutation {
    /// 街道吹哨: a town team's officer calls departments to a place and time. `BAD_USER_INPUT`
    /// names the field: no or an unknown department, the team itself, a meeting not in the
    /// future, a `respondBy` after `meetAt`.
    async fn call_joint_enforcement(
        &self,
        ctx: &Context<'_>,
        input: CallJointEnforcementInput,
    ) -> Result<JointCallObject> {
        let p = principal(ctx)?;
        let parsed = NewCall {
            department_ids: input
                .department_ids
                .iter()
                .map(|id| ids::decode(id, Kind::Department, "input.departmentIds"))
                .collect::<Result<Vec<_>, _>>()?,
            place: input.place,
            meet_at: input.meet_at.get("input.meetAt")?,
            reason: input.reason,
            respond_by: input.respond_by.as_ref().map(|t| t.get("input.respondBy")).transpose()?,
        };
        Ok(JointCallObject(service::call(&state(ctx)?.db, p, parsed).await?))
    }

    /// 部门报到: an officer or liaison of a called department answers with whom it sends.
    /// A department that was not called is `FORBIDDEN` (`NOT_FOUND` when it cannot see the
    /// call); a second answer is `CONFLICT`.
    async fn report_to_joint_call(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        sends: String,
        note: Option<String>,
    ) -> Result<JointCallObject> {
        let p = principal(ctx)?;
        let input = Report { call_id: ids::decode(&call_id, Kind::JointCall, "callId")?, sends, note };
        Ok(JointCallObject(service::report(&state(ctx)?.db, p, input).await?))
    }
}
