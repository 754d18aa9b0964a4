//! Oversight records of the bureau's annual report: legal reviews and review committee
//! meetings, rectification notices and first-violation exemptions, reconsiderations and
//! litigation, case-file evaluations, credit repairs, three-document deliveries, compliance
//! guidance, publications, trainings, certificates, patrol actions and matter claims.

pub mod access;
pub mod publish_text;
pub mod schema;
pub mod service;
