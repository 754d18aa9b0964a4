use sea_orm::entity::prelude::*;

/// 跟案学习: a court trainee follows a case, read-only and anonymised, until `valid_until`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub trainee_id: Uuid,
    pub enrolled_by: Uuid,
    pub enrolled_at: DateTimeUtc,
    /// Last day (Asia/Shanghai) of the enrolment, inclusive; open-ended when null.
    pub valid_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
