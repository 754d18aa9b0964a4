//! Oversight records of the bureau's annual report, one sub-room each: rectification notices
//! and first-violation exemptions (`notices`), legal reviews and review committee meetings
//! (`reviews`), reconsiderations and litigation, case-file evaluations, enterprise services
//! (credit repairs, three-document deliveries, compliance guidance), publications, trainings
//! and officers' certificates (`people`), patrol actions and matter claims (`patrols`).
//!
//! Shared by the sub-rooms: who reads and writes (`access`), the public text of a decision
//! (`publish_text`), the write that signals the live statistics on commit (`write`), the
//! keyset lists (`list`) and the ids of their GraphQL faces (`schema`).

pub mod access;
pub mod enterprise;
pub mod evaluations;
pub mod list;
pub mod notices;
pub mod patrols;
pub mod people;
pub mod publications;
pub mod publish_text;
pub mod reconsiderations;
pub mod reviews;
pub mod schema;
pub mod write;
