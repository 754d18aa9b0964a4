use sea_orm::entity::prelude::*;

/// 部门报到: one department called by a joint call, and its answer once it reported.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "joint_call_departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: Uuid,
    /// Null until the department reports.
    pub reported_at: Option<DateTimeUtc>,
    pub reported_by: Option<Uuid>,
    /// Who or what the department sends.
    pub sends: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
