//! The schema history of casebridge. Migrations are additive only (SQLite cannot alter or drop
//! constraints), and each runs in a transaction on both backends, its up and its down alike.
//!
//! Every migration has a `down()` that undoes exactly what its `up()` did, in reverse order:
//! it drops the tables it created (children before parents), the indexes it created on older
//! tables and the columns it added (SQLite 3.35+ `DROP COLUMN`: none of them is indexed or in
//! a key), and deletes the rows it seeded. Data casebridge wrote into what a down drops is
//! lost, and backfills are not undone (they only filled what the down drops). One down refuses:
//! `m20260107_000001_record_chain_v2` while any record is hashed with version 2.
//! `migration/tests/down.rs` proves each down exact on both backends by schema snapshots.

pub use sea_orm_migration::prelude::*;

mod helpers;

mod m20260101_000001_initial;
mod m20260101_000002_holidays;
mod m20260103_000001_joint_calls;
mod m20260103_000002_audit_log_order;
mod m20260105_000001_oversight;
mod m20260107_000001_record_chain_v2;
mod m20261201_000001_procedure;
mod m20261201_000003_transfer_materials;
mod m20261201_000004_activities;
mod m20261201_000005_user_left_on;
mod m20261201_000010_statistics_decided_index;
mod m20261202_000001_files;
mod m20261202_000002_uploads;
mod m20261202_000003_exports;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_initial::Migration),
            Box::new(m20260101_000002_holidays::Migration),
            Box::new(m20260103_000001_joint_calls::Migration),
            Box::new(m20260103_000002_audit_log_order::Migration),
            Box::new(m20260105_000001_oversight::Migration),
            Box::new(m20260107_000001_record_chain_v2::Migration),
            Box::new(m20261201_000001_procedure::Migration),
            Box::new(m20261201_000003_transfer_materials::Migration),
            Box::new(m20261201_000004_activities::Migration),
            Box::new(m20261201_000005_user_left_on::Migration),
            Box::new(m20261201_000010_statistics_decided_index::Migration),
            Box::new(m20261202_000001_files::Migration),
            Box::new(m20261202_000002_uploads::Migration),
            Box::new(m20261202_000003_exports::Migration),
        ]
    }
}
