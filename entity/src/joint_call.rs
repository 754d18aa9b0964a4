use sea_orm::entity::prelude::*;

/// 街道吹哨: a town team calls named departments to a place and time, for a reason. Each
/// called department answers in `joint_call_departments` (部门报到).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "joint_calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The calling town team.
    pub department_id: Uuid,
    /// The town or street of the calling team (e.g. 北岙街道).
    pub town: String,
    pub place: String,
    pub meet_at: DateTimeUtc,
    pub reason: String,
    /// Called departments answer by then (defaults to `meet_at`).
    pub respond_by: DateTimeUtc,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
