//! Services to enterprises (涉企执法): credit repairs (信用修复), three-document deliveries
//! (三书同达) and the compliance guidance list (合规指导清单).

pub mod schema;
pub mod service;
