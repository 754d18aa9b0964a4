//! Who is calling, and what they may see: JWT verification, the `Principal` loaded from the
//! database (cached per instance until a user's access changes), and visibility as SQL
//! conditions.

pub mod jwks;
pub mod jwt;
pub mod principal;
pub mod principal_cache;
pub mod sessions;
pub mod visibility;

pub use jwt::{Claims, JwtConfig, JwtKey};
pub use principal::Principal;
