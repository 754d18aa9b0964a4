//! The GraphQL face of the organisation: `me`, `node`, `departments`, `users`, `matters`.

use async_graphql::{Context, Enum, ID, InputObject, Interface, Object, Result};
use entity::{department, matter, user};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::service::{self, MatterFilter as ParsedMatterFilter, UserFilter as ParsedUserFilter};
use crate::cases::schema::CaseObject;
use crate::domain::Yuan;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, Decimal};
use crate::records::schema::RecordObject;
use crate::transfers::schema::TransferObject;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::DepartmentKind")]
pub enum DepartmentKind {
    /// 区综合行政执法局.
    Bureau,
    /// 镇街执法队.
    TownTeam,
    /// 业务主管部门 (natural resources, housing & construction, provident fund …).
    LineDepartment,
    /// 区人民法院.
    Court,
    /// 区司法局, 市指导办.
    Supervisor,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::Role")]
pub enum Role {
    Admin,
    BureauOfficer,
    LegalReviewer,
    TownOfficer,
    DepartmentLiaison,
    CourtTrainee,
    Dashboard,
}

/// Anything with a global ID.
#[derive(Interface)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per `node` call, returned at once: boxing the case would only add an allocation"
)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Case(CaseObject),
    Department(DepartmentObject),
    User(UserObject),
    Matter(MatterObject),
    Record(RecordObject),
    Transfer(TransferObject),
    FollowCaseEnrollment(crate::follow_case::schema::FollowCaseEnrollmentObject),
    JointCall(crate::joint::schema::JointCallObject),
}

pub struct DepartmentObject(pub department::Model);

impl DepartmentObject {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Self> {
        loaders(ctx)?
            .departments
            .load_one(id)
            .await
            .map_err(AppError::from)?
            .map(Self)
            .ok_or_else(|| AppError::internal(format_args!("missing department {id}")).into())
    }
}

#[Object(name = "Department")]
impl DepartmentObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Department, self.0.id)
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> DepartmentKind {
        self.0.kind.into()
    }

    /// The town or street a town team serves.
    async fn town(&self) -> Option<&str> {
        self.0.town.as_deref()
    }
}

/// A person who works with cases. Certificate fields are shown within the user's own
/// department and to admins only.
pub struct UserObject(pub user::Model);

impl UserObject {
    fn may_see_certificate(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(request(ctx)?.principal.as_ref().is_some_and(|p| p.is_admin() || p.department_id == self.0.department_id))
    }
}

#[Object(name = "User")]
impl UserObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }

    async fn login(&self) -> &str {
        &self.0.login
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn department(&self, ctx: &Context<'_>) -> Result<DepartmentObject> {
        DepartmentObject::load(ctx, self.0.department_id).await
    }

    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let roles = loaders(ctx)?.roles.load_one(self.0.id).await.map_err(AppError::from)?;
        Ok(roles.unwrap_or_default().into_iter().map(Into::into).collect())
    }

    /// 执法证号.
    async fn certificate_no(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if self.may_see_certificate(ctx)? { self.0.certificate_no.as_deref() } else { None })
    }

    async fn certificate_valid_until(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        Ok(if self.may_see_certificate(ctx)? { self.0.certificate_valid_until.map(Into::into) } else { None })
    }

    /// Whether the user holds an enforcement certificate valid today.
    async fn certified(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        let today = request(ctx)?.today;
        Ok(self
            .may_see_certificate(ctx)?
            .then(|| self.0.certificate_no.is_some() && self.0.certificate_valid_until.is_some_and(|d| d >= today)))
    }

    async fn active(&self) -> bool {
        self.0.active
    }

    /// Every enforcement certificate the user held or holds, oldest first (the history; the
    /// current one is `certificateNo`). Shown where `certificateNo` is: within the user's own
    /// department and to admins; empty elsewhere.
    async fn certificates(&self, ctx: &Context<'_>) -> Result<Vec<Certificate>> {
        if !self.may_see_certificate(ctx)? {
            return Ok(Vec::new());
        }
        let rows = loaders(ctx)?.certificates.load_one(self.0.id).await.map_err(AppError::from)?;
        Ok(rows.unwrap_or_default().into_iter().map(Certificate).collect())
    }
}

