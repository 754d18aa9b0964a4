use sea_orm::entity::prelude::*;

use crate::enums::DepartmentKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    /// The town or street a town team serves (e.g. 北岙街道); null for other kinds.
    pub town: Option<String>,
    /// Short prefix of the department's case numbers (e.g. 洞综执).
    pub case_prefix: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
