//! 案卷评查: checks of case files by the legal reviewers, the problems found and their
//! rectification by the department whose file it is.

pub mod schema;
pub mod service;
