//! The organisation: departments, users, and the matter catalogue with its town empowerments.

pub mod admin;
pub mod certificates;
pub mod import;
pub mod mutations;
pub mod schema;
pub mod service;
