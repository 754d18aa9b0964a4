//! The GraphQL face of credit repairs, three-document deliveries and compliance guidance.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{compliance_guidance_item, credit_repair, three_document_delivery};

use super::service::{self, NewCreditRepair};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::Date;
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, opt_decode, opt_id, store};

/// 信用修复 of an enterprise's public credit record.
#[derive(SimpleObject)]
pub struct CreditRepair {
    pub id: ID,
    pub case_id: Option<ID>,
    pub enterprise_name: String,
    pub credit_code: String,
    pub applied_on: Date,
    pub completed_on: Option<Date>,
    pub note: Option<String>,
}

impl From<credit_repair::Model> for CreditRepair {
    fn from(m: credit_repair::Model) -> Self {
        CreditRepair {
            id: id_of(Kind::CreditRepair, m.id),
            case_id: opt_id(Kind::Case, m.case_id),
            enterprise_name: m.enterprise_name,
            credit_code: m.credit_code,
            applied_on: m.applied_on.into(),
            completed_on: m.completed_on.map(Into::into),
            note: m.note,
        }
    }
}

/// 三书同达: decision, compliance advice and credit-repair notice delivered together.
#[derive(SimpleObject)]
pub struct ThreeDocumentDelivery {
    pub id: ID,
    pub case_id: ID,
    pub delivered_on: Date,
    pub compliance_advice: String,
    pub credit_repair_notice: String,
}

impl From<three_document_delivery::Model> for ThreeDocumentDelivery {
    fn from(m: three_document_delivery::Model) -> Self {
        ThreeDocumentDelivery {
            id: id_of(Kind::ThreeDocumentDelivery, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            delivered_on: m.delivered_on.into(),
            compliance_advice: m.compliance_advice,
            credit_repair_notice: m.credit_repair_notice,
        }
    }
}

/// 合规指导清单: one item.
#[derive(SimpleObject)]
pub struct ComplianceGuidanceItem {
    pub id: ID,
    pub industry: String,
    pub title: String,
    pub guidance: String,
    pub issued_on: Date,
}

impl From<compliance_guidance_item::Model> for ComplianceGuidanceItem {
    fn from(m: compliance_guidance_item::Model) -> Self {
        ComplianceGuidanceItem {
            id: id_of(Kind::ComplianceGuidanceItem, m.id),
            industry: m.industry,
            title: m.title,
            guidance: m.guidance,
            issued_on: m.issued_on.into(),
        }
    }
}

crate::connection!(
    CreditRepairConnection,
    CreditRepairEdge,
    CreditRepair,
    credit_repair::Entity,
    "Credit repairs, newest first."
);
crate::connection!(
    ThreeDocumentDeliveryConnection,
    ThreeDocumentDeliveryEdge,
    ThreeDocumentDelivery,
    three_document_delivery::Entity,
    "Three-document deliveries, newest first."
);
crate::connection!(
    ComplianceGuidanceItemConnection,
    ComplianceGuidanceItemEdge,
    ComplianceGuidanceItem,
    compliance_guidance_item::Entity,
    "Compliance guidance items, newest first."
);

#[derive(Default)]
pub struct EnterpriseQuery;

#[Object]
impl EnterpriseQuery {
    /// Credit repairs, newest first.
    async fn credit_repairs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CreditRepairConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::credit_repairs(&state(ctx)?.db, p, paging).await?;
        Ok(CreditRepairConnection::new(nodes(rows, CreditRepair::from), info, cond))
    }

    /// Three-document deliveries, newest first.
    async fn three_document_deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ThreeDocumentDeliveryConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::deliveries(&state(ctx)?.db, p, paging).await?;
        Ok(ThreeDocumentDeliveryConnection::new(nodes(rows, ThreeDocumentDelivery::from), info, cond))
    }

    /// The compliance guidance list (合规指导清单), newest first: the items the caller may read
    /// (every item for the bureau, supervisors and admins; a town team or a department its own).
    async fn compliance_guidance_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ComplianceGuidanceItemConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::guidance(&state(ctx)?.db, p, paging).await?;
        Ok(ComplianceGuidanceItemConnection::new(nodes(rows, ComplianceGuidanceItem::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct AcceptCreditRepairInput {
    pub case_id: Option<ID>,
    pub enterprise_name: String,
    /// The unified social credit code (GB 32100 checksum, R10).
    pub credit_code: String,
    pub applied_on: Date,
}

#[derive(InputObject)]
pub struct DeliverThreeDocumentsInput {
    pub case_id: ID,
    pub compliance_advice: String,
    pub credit_repair_notice: String,
}

#[derive(InputObject)]
pub struct ComplianceGuidanceItemInput {
    pub industry: String,
    pub title: String,
    pub guidance: String,
}

#[derive(Default)]
pub struct EnterpriseMutation;

#[Object]
impl EnterpriseMutation {
    /// 信用修复: an enterprise's application accepted.
    async fn accept_credit_repair(&self, ctx: &Context<'_>, input: AcceptCreditRepairInput) -> Result<CreditRepair> {
        let p = principal(ctx)?;
        let n = NewCreditRepair {
            case_id: opt_decode(input.case_id.as_ref(), Kind::Case, "input.caseId")?,
            enterprise_name: input.enterprise_name,
            credit_code: input.credit_code,
            applied_on: input.applied_on.get("input.appliedOn")?,
        };
        let row = service::accept_credit_repair(store(ctx)?, p, n).await?;
        Ok(row.into())
    }

    /// A credit repair completed.
    async fn complete_credit_repair(
        &self,
        ctx: &Context<'_>,
        id: ID,
        completed_on: Date,
        note: Option<String>,
    ) -> Result<CreditRepair> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::CreditRepair, "id")?;
        let on = completed_on.get("completedOn")?;
        let row = service::complete_credit_repair(store(ctx)?, p, id, on, note).await?;
        Ok(row.into())
    }

    /// 三书同达: an enterprise's decision delivered with compliance advice and the
    /// credit-repair notice.
    async fn deliver_three_documents(
        &self,
        ctx: &Context<'_>,
        input: DeliverThreeDocumentsInput,
    ) -> Result<ThreeDocumentDelivery> {
        let p = principal(ctx)?;
        let case_id = ids::decode(&input.case_id, Kind::Case, "input.caseId")?;
        let (advice, notice) = (input.compliance_advice, input.credit_repair_notice);
        let row = service::deliver_three_documents(store(ctx)?, p, case_id, advice, notice).await?;
        Ok(row.into())
    }

    /// 合规指导清单: adds an item.
    async fn add_compliance_guidance_item(
        &self,
        ctx: &Context<'_>,
        input: ComplianceGuidanceItemInput,
    ) -> Result<ComplianceGuidanceItem> {
        let p = principal(ctx)?;
        let row = service::add_guidance(store(ctx)?, p, input.industry, input.title, input.guidance).await?;
        Ok(row.into())
    }
}
