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

use crate::error::AppError;

/// A short fixed reason for `casebridge_auth_refused_total`, read from a refusal's words (the
/// HTTP edge and the WebSocket handshake count under the same labels); `None` for an error
/// that is not a refused authentication.
pub fn refusal_reason(err: &AppError) -> Option<&'static str> {
    let AppError::Unauthenticated(why) = err else { return None };
    let reason = [
        ("Bearer <token>", "malformed"),
        ("expired", "expired"),
        ("not valid yet", "not_yet_valid"),
        ("issued in the future", "issued_in_future"),
        ("audience", "wrong_audience"),
        ("issuer", "wrong_issuer"),
        ("signature", "bad_signature"),
        ("algorithm", "bad_algorithm"),
        ("required claim", "missing_claim"),
        ("(kid)", "unknown_key"),
        ("unknown user", "unknown_user"),
        ("deactivated", "inactive"),
    ]
    .iter()
    .find(|(said, _)| why.contains(said))
    .map_or("malformed", |(_, reason)| reason);
    Some(reason)
}
