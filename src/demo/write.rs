//! Writes a [`Plan`] in multi-row INSERTs, parents before children (the foreign keys are
//! checked row by row on both backends).

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable};

use super::plan::Plan;
use entity::{
    case, case_event, case_officer, counter, department, follow_enrollment, matter, matter_empowerment, party, record,
    transfer, user, user_role,
};

/// Bind parameters per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 12_000;
/// Rows per statement, whatever the width.
const MAX_ROWS: usize = 250;

pub(super) async fn write(db: &impl ConnectionTrait, plan: Plan) -> Result<(), DbErr> {
    insert::<department::ActiveModel, _>(db, plan.departments).await?;
    insert::<user::ActiveModel, _>(db, plan.users).await?;
    insert::<user_role::ActiveModel, _>(db, plan.user_roles).await?;
    insert::<matter::ActiveModel, _>(db, plan.matters).await?;
    insert::<matter_empowerment::ActiveModel, _>(db, plan.empowerments).await?;
    insert::<party::ActiveModel, _>(db, plan.parties).await?;
    insert::<case::ActiveModel, _>(db, plan.cases).await?;
    insert::<case_officer::ActiveModel, _>(db, plan.case_officers).await?;
    insert::<transfer::ActiveModel, _>(db, plan.transfers).await?;
    insert::<record::ActiveModel, _>(db, plan.records).await?;
    insert::<case_event::ActiveModel, _>(db, plan.case_events).await?;
    insert::<follow_enrollment::ActiveModel, _>(db, plan.follow_enrollments).await?;
    insert::<counter::ActiveModel, _>(db, plan.counters).await?;
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
