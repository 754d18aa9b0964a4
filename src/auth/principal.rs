//! The authenticated caller. Roles and department come from the database row, never from the
//! token, so deactivating a user or changing roles takes effect on the next request (requests
//! take it from `principal_cache`, which the change empties).

use entity::enums::{DepartmentKind, Role};
use entity::prelude::{Department, User, UserRole};
use entity::{department, user, user_role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub login: String,
    pub name: String,
    pub department_id: Uuid,
    pub department_kind: DepartmentKind,
    /// The town a town team serves.
    pub town: Option<String>,
    pub roles: Vec<Role>,
    /// Where the request came from, for the audit trail.
    pub client_addr: Option<String>,
}

impl Principal {
    /// Loads an active user by login; unknown or deactivated is `UNAUTHENTICATED`.
    pub async fn load(db: &impl ConnectionTrait, login: &str) -> AppResult<Self> {
        let Some(user) = User::find().filter(user::Column::Login.eq(login)).one(db).await? else {
            return Err(AppError::Unauthenticated("unknown user".into()));
        };
        let Some(dept) = Department::find_by_id(user.department_id).one(db).await? else {
            return Err(AppError::internal(format_args!("user {} has no department", user.id)));
        };
        if !user.active {
            return Err(AppError::Unauthenticated("the user is deactivated".into()));
        }
        let roles = UserRole::find()
            .filter(user_role::Column::UserId.eq(user.id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect();
        Ok(Self::from_rows(user, dept, roles))
    }

    pub fn from_rows(user: user::Model, dept: department::Model, roles: Vec<Role>) -> Self {
        Self {
            user_id: user.id,
            login: user.login,
            name: user.name,
            department_id: dept.id,
            department_kind: dept.kind,
            town: dept.town,
            roles,
            client_addr: None,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// A court trainee with no other role: sees anonymised data only.
    pub fn is_trainee_only(&self) -> bool {
        self.has(Role::CourtTrainee) && self.roles.iter().all(|r| *r == Role::CourtTrainee)
    }
}
