//! Work in the streets (市容: vendors, rectification notices, open burning) and service to
//! enterprises (合规指导, 三书同达, 信用修复, 首违不罚), each in the year of its own date.

use entity::enums::PatrolKind;
use entity::{
    compliance_guidance_item as guidance, credit_repair, exemption, patrol_action as patrol,
    rectification_notice as notice, three_document_delivery as delivery,
};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::{Ask, by_department, by_department_and_town, case_in_town, count, scalars};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streets {
    pub vendors_persuaded: i64,
    pub vendors_helped_into_market: i64,
    /// 责令改正通知书 issued.
    pub rectification_notices: i64,
    pub open_burning_stopped: i64,
}

pub async fn streets(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Streets> {
    let patrols = |kind: PatrolKind| {
        let cond = ask
            .year
            .instants(patrol::Column::OccurredAt)
            .add(patrol::Column::Kind.eq(kind))
            .add(by_department_and_town(ask.scope, patrol::Column::DepartmentId, patrol::Column::Town));
        count(patrol::Entity, cond)
    };
    let notices = ask.year.days(notice::Column::IssuedOn).add(by_department_and_town(
        ask.scope,
        notice::Column::DepartmentId,
        notice::Column::Town,
    ));
    let [vendors_persuaded, vendors_helped_into_market, rectification_notices, open_burning_stopped] = scalars(
        db,
        [
            patrols(PatrolKind::VendorPersuaded),
            patrols(PatrolKind::VendorHelpedIntoMarket),
            count(notice::Entity, notices),
            patrols(PatrolKind::OpenBurningStopped),
        ],
    )
    .await?;
    Ok(Streets { vendors_persuaded, vendors_helped_into_market, rectification_notices, open_burning_stopped })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Enterprises {
    pub compliance_guidance_items: i64,
    pub three_document_deliveries: i64,
    pub credit_repairs: i64,
    pub first_violation_exemptions: i64,
}

pub async fn enterprises(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Enterprises> {
    let (scope, y) = (ask.scope, ask.year);
    let [compliance_guidance_items, three_document_deliveries, credit_repairs, first_violation_exemptions] = scalars(
        db,
        [
            count(
                guidance::Entity,
                y.days(guidance::Column::IssuedOn).add(by_department(scope, guidance::Column::DepartmentId)),
            ),
            count(
                delivery::Entity,
                y.days(delivery::Column::DeliveredOn)
                    .add(by_department(scope, delivery::Column::DepartmentId))
                    .add(case_in_town(scope, delivery::Column::CaseId)),
            ),
            count(
                credit_repair::Entity,
                y.days(credit_repair::Column::CompletedOn)
                    .add(by_department(scope, credit_repair::Column::DepartmentId)),
            ),
            count(
                exemption::Entity,
                y.instants(exemption::Column::GrantedAt).add(by_department_and_town(
                    scope,
                    exemption::Column::DepartmentId,
                    exemption::Column::Town,
                )),
            ),
        ],
    )
    .await?;
    Ok(Enterprises { compliance_guidance_items, three_document_deliveries, credit_repairs, first_violation_exemptions })
}
