//! The GraphQL face of follow-case learning: `FollowCaseEnrollment`, `followCaseEnrollments`,
//! `enrollFollowCase`.

use async_graphql::{Context, ID, Object, Result};
use entity::follow_enrollment;
use uuid::Uuid;

use super::service::{self, Enroll};
use crate::cases::schema::CaseObject;
use crate::error::AppError;
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::org::schema::UserObject;

/// 跟案学习 (follow-case learning): a court trainee follows one case read-only, with the
/// party's data anonymised, through the last day of the enrolment.
pub struct FollowCaseEnrollmentObject(pub follow_enrollment::Model);

impl FollowCaseEnrollmentObject {
    async fn user(ctx: &Context<'_>, id: Uuid) -> Result<UserObject> {
        loaders(ctx)?
            .users
            .load_one(id)
            .await
            .map_err(AppError::from)?
            .map(UserObject)
            .ok_or_else(|| AppError::internal(format_args!("enrolment names missing user {id}")).into())
    }
}

#[Object(name = "FollowCaseEnrollment")]
impl FollowCaseEnrollmentObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::FollowCaseEnrollment, self.0.id)
    }

    /// The followed case; null when the caller may not read it (a trainee after the
    /// enrolment's last day).
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        Ok(loaders(ctx)?.cases.load_one(self.0.case_id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// The court trainee. Like a case's officers, the people named on an enrolment the caller
    /// may see are shown by name and department.
    async fn trainee(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Self::user(ctx, self.0.trainee_id).await
    }

    /// The enrolment's last day (Asia/Shanghai calendar date, inclusive); null when open-ended.
    async fn until(&self) -> Option<Date> {
        self.0.valid_until.map(Into::into)
    }

    async fn enrolled_at(&self) -> DateTime {
        self.0.enrolled_at.into()
    }

    /// The admin or bureau officer who enrolled the trainee.
    async fn enrolled_by(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Self::user(ctx, self.0.enrolled_by).await
    }

    /// Whether the trainee may read the case today: `until` is null or not yet passed.
    async fn active(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(service::is_active(&self.0, request(ctx)?.today))
    }
}

crate::connection!(
    FollowCaseEnrollmentConnection,
    FollowCaseEnrollmentEdge,
    FollowCaseEnrollmentObject,
    entity::follow_enrollment::Entity,
    "A page of follow-case enrolments, newest first."
);

/// An enrolment the caller may see (`node(id)`).
pub async fn enrollment_by_id(ctx: &Context<'_>, id: Uuid) -> Result<FollowCaseEnrollmentObject, AppError> {
    let e = service::get(&state(ctx)?.db, principal(ctx)?, request(ctx)?.today, id).await?;
    Ok(FollowCaseEnrollmentObject(e))
}

#[derive(Default)]
pub struct FollowCaseQuery;

#[Object]
impl FollowCaseQuery {
    /// 跟案学习 enrolments, newest first: all of them for an admin, those on the bureau's cases
    /// for a bureau officer, its own (active or expired) for a court trainee, none for others.
    /// `caseId` narrows to one case.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn follow_case_enrollments(
        &self,
        ctx: &Context<'_>,
        case_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<FollowCaseEnrollmentConnection> {
        let p = principal(ctx)?;
        let case_id = case_id.map(|id| ids::decode(&id, Kind::Case, "caseId")).transpose()?;
        let (rows, info, cond) =
            service::list(&state(ctx)?.db, p, request(ctx)?.today, case_id, first, after.as_deref()).await?;
        Ok(FollowCaseEnrollmentConnection::new(
            rows.into_iter().map(|(c, e)| (c, FollowCaseEnrollmentObject(e))).collect(),
            info,
            cond,
        ))
    }
}

#[derive(Default)]
pub struct FollowCaseMutation;

#[Object]
impl FollowCaseMutation {
    /// 跟案学习: enrols a court trainee on a case, read-only and anonymised, through `until`
    /// (an Asia/Shanghai date, inclusive, not in the past; omitted: open-ended). By an admin,
    /// or a bureau officer on a case it may read (an unseen case is `NOT_FOUND`); anyone else
    /// is `FORBIDDEN`. `traineeId` must be an active user with the role COURT_TRAINEE; a second
    /// enrolment of the same trainee on the same case is `CONFLICT`.
    async fn enroll_follow_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        trainee_id: ID,
        until: Option<Date>,
    ) -> Result<FollowCaseEnrollmentObject> {
        let p = principal(ctx)?;
        let input = Enroll {
            case_id: ids::decode(&case_id, Kind::Case, "caseId")?,
            trainee_id: ids::decode(&trainee_id, Kind::User, "traineeId")?,
            until: until.as_ref().map(|d| d.get("until")).transpose()?,
        };
        let model = service::enroll(&state(ctx)?.db, p, input).await?;
        Ok(FollowCaseEnrollmentObject(model))
    }
}
