use sea_orm::entity::prelude::*;

/// What an [`Model`] row is; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum ActivityKind {
    /// 党组理论学习中心组学法 / 局领导班子学法: one session, `quantity` attendees.
    #[sea_orm(string_value = "LEADERSHIP_STUDY")]
    #[serde(rename = "LEADERSHIP_STUDY")]
    LeadershipStudy,
    /// 以案释法: one case-based piece reported upward; `note` an award it won.
    #[sea_orm(string_value = "CASE_EXPLANATION")]
    #[serde(rename = "CASE_EXPLANATION")]
    CaseExplanation,
    /// 普法宣传、进社区宣讲: one session, `quantity` leaflets handed out.
    #[sea_orm(string_value = "OUTREACH")]
    #[serde(rename = "OUTREACH")]
    Outreach,
    /// 规范性文件及其他政策措施自查: `quantity` documents reviewed (of one issuing year).
    #[sea_orm(string_value = "NORMATIVE_REVIEW")]
    #[serde(rename = "NORMATIVE_REVIEW")]
    NormativeReview,
    /// A penalty of a street campaign (专项执法行动): `case_id` is the case.
    #[sea_orm(string_value = "CAMPAIGN_PENALTY")]
    #[serde(rename = "CAMPAIGN_PENALTY")]
    CampaignPenalty,
    /// 流动摊贩入市经营: `quantity` vendors to move into the market, `achieved` moved in.
    #[sea_orm(string_value = "VENDOR_ENTRY_CHECK")]
    #[serde(rename = "VENDOR_ENTRY_CHECK")]
    VendorEntryCheck,
    /// 农贸市场内规范摆摊: `quantity` stalls checked, `achieved` in order.
    #[sea_orm(string_value = "MARKET_STALL_CHECK")]
    #[serde(rename = "MARKET_STALL_CHECK")]
    MarketStallCheck,
}

impl ActivityKind {
    /// The stored name of the value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeadershipStudy => "LEADERSHIP_STUDY",
            Self::CaseExplanation => "CASE_EXPLANATION",
            Self::Outreach => "OUTREACH",
            Self::NormativeReview => "NORMATIVE_REVIEW",
            Self::CampaignPenalty => "CAMPAIGN_PENALTY",
            Self::VendorEntryCheck => "VENDOR_ENTRY_CHECK",
            Self::MarketStallCheck => "MARKET_STALL_CHECK",
        }
    }
}

/// A rule-of-law activity the annual report counts (sections 一 and 三): study sessions,
/// case-based legal education, outreach, the normative-document review, campaign penalties and
/// checks. Counted in the year of `held_on`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ActivityKind,
    pub department_id: Uuid,
    pub held_on: Date,
    pub title: String,
    /// Attendees, leaflets, documents reviewed, vendors or stalls checked; 1 where nothing is
    /// measured.
    pub quantity: i64,
    /// Of `quantity`, those that met the campaign's aim (a rate's numerator).
    pub achieved: Option<i64>,
    /// The case a campaign penalty is.
    pub case_id: Option<Uuid>,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
