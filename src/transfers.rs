//! Transfers (移交/划转) between departments: reads, T7, and the state machine of rules.md
//! (request, then accept, reject, return or withdraw).

pub mod lifecycle;
pub mod materials;
pub mod mutations;
pub mod schema;
pub mod service;
