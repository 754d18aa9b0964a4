use sea_orm::entity::prelude::*;

/// An officer's enforcement certificate (执法证) with its validity period; the history is kept
/// (R2+ and `certificateRate` read the certificate valid on the date in question).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub number: String,
    pub valid_from: Date,
    /// Inclusive.
    pub valid_until: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
