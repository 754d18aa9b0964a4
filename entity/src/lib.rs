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

pub mod activity;
pub mod audit_log;
pub mod blob;
pub mod case;
pub mod case_event;
pub mod case_officer;
pub mod certificate;
pub mod compliance_guidance_item;
pub mod counter;
pub mod credit_repair;
pub mod department;
pub mod enums;
pub mod evaluation_finding;
pub mod exemption;
pub mod export;
pub mod file_evaluation;
pub mod follow_enrollment;
pub mod holiday;
pub mod joint_call;
pub mod joint_call_department;
pub mod legal_review;
pub mod matter;
pub mod matter_claim;
pub mod matter_empowerment;
pub mod party;
pub mod patrol_action;
pub mod payment;
pub mod publication;
pub mod reconsideration;
pub mod record;
pub mod rectification_notice;
pub mod review_meeting;
pub mod three_document_delivery;
pub mod training;
pub mod training_attendee;
pub mod transfer;
pub mod transfer_event;
pub mod transfer_material;
pub mod upload;
pub mod upload_part;
pub mod user;
pub mod user_role;

pub mod prelude {
    pub use super::activity::Entity as Activity;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::case::Entity as Case;
    pub use super::case_event::Entity as CaseEvent;
    pub use super::case_officer::Entity as CaseOfficer;
    pub use super::certificate::Entity as Certificate;
    pub use super::compliance_guidance_item::Entity as ComplianceGuidanceItem;
    pub use super::counter::Entity as Counter;
    pub use super::credit_repair::Entity as CreditRepair;
    pub use super::department::Entity as Department;
    pub use super::evaluation_finding::Entity as EvaluationFinding;
    pub use super::exemption::Entity as Exemption;
    pub use super::file_evaluation::Entity as FileEvaluation;
    pub use super::follow_enrollment::Entity as FollowEnrollment;
    pub use super::holiday::Entity as Holiday;
    pub use super::joint_call::Entity as JointCall;
    pub use super::joint_call_department::Entity as JointCallDepartment;
    pub use super::legal_review::Entity as LegalReview;
    pub use super::matter::Entity as Matter;
    pub use super::matter_claim::Entity as MatterClaim;
    pub use super::matter_empowerment::Entity as MatterEmpowerment;
    pub use super::party::Entity as Party;
    pub use super::patrol_action::Entity as PatrolAction;
    pub use super::payment::Entity as Payment;
    pub use super::publication::Entity as Publication;
    pub use super::reconsideration::Entity as Reconsideration;
    pub use super::record::Entity as Record;
    pub use super::rectification_notice::Entity as RectificationNotice;
    pub use super::review_meeting::Entity as ReviewMeeting;
    pub use super::three_document_delivery::Entity as ThreeDocumentDelivery;
    pub use super::training::Entity as Training;
    pub use super::training_attendee::Entity as TrainingAttendee;
    pub use super::transfer::Entity as Transfer;
    pub use super::user::Entity as User;
    pub use super::user_role::Entity as UserRole;
}
