//! The town teams' field work: patrol actions and inspections of empowered matters, and the
//! towns' claims (认领) of the matters empowered to them (R7).

pub mod schema;
pub mod service;
