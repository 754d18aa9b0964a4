//! Field records (执法全过程记录): append-only and hash-chained per case.

pub mod chain;
pub mod evidence;
pub mod mutations;
pub mod schema;
pub mod service;
pub mod submit;
