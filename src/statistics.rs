//! Statistics and the annual report: every figure of section 一 of the bureau's report,
//! computed from the raw rows at query time, pushed live to dashboards.

pub mod live;
pub mod report;
pub mod schema;
pub mod sections;
pub mod service;