/// An enforcement certificate (执法证), valid from `validFrom` to `validUntil`, both inclusive.
pub struct Certificate(entity::certificate::Model);

#[Object]
impl Certificate {
    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn valid_from(&self) -> Date {
        self.0.valid_from.into()
    }

    async fn valid_until(&self) -> Date {
        self.0.valid_until.into()
    }
}

/// The discretion benchmark (裁量基准) of a matter per party kind, in yuan; a null bound is no
/// bound.
pub struct FineRange(super::admin::FineRange);

#[Object]
impl FineRange {
    async fn person_min(&self) -> Option<Decimal> {
        self.0.person_min.map(|f| Yuan::from_fen(f).into())
    }

    async fn person_max(&self) -> Option<Decimal> {
        self.0.person_max.map(|f| Yuan::from_fen(f).into())
    }

    async fn organization_min(&self) -> Option<Decimal> {
        self.0.organization_min.map(|f| Yuan::from_fen(f).into())
    }

    async fn organization_max(&self) -> Option<Decimal> {
        self.0.organization_max.map(|f| Yuan::from_fen(f).into())
    }
}

/// 赋权: a town team holds a matter from `from` until `until` (inclusive; open-ended when null).
pub struct Empowerment(entity::matter_empowerment::Model);

#[Object]
impl Empowerment {
    async fn town(&self) -> &str {
        &self.0.town
    }

    async fn from(&self) -> Date {
        self.0.valid_from.into()
    }

    async fn until(&self) -> Option<Date> {
        self.0.valid_until.map(Into::into)
    }
}

/// 执法事项: a catalogue item cases are filed under.
pub struct MatterObject(pub matter::Model);

impl MatterObject {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Self> {
        loaders(ctx)?
            .matters
            .load_one(id)
            .await
            .map_err(AppError::from)?
            .map(Self)
            .ok_or_else(|| AppError::internal(format_args!("missing matter {id}")).into())
    }

    async fn empowerment_rows(&self, ctx: &Context<'_>) -> Result<Vec<entity::matter_empowerment::Model>> {
        Ok(loaders(ctx)?.empowerments.load_one(self.0.id).await.map_err(AppError::from)?.unwrap_or_default())
    }
}

#[Object(name = "Matter")]
impl MatterObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Matter, self.0.id)
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// 市容, 环境卫生, 林业, 招投标, 公积金 …
    async fn domain(&self) -> &str {
        &self.0.domain
    }

    /// The article the matter rests on.
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }

    /// The penalty clause (罚则) the matter's fines are imposed under.
    async fn penalty_basis(&self) -> &str {
        &self.0.penalty_basis
    }

    /// The discretion benchmark (R12); null when the matter has no bound at all.
    async fn fine_range(&self) -> Option<FineRange> {
        let range = super::admin::FineRange::of(&self.0);
        (!range.is_unbounded()).then_some(FineRange(range))
    }

    /// Still in the catalogue: an inactive matter takes no new filings.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Held by at least one town today (赋权镇街).
    async fn empowered_to_towns(&self, ctx: &Context<'_>) -> Result<bool> {
        let today = request(ctx)?.today;
        Ok(self
            .empowerment_rows(ctx)
            .await?
            .iter()
            .any(|e| e.valid_from <= today && e.valid_until.is_none_or(|u| u >= today)))
    }

    /// Which towns hold the matter, and from when.
    async fn empowerments(&self, ctx: &Context<'_>) -> Result<Vec<Empowerment>> {
        Ok(self.empowerment_rows(ctx).await?.into_iter().map(Empowerment).collect())
    }
}

crate::connection!(UserConnection, UserEdge, UserObject, entity::user::Entity, "A page of users.");
crate::connection!(MatterConnection, MatterEdge, MatterObject, entity::matter::Entity, "A page of matters.");

#[derive(InputObject, Default)]
pub struct UserFilter {
    pub department_id: Option<ID>,
    pub role: Option<Role>,
    /// Holds an enforcement certificate valid today.
    pub certified: Option<bool>,
    /// Substring of the login or name.
    pub search: Option<String>,
}

