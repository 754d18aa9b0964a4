use sea_orm::entity::prelude::*;

/// Who did or read what, when, from where. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub user_id: Option<Uuid>,
    /// e.g. `mutation:fileCase`, `read:case`.
    pub action: String,
    pub target_id: Option<Uuid>,
    pub client_addr: Option<String>,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
