//! Values with rules, parsed once at the edge (R9, R10). Past the edge nothing re-validates.

pub mod identity;
pub mod money;

pub use identity::{CreditCode, IdNumber};
pub use money::Yuan;
