//! Transfers (移交/划转) between departments: reads here; the state machine comes with the
//! workflow mutations.

pub mod schema;
pub mod service;
