//! Record reads and the chain check.

use chrono::NaiveDate;
use entity::record;
use sea_orm::{
    AccessMode, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IsolationLevel, QueryFilter, QueryOrder,
    TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use super::chain::{self, expected_hash};
use crate::auth::Principal;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    pub intact: bool,
    pub length: i32,
    pub first_broken: Option<Uuid>,
}

/// Recomputes every hash of a case's chain in order. A record is broken when its stored
/// hash does not match its fields under its `hash_version` (an unknown version, or one lower
/// than a record before it, is broken too), its link to the previous record does not match,
/// or its position skips. This checks the records alone; [`check_counted`] also holds them
/// against the case's record count.
pub fn check_chain(records: &[record::Model]) -> ChainCheck {
    let length = records.len() as i32;
    let mut previous: Option<&record::Model> = None;
    for (i, r) in records.iter().enumerate() {
        let linked = r.previous_hash.as_deref() == previous.map(|p| p.hash.as_str());
        let downgraded = previous.is_some_and(|p| r.hash_version < p.hash_version);
        let sealed = expected_hash(r).is_some_and(|h| h == r.hash);
        if r.seq != i as i32 + 1 || !linked || downgraded || !sealed {
            return ChainCheck { intact: false, length, first_broken: Some(r.id) };
        }
        previous = Some(r);
    }
    ChainCheck { intact: true, length, first_broken: None }
}

/// [`check_chain`], and the chain must be as long as the case's record count: a missing tail
/// (a deleted last record) has no record to name, so `first_broken` stays `None`; a record
/// beyond the count (appended without bumping the count) is named.
pub fn check_counted(records: &[record::Model], record_count: i32) -> ChainCheck {
    let check = check_chain(records);
    if !check.intact {
        return check;
    }
    match usize::try_from(record_count).ok().and_then(|n| records.get(n)) {
        Some(extra) => ChainCheck { intact: false, first_broken: Some(extra.id), ..check },
        None => ChainCheck { intact: check.length == record_count, ..check },
    }
}

/// Checks the chain of a case the caller may see. The count and the records are read in one
/// snapshot (PostgreSQL `REPEATABLE READ`; a SQLite read transaction is one already), so a
/// record appended meanwhile is either in both or in neither.
pub async fn verify_chain(
    db: &DatabaseConnection,
    p: &Principal,
    today: NaiveDate,
    case_id: Uuid,
) -> AppResult<ChainCheck> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let txn = db
        .begin_with_options(TransactionOptions {
            isolation_level: postgres.then_some(IsolationLevel::RepeatableRead),
            access_mode: postgres.then_some(AccessMode::ReadOnly),
            sqlite_transaction_mode: None,
        })
        .await?;
    crate::cases::service::get(&txn, p, today, case_id).await?;
    let record_count = chain::record_count(&txn, case_id).await?.unwrap_or(0);
    let records = record::Entity::find()
        .filter(record::Column::CaseId.eq(case_id))
        .order_by_asc(record::Column::Seq)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(check_counted(&records, record_count))
}
