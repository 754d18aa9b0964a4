//! Penalty cases: reads, the lifecycle (filing, updates, transitions) and their timers.

pub mod lifecycle;
pub mod money;
pub mod mutations;
pub mod parties;
pub mod payments;
pub mod penalties;
pub mod review;
pub mod schema;
pub mod service;
pub mod timers;
