use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub login: String,
    pub name: String,
    pub department_id: Uuid,
    /// 执法证号.
    pub certificate_no: Option<String>,
    pub certificate_valid_until: Option<Date>,
    pub active: bool,
    /// The day the officer joined the department (new officers of a year).
    pub joined_on: Option<Date>,
    /// The day the user was deactivated (left the roll); null while active. Figures of a past
    /// year read it instead of `active`, so a departure never moves them.
    pub left_on: Option<Date>,
    /// Lowercased login and name, for case-insensitive search on both backends.
    pub search_text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