#[derive(InputObject, Default)]
pub struct MatterFilter {
    /// 市容, 林业 …
    pub domain: Option<String>,
    /// Matters empowered to this town today.
    pub town: Option<String>,
    /// Held by any town today.
    pub empowered_to_towns: Option<bool>,
    /// Substring of the code or name.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The caller.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserObject> {
        let p = principal(ctx)?;
        let user = loaders(ctx)?.users.load_one(p.user_id).await.map_err(AppError::from)?;
        Ok(UserObject(user.ok_or_else(AppError::unauthenticated)?))
    }

    /// Any object by its global ID, if the caller may see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (kind, key) = ids::decode_any(&id, "id")?;
        let p = principal(ctx)?;
        let today = request(ctx)?.today;
        let db = &state(ctx)?.db;
        Ok(Some(match kind {
            Kind::Case => Node::Case(crate::cases::schema::case_by_id(ctx, key).await?),
            Kind::Department => {
                Node::Department(DepartmentObject::load(ctx, key).await.map_err(|_| AppError::not_found("department"))?)
            }
            Kind::Matter => {
                Node::Matter(MatterObject::load(ctx, key).await.map_err(|_| AppError::not_found("matter"))?)
            }
            Kind::User => {
                let user = user::Entity::find_by_id(key)
                    .filter(crate::auth::visibility::users(p, today))
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                    .ok_or_else(|| AppError::not_found("user"))?;
                Node::User(UserObject(user))
            }
            Kind::Record => Node::Record(crate::records::schema::record_by_id(ctx, key).await?),
            Kind::Transfer => Node::Transfer(crate::transfers::schema::transfer_by_id(ctx, key).await?),
            Kind::FollowCaseEnrollment => {
                Node::FollowCaseEnrollment(crate::follow_case::schema::enrollment_by_id(ctx, key).await?)
            }
            Kind::JointCall => Node::JointCall(crate::joint::schema::call_by_id(ctx, key).await?),
            // Oversight records are read through their own lists, not as nodes.
            _ => return Err(AppError::not_found("node").into()),
        }))
    }

    /// Every department, bureau first.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<DepartmentObject>> {
        principal(ctx)?;
        let rows = department::Entity::find()
            .order_by_asc(department::Column::Code)
            .all(&state(ctx)?.db)
            .await
            .map_err(AppError::from)?;
        let mut rows: Vec<_> = rows.into_iter().map(DepartmentObject).collect();
        rows.sort_by_key(|d| (d.0.kind != entity::enums::DepartmentKind::Bureau, d.0.kind.as_str(), d.0.code.clone()));
        Ok(rows)
    }

    /// Users the caller may see (its department, and the officers of cases it may see),
    /// ordered by login.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        let p = principal(ctx)?;
        let f = filter.unwrap_or_default();
        let parsed = ParsedUserFilter {
            department_id: f
                .department_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Department, "filter.departmentId"))
                .transpose()?,
            role: f.role.map(Into::into),
            certified: f.certified,
            search: f.search,
        };
        let (rows, info, cond) =
            service::users(&state(ctx)?.db, p, request(ctx)?.today, &parsed, first, after.as_deref()).await?;
        Ok(UserConnection::new(rows.into_iter().map(|(c, u)| (c, UserObject(u))).collect(), info, cond))
    }

    /// The matter catalogue, ordered by code.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn matters(
        &self,
        ctx: &Context<'_>,
        filter: Option<MatterFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MatterConnection> {
        principal(ctx)?;
        let f = filter.unwrap_or_default();
        let parsed = ParsedMatterFilter {
            domain: f.domain,
            town: f.town,
            empowered_to_towns: f.empowered_to_towns,
            search: f.search,
        };
        let (rows, info, cond) =
            service::matters(&state(ctx)?.db, request(ctx)?.today, &parsed, first, after.as_deref()).await?;
        Ok(MatterConnection::new(rows.into_iter().map(|(c, m)| (c, MatterObject(m))).collect(), info, cond))
    }
}
