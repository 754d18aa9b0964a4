//! Writes a [`Plan`] in multi-row INSERTs, parents before children (the foreign keys are
//! checked row by row on both backends).

use std::collections::BTreeSet;

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable};
use uuid::Uuid;

use super::plan::Plan;
use entity::{
    activity, case, case_event, case_officer, certificate, compliance_guidance_item, counter, credit_repair,
    department, evaluation_finding, exemption, file_evaluation, follow_enrollment, legal_review, matter, matter_claim,
    matter_empowerment, party, patrol_action, payment, publication, reconsideration, record, rectification_notice,
    review_meeting, three_document_delivery, training, training_attendee, transfer, user, user_role,
};

/// Bind parameters per statement: under SQLite's 32,766 (the limit of the SQLite 3.51 that
/// libsqlite3-sys bundles) and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;
/// Rows per statement, whatever the width: fewer, larger statements for a million cases
/// (about ten million rows).
const MAX_ROWS: usize = 1_000;

pub(super) async fn write(db: &impl ConnectionTrait, plan: Plan) -> Result<(), DbErr> {
    insert::<department::ActiveModel, _>(db, plan.departments).await?;
    insert::<user::ActiveModel, _>(db, plan.users).await?;
    insert::<certificate::ActiveModel, _>(db, plan.certificates).await?;
    insert::<user_role::ActiveModel, _>(db, plan.user_roles).await?;
    insert::<matter::ActiveModel, _>(db, plan.matters).await?;
    insert::<matter_empowerment::ActiveModel, _>(db, plan.empowerments).await?;
    insert::<party::ActiveModel, _>(db, plan.parties).await?;
    insert::<case::ActiveModel, _>(db, plan.cases).await?;
    insert::<payment::ActiveModel, _>(db, plan.payments).await?;
    insert::<case_officer::ActiveModel, _>(db, plan.case_officers).await?;
    insert::<transfer::ActiveModel, _>(db, plan.transfers).await?;
    // Each case counts the records of its chain (R11), in this same transaction.
    // Only this plan's cases: a chunked seed would otherwise recount every case written before.
    let with_records: Vec<Uuid> = plan.records.iter().map(|r| r.case_id).collect::<BTreeSet<_>>().into_iter().collect();
    insert::<record::ActiveModel, _>(db, plan.records).await?;
    crate::records::chain::count_loaded(db, &with_records, MAX_PARAMS).await?;
    insert::<case_event::ActiveModel, _>(db, plan.case_events).await?;
    insert::<follow_enrollment::ActiveModel, _>(db, plan.follow_enrollments).await?;
    insert::<counter::ActiveModel, _>(db, plan.counters).await?;
    insert::<review_meeting::ActiveModel, _>(db, plan.review_meetings).await?;
    insert::<legal_review::ActiveModel, _>(db, plan.legal_reviews).await?;
    insert::<rectification_notice::ActiveModel, _>(db, plan.rectification_notices).await?;
    insert::<exemption::ActiveModel, _>(db, plan.exemptions).await?;
    insert::<reconsideration::ActiveModel, _>(db, plan.reconsiderations).await?;
    insert::<file_evaluation::ActiveModel, _>(db, plan.file_evaluations).await?;
    insert::<evaluation_finding::ActiveModel, _>(db, plan.evaluation_findings).await?;
    insert::<credit_repair::ActiveModel, _>(db, plan.credit_repairs).await?;
    insert::<three_document_delivery::ActiveModel, _>(db, plan.three_document_deliveries).await?;
    insert::<compliance_guidance_item::ActiveModel, _>(db, plan.compliance_guidance_items).await?;
    insert::<publication::ActiveModel, _>(db, plan.publications).await?;
    insert::<training::ActiveModel, _>(db, plan.trainings).await?;
    insert::<training_attendee::ActiveModel, _>(db, plan.training_attendees).await?;
    insert::<patrol_action::ActiveModel, _>(db, plan.patrol_actions).await?;
    insert::<matter_claim::ActiveModel, _>(db, plan.matter_claims).await?;
    insert::<activity::ActiveModel, _>(db, plan.activities).await?;
    Ok(())
}

async fn insert<A, M>(db: &impl ConnectionTrait, rows: Vec<M>) -> Result<(), DbErr>
where
    A: ActiveModelTrait,
    M: IntoActiveModel<A>,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMS / columns).clamp(1, MAX_ROWS);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).map(IntoActiveModel::into_active_model).collect();
        <A::Entity as EntityTrait>::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
