//! 街道吹哨、部门报到 (joint enforcement calls): a town team "blows the whistle", calling named
//! departments to a place and time for a reason; each called department "reports" with whom
//! it sends. A call shows who has not answered yet and whether an answer is overdue.

pub mod schema;
pub mod service;
