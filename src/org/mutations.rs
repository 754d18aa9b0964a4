//! The administration mutations (admin only): users and their certificates, departments, the
//! matter catalogue and its town empowerments.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::admin::{self, DepartmentSpec, FineRange, MatterSpec, NewUser, UserChanges};
use super::certificates::NewCertificate;
use super::schema::{DepartmentKind, DepartmentObject, MatterObject, Role, UserObject};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, Decimal};

/// An enforcement certificate (执法证): valid from `validFrom` to `validUntil`, both inclusive.
#[derive(InputObject)]
pub struct CertificateInput {
    pub number: String,
    pub valid_from: Date,
    pub valid_until: Date,
}

impl CertificateInput {
    /// `path` is the input path (`input` or `input.certificate`), for error fields.
    fn parse(&self, path: &str) -> Result<NewCertificate, AppError> {
        let from = self.valid_from.get(&format!("{path}.validFrom"))?;
        let until = self.valid_until.get(&format!("{path}.validUntil"))?;
        let prefix = path.strip_prefix("input").map_or(path, |rest| rest.trim_start_matches('.'));
        NewCertificate::parse(prefix, &self.number, from, until)
    }
}

/// A new user; with `certificate`, its first enforcement certificate.
#[derive(InputObject)]
pub struct CreateUserInput {
    pub login: String,
    pub name: String,
    pub department_id: ID,
    pub roles: Vec<Role>,
    pub certificate: Option<CertificateInput>,
}

/// Changes to a user; omitted fields stay. `roles` replaces the roles; `active: false`
/// deactivates a leaver (its tokens are refused from the next request on).
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub name: Option<String>,
    pub department_id: Option<ID>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

/// A department; a TOWN_TEAM names the town or street it serves.
#[derive(InputObject)]
pub struct DepartmentInput {
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub town: Option<String>,
}

/// The discretion benchmark (裁量基准) per party kind; an omitted bound is no bound.
#[derive(InputObject)]
pub struct FineRangeInput {
    pub person_min: Option<Decimal>,
    pub person_max: Option<Decimal>,
    pub organization_min: Option<Decimal>,
    pub organization_max: Option<Decimal>,
}

impl FineRangeInput {
    fn parse(&self) -> Result<FineRange, AppError> {
        let fen = |d: &Option<Decimal>, f: &str| d.as_ref().map(|d| d.get(&format!("input.fineRange.{f}"))).transpose();
        Ok(FineRange {
            person_min: fen(&self.person_min, "personMin")?.map(|y| y.fen()),
            person_max: fen(&self.person_max, "personMax")?.map(|y| y.fen()),
            organization_min: fen(&self.organization_min, "organizationMin")?.map(|y| y.fen()),
            organization_max: fen(&self.organization_max, "organizationMax")?.map(|y| y.fen()),
        })
    }
}

/// A catalogue item (执法事项). In `updateMatter`, an omitted `fineRange` keeps the range and
/// `null` clears it; an omitted `active` keeps the flag (a new matter is active).
#[derive(InputObject)]
pub struct MatterInput {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub legal_basis: String,
    pub penalty_basis: String,
    pub fine_range: MaybeUndefined<FineRangeInput>,
    pub active: Option<bool>,
}

impl MatterInput {
    fn parse(&self) -> Result<MatterSpec, AppError> {
        let fine_range = match &self.fine_range {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(FineRange::default()),
            MaybeUndefined::Value(r) => Some(r.parse()?),
        };
        Ok(MatterSpec {
            code: self.code.clone(),
            name: self.name.clone(),
            domain: self.domain.clone(),
            legal_basis: self.legal_basis.clone(),
            penalty_basis: self.penalty_basis.clone(),
            fine_range,
            active: self.active,
        })
    }
}

