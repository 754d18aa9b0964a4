//! Administration: users (with their certificates), departments, and the matter catalogue with
//! its town empowerments. Admin only; each call is one transaction with its audit row, in force
//! at once (the principal is read from the database on every request and socket operation).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{DepartmentKind, Role};
use entity::{case, department, matter, matter_empowerment, transfer, user, user_role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use super::certificates::{self, NewCertificate};
use crate::auth::Principal;
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};

fn admin(p: &Principal) -> AppResult<()> {
    if p.is_admin() { Ok(()) } else { Err(AppError::Forbidden("only an admin administers the organisation".into())) }
}

/// A unique index refused the row: someone else took the code or login first.
fn unique(err: DbErr, what: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!("{what} is taken")),
        _ => err.into(),
    }
}

/// A required text: trimmed, 1 to `max` characters.
fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::bad_input(field, format!("1 to {max} characters are required")));
    }
    Ok(v.to_string())
}

/// A code or login: 1 to 64 of ASCII letters, digits, `.`, `_` and `-`.
fn code(field: &str, value: &str) -> AppResult<String> {
    let v = text(field, value, 64)?;
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(AppError::bad_input(field, "only ASCII letters, digits, '.', '_' and '-'"));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Users

/// `createUser`, parsed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub department_id: Uuid,
    pub roles: Vec<Role>,
    pub certificate: Option<NewCertificate>,
}

/// `updateUser`, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub department_id: Option<Uuid>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

async fn department_for(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<department::Model> {
    department::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::bad_input("departmentId", "no such department"))
}

/// Roles that belong to one kind of department: a town officer files in its team's town, bureau
/// officers and legal reviewers work for the bureau.
fn check_roles(roles: &[Role], dept: &department::Model) -> AppResult<Vec<Role>> {
    let mut roles = roles.to_vec();
    roles.sort_by_key(|r| r.as_str());
    roles.dedup();
    if roles.is_empty() {
        return Err(AppError::bad_input("roles", "a user has at least one role"));
    }
    for role in &roles {
        let needs = match role {
            Role::TownOfficer => Some(DepartmentKind::TownTeam),
            Role::BureauOfficer | Role::LegalReviewer => Some(DepartmentKind::Bureau),
            _ => None,
        };
        if needs.is_some_and(|k| k != dept.kind) {
            return Err(AppError::bad_input(
                "roles",
                format!("{} belongs to a department of kind {}", role.as_str(), needs.map_or("", |k| k.as_str())),
            ));
        }
    }
    Ok(roles)
}

