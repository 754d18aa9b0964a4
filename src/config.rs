//! Typed settings, read once at start-up from flags and environment: `cli::SettingsArgs`, the
//! same for `serve` and `report`, is the one place they are built.

use crate::auth::JwtConfig;

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub jwt: JwtConfig,
    /// Connections in the one pool.
    pub pool_size: u32,
    /// HTTP worker threads (actix); each runs many requests concurrently.
    pub workers: usize,
    /// The configurable rules of rules.md.
    pub rules: Rules,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// How often a live subscription re-reads its user (deactivation ends it).
    pub subscription_recheck: std::time::Duration,
    /// Events a subscriber may fall behind before it is closed.
    pub subscriber_queue: usize,
    /// How long a statement, a wait for a pooled connection or for SQLite's write lock, and
    /// `/readyz` may take before they fail (`CASEBRIDGE_DB_TIMEOUT`).
    pub db_timeout: std::time::Duration,
    /// Whether GraphiQL is served and signed-in callers may introspect the schema
    /// (`CASEBRIDGE_INTROSPECTION`; on with `serve --demo`). Anonymous callers never may.
    pub introspection: bool,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://casebridge.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "casebridge";
pub const DEFAULT_AUDIENCE: &str = "casebridge-api";

/// Rules an operator may change without a rebuild (rules.md marks them *configurable*).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// R1 (APL 51): largest on-the-spot fine on a person, in fen (¥200).
    pub simple_cap_person_fen: i64,
    /// R1: largest on-the-spot fine on an organisation, in fen (¥3,000).
    pub simple_cap_org_fen: i64,
    /// Hearing level (APL 63): a fine of at least this on a person, in fen (¥10,000).
    pub hearing_person_fen: i64,
    /// Hearing level: a fine of at least this on an organisation, in fen (¥100,000).
    pub hearing_org_fen: i64,
    /// R7: a town team may not serve notice of or decide a hearing-level penalty.
    pub towns_refer_hearing_level: bool,
    /// T7: working days a receiver has to answer a transfer.
    pub transfer_answer_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            simple_cap_person_fen: 20_000,
            simple_cap_org_fen: 300_000,
            hearing_person_fen: 1_000_000,
            hearing_org_fen: 10_000_000,
            towns_refer_hearing_level: true,
            transfer_answer_days: 5,
        }
    }
}
