//! The organisation: departments, users, and the matter catalogue with its town empowerments.

pub mod certificates;
pub mod schema;
pub mod service;
