//! Who is calling, and what they may see: JWT verification, the `Principal` loaded from the
//! database per request, and visibility as SQL conditions.

pub mod jwt;
pub mod principal;
pub mod sessions;
pub mod visibility;

pub use jwt::{Claims, JwtConfig, JwtKey};
pub use principal::Principal;
