//! 行政复议 and 行政诉讼 against a decision: registered, concluded; a revocation starts T6 on
//! the decision's publication.

pub mod schema;
pub mod service;
