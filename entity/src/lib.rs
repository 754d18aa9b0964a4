//! SeaORM entities of casebridge: plain models, one module per table.
//!
//! Conventions shared by every table:
//! - primary keys are UUIDv7 (`Uuid::now_v7()`), so they sort by creation time and keyset
//!   cursors can use them as a tie-breaker;
//! - timestamps are `DateTimeUtc` set from Rust (never `CURRENT_TIMESTAMP`), so SQLite's text
//!   representation stays uniform and orderable;
//! - money is `i64` fen (1/100 yuan): SQLite has no exact decimal type and its SUM over
//!   `real` columns is floating point (see `pitfalls.md`);
//! - enumerations are stored as their GraphQL names (`TEXT`), readable in psql and by
//!   PostGraphile.

pub mod audit_log;
pub mod case;
pub mod case_event;
pub mod case_officer;
pub mod counter;
pub mod department;
pub mod enums;
pub mod follow_enrollment;
pub mod holiday;
pub mod joint_call;
pub mod joint_call_department;
pub mod matter;
pub mod matter_empowerment;
pub mod party;
pub mod record;
pub mod transfer;
pub mod user;
pub mod user_role;

pub mod prelude {
    pub use super::audit_log::Entity as AuditLog;
    pub use super::case::Entity as Case;
    pub use super::case_event::Entity as CaseEvent;
    pub use super::case_officer::Entity as CaseOfficer;
    pub use super::counter::Entity as Counter;
    pub use super::department::Entity as Department;
    pub use super::follow_enrollment::Entity as FollowEnrollment;
    pub use super::holiday::Entity as Holiday;
    pub use super::joint_call::Entity as JointCall;
    pub use super::joint_call_department::Entity as JointCallDepartment;
    pub use super::matter::Entity as Matter;
    pub use super::matter_empowerment::Entity as MatterEmpowerment;
    pub use super::party::Entity as Party;
    pub use super::record::Entity as Record;
    pub use super::transfer::Entity as Transfer;
    pub use super::user::Entity as User;
    pub use super::user_role::Entity as UserRole;
}
