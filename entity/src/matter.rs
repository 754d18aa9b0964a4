use sea_orm::entity::prelude::*;

/// A catalogue item (执法事项) that cases are filed under.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// 市容, 环境卫生, 林业, 招投标, 公积金 …
    pub domain: String,
    pub legal_basis: String,
    /// The penalty clause (罚则) the fines of this matter are imposed under.
    pub penalty_basis: String,
    /// The discretion benchmark (裁量基准), fen; `None` = no bound on that side.
    pub fine_person_min_fen: Option<i64>,
    pub fine_person_max_fen: Option<i64>,
    pub fine_org_min_fen: Option<i64>,
    pub fine_org_max_fen: Option<i64>,
    /// Still in the catalogue: an inactive matter takes no new filings.
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