async fn set_roles(txn: &impl ConnectionTrait, user_id: Uuid, roles: &[Role]) -> AppResult<()> {
    user_role::Entity::delete_many().filter(user_role::Column::UserId.eq(user_id)).exec(txn).await?;
    if !roles.is_empty() {
        user_role::Entity::insert_many(
            roles.iter().map(|r| user_role::ActiveModel { user_id: Set(user_id), role: Set(*r) }),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

pub async fn create_user(db: &DatabaseConnection, p: &Principal, input: NewUser) -> AppResult<user::Model> {
    admin(p)?;
    let login = code("login", &input.login)?.to_lowercase();
    let name = text("name", &input.name, 100)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let dept = department_for(&txn, input.department_id).await?;
    let roles = check_roles(&input.roles, &dept)?;
    if user::Entity::find().filter(user::Column::Login.eq(login.as_str())).count(&txn).await? > 0 {
        return Err(AppError::Conflict(format!("the login {login} is taken")));
    }
    let model = user::Model {
        id: Uuid::now_v7(),
        search_text: format!("{login} {name}").to_lowercase(),
        login,
        name,
        department_id: dept.id,
        certificate_no: None,
        certificate_valid_until: None,
        active: true,
        // A new officer joins today (the year's new officers).
        joined_on: Some(local_date(now)),
        left_on: None,
        created_at: now,
    };
    user::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique(e, "the login"))?;
    set_roles(&txn, model.id, &roles).await?;
    let model = match &input.certificate {
        Some(c) => certificates::add(&txn, model, c, now).await?.0,
        None => model,
    };
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:createUser",
        &[model.id],
        serde_json::json!({
            "login": model.login,
            "departmentId": model.department_id,
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "certificate": input.certificate.as_ref().map(|c| &c.number),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update_user(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    changes: UserChanges,
) -> AppResult<user::Model> {
    admin(p)?;
    let name = changes.name.as_deref().map(|n| text("name", n, 100)).transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let before = user::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| AppError::not_found("user"))?;
    let dept = department_for(&txn, changes.department_id.unwrap_or(before.department_id)).await?;
    let current: Vec<Role> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect();
    let roles = match &changes.roles {
        Some(r) => check_roles(r, &dept)?,
        // A move to another department re-checks the roles the user keeps.
        None if dept.id != before.department_id => check_roles(&current, &dept)?,
        None => current.clone(),
    };
    if id == p.user_id {
        if changes.active == Some(false) {
            return Err(AppError::bad_input("active", "an admin does not deactivate itself"));
        }
        if !roles.contains(&Role::Admin) {
            return Err(AppError::bad_input("roles", "an admin does not take its own ADMIN role away"));
        }
    }
    let mut changed: Vec<&str> = Vec::new();
    let mut active = before.clone().into_active_model();
    if let Some(n) = name.filter(|n| *n != before.name) {
        active.search_text = Set(format!("{} {n}", before.login).to_lowercase());
        active.name = Set(n);
        changed.push("name");
    }
    if dept.id != before.department_id {
        active.department_id = Set(dept.id);
        changed.push("departmentId");
    }
    if let Some(a) = changes.active.filter(|a| *a != before.active) {
        active.active = Set(a);
        // The day of leaving keeps a past year's roll as it was (`certificateRate`); coming back
        // clears it.
        active.left_on = Set((!a).then(|| local_date(Utc::now())));
        changed.push("active");
    }
    let mut sorted = current;
    sorted.sort_by_key(|r| r.as_str());
    if roles != sorted {
        set_roles(&txn, id, &roles).await?;
        changed.push("roles");
    }
    let after = if active.is_changed() { active.update(&txn).await? } else { before };
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:updateUser",
        &[id],
        serde_json::json!({
            "changed": changed,
            "active": after.active,
            "leftOn": after.left_on,
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// `addCertificate`: a certificate joins the user's history (the old ones are kept); the
/// user's current certificate follows.
pub async fn add_certificate(
    db: &DatabaseConnection,
    p: &Principal,
    user_id: Uuid,
    cert: NewCertificate,
) -> AppResult<user::Model> {
    admin(p)?;
    let txn = crate::db::begin_write(db).await?;
    let user = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or_else(|| AppError::not_found("user"))?;
    let (user, added) = certificates::add(&txn, user, &cert, Utc::now()).await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:addCertificate",
        &[user.id],
        serde_json::json!({
            "number": cert.number,
            "validFrom": cert.valid_from,
            "validUntil": cert.valid_until,
            "added": added,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

// ---------------------------------------------------------------------------------------------
// Departments

/// `DepartmentInput`, parsed.
#[derive(Debug, Clone)]
pub struct DepartmentSpec {
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub town: Option<String>,
}

impl DepartmentSpec {
    pub fn parse(code_in: &str, name: &str, kind: DepartmentKind, town: Option<&str>) -> AppResult<Self> {
        let code = code("code", code_in)?;
        let name = text("name", name, 100)?;
        let town = town.map(str::trim).filter(|t| !t.is_empty());
        let town = match (kind, town) {
            (DepartmentKind::TownTeam, None) => {
                return Err(AppError::bad_input("town", "a town team names the town or street it serves"));
            }
            (DepartmentKind::TownTeam, Some(t)) => Some(text("town", t, 50)?),
            (_, Some(_)) => return Err(AppError::bad_input("town", "only a town team serves a town")),
            (_, None) => None,
        };
        Ok(Self { code, name, kind, town })
    }

    /// The prefix of the department's case numbers: 洞北岙执 for the 北岙街道 team, the code
    /// otherwise (an admin's department seldom files cases).
    fn case_prefix(&self) -> String {
        match &self.town {
            Some(t) => {
                let place: String =
                    t.trim_end_matches("街道").trim_end_matches('镇').trim_end_matches('乡').chars().take(2).collect();
                format!("洞{place}执")
            }
            None => self.code.clone(),
        }
    }
}

async fn check_department(txn: &impl ConnectionTrait, spec: &DepartmentSpec, id: Option<Uuid>) -> AppResult<()> {
    let other = |col: department::Column, v: &str| {
        let mut q = department::Entity::find().filter(col.eq(v));
        if let Some(id) = id {
            q = q.filter(department::Column::Id.ne(id));
        }
        q
    };
    if other(department::Column::Code, &spec.code).count(txn).await? > 0 {
        return Err(AppError::Conflict(format!("the department code {} is taken", spec.code)));
    }
    if let Some(t) = &spec.town {
        let teams = other(department::Column::Town, t)
            .filter(department::Column::Kind.eq(DepartmentKind::TownTeam))
            .count(txn)
            .await?;
        if teams > 0 {
            return Err(AppError::Conflict(format!("{t} already has a town team")));
        }
    }
    Ok(())
}

pub async fn create_department(
    db: &DatabaseConnection,
    p: &Principal,
    spec: DepartmentSpec,
) -> AppResult<department::Model> {
    admin(p)?;
    let txn = crate::db::begin_write(db).await?;
    check_department(&txn, &spec, None).await?;
    let model = department::Model {
        id: Uuid::now_v7(),
        case_prefix: spec.case_prefix(),
        code: spec.code,
        name: spec.name,
        kind: spec.kind,
        town: spec.town,
        created_at: Utc::now(),
    };
    department::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique(e, "the department code"))?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:createDepartment",
        &[model.id],
        serde_json::json!({ "code": model.code, "kind": model.kind.as_str(), "town": model.town }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update_department(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    spec: DepartmentSpec,
) -> AppResult<department::Model> {
    admin(p)?;
    let txn = crate::db::begin_write(db).await?;
    let before =
        department::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| AppError::not_found("department"))?;
    check_department(&txn, &spec, Some(id)).await?;
    if spec.kind != before.kind {
        // Users whose roles need the old kind would be left in a department they cannot work in.
        let members = user::Entity::find().filter(user::Column::DepartmentId.eq(id)).all(&txn).await?;
        let ids: Vec<Uuid> = members.iter().map(|u| u.id).collect();
        let roles = user_role::Entity::find().filter(user_role::Column::UserId.is_in(ids)).all(&txn).await?;
        let bound =
            roles.iter().any(|r| matches!(r.role, Role::TownOfficer | Role::BureauOfficer | Role::LegalReviewer));
        if bound {
            return Err(AppError::Conflict("the department's officers hold roles of its present kind".into()));
        }
    }
    let mut changed: Vec<&str> = Vec::new();
    if spec.code != before.code {
        // Case numbers are counted per department code: the series moves with the code.
        entity::counter::Entity::update_many()
            .col_expr(entity::counter::Column::Scope, Expr::value(spec.code.clone()))
            .filter(entity::counter::Column::Scope.eq(before.code.as_str()))
            .exec(&txn)
            .await?;
        changed.push("code");
    }
    let mut active = before.clone().into_active_model();
    active.code = Set(spec.code.clone());
    if spec.name != before.name {
        changed.push("name");
    }
    if spec.kind != before.kind {
        changed.push("kind");
    }
    if spec.town != before.town {
        changed.push("town");
    }
    active.name = Set(spec.name);
    active.kind = Set(spec.kind);
    active.town = Set(spec.town);
    let after = if active.is_changed() {
        active.update(&txn).await.map_err(|e| unique(e, "the department code"))?
    } else {
        before
    };
    crate::audit::write(&txn, Some(p), "mutation:updateDepartment", &[id], serde_json::json!({ "changed": changed }))
        .await?;
    txn.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Matters

/// The discretion benchmark (裁量基准) of a matter, fen; `None` = no bound on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FineRange {
    pub person_min: Option<i64>,
    pub person_max: Option<i64>,
    pub organization_min: Option<i64>,
    pub organization_max: Option<i64>,
}

impl FineRange {
    pub fn of(m: &matter::Model) -> Self {
        Self {
            person_min: m.fine_person_min_fen,
            person_max: m.fine_person_max_fen,
            organization_min: m.fine_org_min_fen,
            organization_max: m.fine_org_max_fen,
        }
    }

    pub fn is_unbounded(&self) -> bool {
        *self == Self::default()
    }

    /// Each bound at least zero, each minimum at most its maximum; `prefix` is the input path
    /// (`fineRange`).
    pub fn check(&self, prefix: &str) -> AppResult<()> {
        let bounds = [
            ("personMin", self.person_min),
            ("personMax", self.person_max),
            ("organizationMin", self.organization_min),
            ("organizationMax", self.organization_max),
        ];
        for (name, v) in bounds {
            if v.is_some_and(|v| v < 0) {
                return Err(AppError::bad_input(format!("{prefix}.{name}"), "a bound is never negative"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.person_min, self.person_max)
            && lo > hi
        {
            return Err(AppError::bad_input(format!("{prefix}.personMax"), "the maximum is below the minimum"));
        }
        if let (Some(lo), Some(hi)) = (self.organization_min, self.organization_max)
            && lo > hi
        {
            return Err(AppError::bad_input(format!("{prefix}.organizationMax"), "the maximum is below the minimum"));
        }
        Ok(())
    }
}

/// `MatterInput`, parsed. `fine_range: None` keeps the matter's range (a new matter: none);
/// `active: None` keeps the flag (a new matter: active).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterSpec {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub legal_basis: String,
    pub penalty_basis: String,
    pub fine_range: Option<FineRange>,
    pub active: Option<bool>,
}

impl MatterSpec {
    /// Trims and checks every field; errors name the input field (`code`, `fineRange.personMax`).
    pub fn check(self) -> AppResult<Self> {
        let code = text("code", &self.code, 32)?;
        if code.chars().any(char::is_whitespace) {
            return Err(AppError::bad_input("code", "a matter code has no spaces"));
        }
        if let Some(r) = &self.fine_range {
            r.check("fineRange")?;
        }
        Ok(Self {
            code,
            name: text("name", &self.name, 200)?,
            domain: text("domain", &self.domain, 50)?,
            legal_basis: text("legalBasis", &self.legal_basis, 1000)?,
            penalty_basis: text("penaltyBasis", &self.penalty_basis, 1000)?,
            fine_range: self.fine_range,
            active: self.active,
        })
    }
}

/// What writing a matter changed: created, or the names of the changed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatterChange {
    Created,
    Updated(Vec<&'static str>),
}

impl MatterChange {
    pub fn is_change(&self) -> bool {
        !matches!(self, MatterChange::Updated(f) if f.is_empty())
    }
}

/// Creates (`existing: None`) or updates a matter inside the caller's transaction, unique by
/// code (`CONFLICT`). A code in use by cases or transfers stays: those rows name it.
pub(crate) async fn write_matter(
    txn: &impl ConnectionTrait,
    existing: Option<matter::Model>,
    spec: &MatterSpec,
    now: DateTime<Utc>,
) -> AppResult<(matter::Model, MatterChange)> {
    let mut taken = matter::Entity::find().filter(matter::Column::Code.eq(spec.code.as_str()));
    if let Some(m) = &existing {
        taken = taken.filter(matter::Column::Id.ne(m.id));
    }
    if taken.count(txn).await? > 0 {
        return Err(AppError::Conflict(format!("the matter code {} is taken", spec.code)));
    }
    let range = spec.fine_range.unwrap_or_else(|| existing.as_ref().map(FineRange::of).unwrap_or_default());
    let Some(before) = existing else {
        let model = matter::Model {
            id: Uuid::now_v7(),
            code: spec.code.clone(),
            name: spec.name.clone(),
            domain: spec.domain.clone(),
            legal_basis: spec.legal_basis.clone(),
            penalty_basis: spec.penalty_basis.clone(),
            fine_person_min_fen: range.person_min,
            fine_person_max_fen: range.person_max,
            fine_org_min_fen: range.organization_min,
            fine_org_max_fen: range.organization_max,
            active: spec.active.unwrap_or(true),
            created_at: now,
        };
        matter::Entity::insert(model.clone().into_active_model())
            .exec_without_returning(txn)
            .await
            .map_err(|e| unique(e, "the matter code"))?;
        return Ok((model, MatterChange::Created));
    };
    let mut changed = Vec::new();
    if spec.code != before.code {
        let cases = case::Entity::find().filter(case::Column::MatterId.eq(before.id)).count(txn).await?;
        let transfers =
            transfer::Entity::find().filter(transfer::Column::MatterCode.eq(before.code.as_str())).count(txn).await?;
        if cases + transfers > 0 {
            return Err(AppError::Conflict(format!(
                "cases or transfers are filed under {}: its code stays (correct the name instead)",
                before.code
            )));
        }
        changed.push("code");
    }
    let mut active = before.clone().into_active_model();
    let mut set_text = |field: &'static str, old: &str, new: &str| (old != new).then(|| changed.push(field));
    let name = set_text("name", &before.name, &spec.name).map(|_| spec.name.clone());
    let domain = set_text("domain", &before.domain, &spec.domain).map(|_| spec.domain.clone());
    let legal = set_text("legalBasis", &before.legal_basis, &spec.legal_basis).map(|_| spec.legal_basis.clone());
    let penalty =
        set_text("penaltyBasis", &before.penalty_basis, &spec.penalty_basis).map(|_| spec.penalty_basis.clone());
    active.code = Set(spec.code.clone());
    if let Some(v) = name {
        active.name = Set(v);
    }
    if let Some(v) = domain {
        active.domain = Set(v);
    }
    if let Some(v) = legal {
        active.legal_basis = Set(v);
    }
    if let Some(v) = penalty {
        active.penalty_basis = Set(v);
    }
    if range != FineRange::of(&before) {
        changed.push("fineRange");
        active.fine_person_min_fen = Set(range.person_min);
        active.fine_person_max_fen = Set(range.person_max);
        active.fine_org_min_fen = Set(range.organization_min);
        active.fine_org_max_fen = Set(range.organization_max);
    }
    if let Some(a) = spec.active.filter(|a| *a != before.active) {
        changed.push("active");
        active.active = Set(a);
    }
    let after =
        if changed.is_empty() { before } else { active.update(txn).await.map_err(|e| unique(e, "the matter code"))? };
    Ok((after, MatterChange::Updated(changed)))
}

pub async fn create_matter(db: &DatabaseConnection, p: &Principal, spec: MatterSpec) -> AppResult<matter::Model> {
    admin(p)?;
    let spec = spec.check()?;
    let txn = crate::db::begin_write(db).await?;
    let (model, _) = write_matter(&txn, None, &spec, Utc::now()).await?;
    crate::audit::write(&txn, Some(p), "mutation:createMatter", &[model.id], serde_json::json!({ "code": model.code }))
        .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update_matter(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    spec: MatterSpec,
) -> AppResult<matter::Model> {
    admin(p)?;
    let spec = spec.check()?;
    let txn = crate::db::begin_write(db).await?;
    let before = matter::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| AppError::not_found("matter"))?;
    let (model, change) = write_matter(&txn, Some(before), &spec, Utc::now()).await?;
    let changed = match change {
        MatterChange::Updated(f) => f,
        MatterChange::Created => Vec::new(),
    };
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:updateMatter",
        &[model.id],
        serde_json::json!({ "code": model.code, "changed": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The towns and streets of the district: those the town teams serve.
pub async fn towns(conn: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    let teams = department::Entity::find()
        .filter(department::Column::Kind.eq(DepartmentKind::TownTeam))
        .order_by_asc(department::Column::Code)
        .all(conn)
        .await?;
    Ok(teams.into_iter().filter_map(|d| d.town).collect())
}

/// Whether two periods (inclusive; `None` = open-ended) overlap or touch.
fn meets(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    let ends_before =
        |end: Option<NaiveDate>, start: NaiveDate| end.is_some_and(|e| e.succ_opt().is_some_and(|n| n < start));
    !ends_before(a.1, b.0) && !ends_before(b.1, a.0)
}

/// Empowers `town` with a matter from `from` until `until` (inclusive; open when `None`) inside
/// the caller's transaction. Periods of the town that overlap or touch the new one merge with
/// it into one; a period already covered changes nothing. Returns whether anything changed.
pub(crate) async fn write_empowerment(
    txn: &impl ConnectionTrait,
    matter_id: Uuid,
    town: &str,
    from: NaiveDate,
    until: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let rows = matter_empowerment::Entity::find()
        .filter(matter_empowerment::Column::MatterId.eq(matter_id))
        .filter(matter_empowerment::Column::Town.eq(town))
        .order_by_asc(matter_empowerment::Column::ValidFrom)
        .all(txn)
        .await?;
    let touching: Vec<&matter_empowerment::Model> =
        rows.iter().filter(|e| meets((e.valid_from, e.valid_until), (from, until))).collect();
    let start = touching.iter().map(|e| e.valid_from).chain([from]).min().unwrap_or(from);
    let end = if until.is_none() || touching.iter().any(|e| e.valid_until.is_none()) {
        None
    } else {
        touching.iter().filter_map(|e| e.valid_until).chain(until).max()
    };
    if let [one] = touching.as_slice()
        && one.valid_from == start
        && one.valid_until == end
    {
        return Ok(false);
    }
    match touching.split_first() {
        Some((first, rest)) => {
            let ids: Vec<Uuid> = rest.iter().map(|e| e.id).collect();
            if !ids.is_empty() {
                matter_empowerment::Entity::delete_many()
                    .filter(matter_empowerment::Column::Id.is_in(ids))
                    .exec(txn)
                    .await?;
            }
            let mut row = (*first).clone().into_active_model();
            row.valid_from = Set(start);
            row.valid_until = Set(end);
            row.update(txn).await?;
        }
        None => {
            matter_empowerment::ActiveModel {
                id: Set(Uuid::now_v7()),
                matter_id: Set(matter_id),
                town: Set(town.to_string()),
                valid_from: Set(start),
                valid_until: Set(end),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(true)
}

async fn check_town(txn: &impl ConnectionTrait, town: &str) -> AppResult<String> {
    let town = town.trim();
    if !towns(txn).await?.iter().any(|t| t == town) {
        return Err(AppError::bad_input("town", "not a town or street served by a town team"));
    }
    Ok(town.to_string())
}

/// `empowerMatter`: 赋权 a town with a matter from `from` (until `until`, inclusive).
pub async fn empower_matter(
    db: &DatabaseConnection,
    p: &Principal,
    matter_id: Uuid,
    town: &str,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> AppResult<matter::Model> {
    admin(p)?;
    if until.is_some_and(|u| u < from) {
        return Err(AppError::bad_input("until", "an empowerment ends on or after the day it starts"));
    }
    let txn = crate::db::begin_write(db).await?;
    let m = matter::Entity::find_by_id(matter_id).one(&txn).await?.ok_or_else(|| AppError::not_found("matter"))?;
    let town = check_town(&txn, town).await?;
    let changed = write_empowerment(&txn, m.id, &town, from, until, Utc::now()).await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:empowerMatter",
        &[m.id],
        serde_json::json!({ "town": town, "from": from, "until": until, "changed": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// `endEmpowerment`: the town holds the matter no longer after `until`. An open period or one
/// running past `until` ends then; a period that would only start after it is dropped.
pub async fn end_empowerment(
    db: &DatabaseConnection,
    p: &Principal,
    matter_id: Uuid,
    town: &str,
    until: NaiveDate,
) -> AppResult<matter::Model> {
    admin(p)?;
    let txn = crate::db::begin_write(db).await?;
    let m = matter::Entity::find_by_id(matter_id).one(&txn).await?.ok_or_else(|| AppError::not_found("matter"))?;
    let town = check_town(&txn, town).await?;
    let rows = matter_empowerment::Entity::find()
        .filter(matter_empowerment::Column::MatterId.eq(m.id))
        .filter(matter_empowerment::Column::Town.eq(town.as_str()))
        .all(&txn)
        .await?;
    if rows.is_empty() {
        return Err(AppError::bad_input("town", "the town never held this matter"));
    }
    let mut ended = 0;
    let mut dropped = Vec::new();
    for e in rows {
        if e.valid_from > until {
            dropped.push(e.id);
        } else if e.valid_until.is_none_or(|u| u > until) {
            let mut row = e.into_active_model();
            row.valid_until = Set(Some(until));
            row.update(&txn).await?;
            ended += 1;
        }
    }
    if !dropped.is_empty() {
        matter_empowerment::Entity::delete_many()
            .filter(matter_empowerment::Column::Id.is_in(dropped.clone()))
            .exec(&txn)
            .await?;
    }
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:endEmpowerment",
        &[m.id],
        serde_json::json!({ "town": town, "until": until, "ended": ended, "dropped": dropped.len() }),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_meet_when_they_overlap_or_touch() {
        let p = |a: &str, b: Option<&str>| (d(a), b.map(d));
        assert!(meets(p("2024-01-01", Some("2024-06-30")), p("2024-07-01", None)), "touching");
        assert!(!meets(p("2024-01-01", Some("2024-06-29")), p("2024-07-01", None)), "a day apart");
        assert!(meets(p("2024-01-01", None), p("2030-01-01", Some("2030-01-02"))));
        assert!(meets(p("2024-03-01", Some("2024-03-31")), p("2024-01-01", Some("2024-12-31"))));
    }

    #[test]
    fn fine_ranges_name_the_offending_bound() {
        let bad = FineRange { person_min: Some(500), person_max: Some(100), ..Default::default() };
        let err = bad.check("fineRange").expect_err("min above max");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "fineRange.personMax"), "{err:?}");
        let bad = FineRange { organization_min: Some(-1), ..Default::default() };
        let err = bad.check("fineRange").expect_err("negative");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "fineRange.organizationMin"));
        assert!(FineRange { person_max: Some(0), ..Default::default() }.check("fineRange").is_ok());
        assert!(FineRange::default().is_unbounded());
    }

    #[test]
    fn a_town_team_needs_its_town() {
        let err = DepartmentSpec::parse("town-x", "X", DepartmentKind::TownTeam, None).expect_err("no town");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "town"));
        let err = DepartmentSpec::parse("line-x", "X", DepartmentKind::LineDepartment, Some("北岙街道"))
            .expect_err("town of a line department");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "town"));
        let ok = DepartmentSpec::parse("town-x", "X", DepartmentKind::TownTeam, Some("霓屿街道")).expect("ok");
        assert_eq!(ok.case_prefix(), "洞霓屿执");
        let err = DepartmentSpec::parse("bad code", "X", DepartmentKind::Bureau, None).expect_err("space");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "code"));
    }
}
