//! 公示: the public's list of licences and penalty decisions, masked when published (see
//! `publish_text`), and their withdrawal after a revocation (T6).

pub mod schema;
pub mod service;
