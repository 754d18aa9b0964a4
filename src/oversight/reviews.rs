//! 法制审核 (legal reviews, submitted by the case transitions in `cases::review`) and the
//! meetings of the case review committee (案审委员会) that discuss them.

pub mod schema;
pub mod service;