/// Every administration write moves some figure (officers, certificates, empowerments, the
/// catalogue): after its commit the live statistics are told (`Bus::figures_changed`).
#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    /// Onboards a user (admin only); a duplicate login is `CONFLICT`.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<UserObject> {
        let p = principal(ctx)?;
        let new = NewUser {
            login: input.login,
            name: input.name,
            department_id: ids::decode(&input.department_id, Kind::Department, "input.departmentId")?,
            roles: input.roles.into_iter().map(Into::into).collect(),
            certificate: input.certificate.as_ref().map(|c| c.parse("input.certificate")).transpose()?,
        };
        let s = state(ctx)?;
        let out = UserObject(admin::create_user(&s.db, p, new).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// Changes a user (admin only): name, department, roles (replaced), `active: false` for a
    /// leaver, in force at once.
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<UserObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::User, "id")?;
        let changes = UserChanges {
            name: input.name,
            department_id: input
                .department_id
                .as_ref()
                .map(|d| ids::decode(d, Kind::Department, "input.departmentId"))
                .transpose()?,
            roles: input.roles.map(|r| r.into_iter().map(Into::into).collect()),
            active: input.active,
        };
        let s = state(ctx)?;
        let out = UserObject(admin::update_user(&s.db, p, id, changes).await?);
        s.bus.figures_changed(&s.db);
        // Deactivation, roles and department apply at once, to open subscriptions too.
        s.bus.users_changed(&s.db);
        Ok(out)
    }

    /// Adds a certificate to a user's history (admin only); the current certificate follows.
    async fn add_certificate(&self, ctx: &Context<'_>, user_id: ID, input: CertificateInput) -> Result<UserObject> {
        let p = principal(ctx)?;
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        let cert = input.parse("input")?;
        let s = state(ctx)?;
        let out = UserObject(admin::add_certificate(&s.db, p, user_id, cert).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// Creates a department (admin only); a duplicate code is `CONFLICT`.
    async fn create_department(&self, ctx: &Context<'_>, input: DepartmentInput) -> Result<DepartmentObject> {
        let p = principal(ctx)?;
        let spec = DepartmentSpec::parse(&input.code, &input.name, input.kind.into(), input.town.as_deref())?;
        let s = state(ctx)?;
        let out = DepartmentObject(admin::create_department(&s.db, p, spec).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// Changes a department (admin only).
    async fn update_department(&self, ctx: &Context<'_>, id: ID, input: DepartmentInput) -> Result<DepartmentObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Department, "id")?;
        let spec = DepartmentSpec::parse(&input.code, &input.name, input.kind.into(), input.town.as_deref())?;
        let s = state(ctx)?;
        let out = DepartmentObject(admin::update_department(&s.db, p, id, spec).await?);
        s.bus.figures_changed(&s.db);
        // A department's kind and town are part of its users' access.
        s.bus.users_changed(&s.db);
        Ok(out)
    }

    /// Adds a matter to the catalogue (admin only); a duplicate code is `CONFLICT`.
    async fn create_matter(&self, ctx: &Context<'_>, input: MatterInput) -> Result<MatterObject> {
        let p = principal(ctx)?;
        let spec = input.parse()?;
        let s = state(ctx)?;
        let out = MatterObject(admin::create_matter(&s.db, p, spec).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// Corrects a matter (admin only).
    async fn update_matter(&self, ctx: &Context<'_>, id: ID, input: MatterInput) -> Result<MatterObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Matter, "id")?;
        let spec = input.parse()?;
        let s = state(ctx)?;
        let out = MatterObject(admin::update_matter(&s.db, p, id, spec).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// 赋权: `town` holds the matter from `from` until `until` (inclusive; open when null).
    /// Overlapping or adjacent periods of the town merge.
    async fn empower_matter(
        &self,
        ctx: &Context<'_>,
        matter_id: ID,
        town: String,
        from: Date,
        until: Option<Date>,
    ) -> Result<MatterObject> {
        let p = principal(ctx)?;
        let matter_id = ids::decode(&matter_id, Kind::Matter, "matterId")?;
        let from = from.get("from")?;
        let until = until.as_ref().map(|u| u.get("until")).transpose()?;
        let s = state(ctx)?;
        let out = MatterObject(admin::empower_matter(&s.db, p, matter_id, &town, from, until).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }

    /// Ends a town's empowerment on `until` (the last day it holds the matter).
    async fn end_empowerment(
        &self,
        ctx: &Context<'_>,
        matter_id: ID,
        town: String,
        until: Date,
    ) -> Result<MatterObject> {
        let p = principal(ctx)?;
        let matter_id = ids::decode(&matter_id, Kind::Matter, "matterId")?;
        let until = until.get("until")?;
        let s = state(ctx)?;
        let out = MatterObject(admin::end_empowerment(&s.db, p, matter_id, &town, until).await?);
        s.bus.figures_changed(&s.db);
        Ok(out)
    }
}
