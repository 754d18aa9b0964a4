//! 责令改正通知书 (rectification notices: issued, verified, T8) and 首违不罚 (the
//! first-violation exemptions granted on them, written by the case transition in
//! `cases::review`).

pub mod schema;
pub mod service;
