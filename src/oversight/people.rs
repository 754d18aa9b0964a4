//! The people of the report: trainings held or attended, and officers' enforcement
//! certificates (执法证) and joining days.

pub mod schema;
pub mod service;
