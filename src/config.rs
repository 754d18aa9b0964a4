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
    /// Requests per second per caller, and what one caller may run at once (README,
    /// "Rate limits").
    pub rate_limits: RateLimits,
    /// Bytes the response cache of GraphQL queries may hold on PostgreSQL; 0 turns it off
    /// (`CASEBRIDGE_RESPONSE_CACHE_MB`; `http::response_cache`). Always off on SQLite.
    pub response_cache_bytes: usize,
    /// The limits of one request (README, "Operations").
    pub limits: Limits,
    /// How long a stop (SIGTERM, SIGINT) waits for in-flight requests after it has stopped
    /// accepting and told every WebSocket client (`CASEBRIDGE_SHUTDOWN_GRACE`).
    pub shutdown_grace: std::time::Duration,
    /// Origins a browser may call `/graphql` from (CORS); empty: none
    /// (`CASEBRIDGE_CORS_ORIGINS`).
    pub cors_origins: Vec<String>,
    /// A manifest of the operations this server runs (`--trusted-documents`); when set, any
    /// other document is refused, except to admins.
    pub trusted_documents: Option<std::path::PathBuf>,
    /// Where evidence files and exports are kept (`files`).
    pub files: Files,
    /// How long an export's link works, and the most rows one export writes (`exports`).
    pub exports: Exports,
}

/// Spreadsheet exports (`exportCases`, `exportTransfers`, `exportStatistics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exports {
    /// How long an export's link works (`CASEBRIDGE_EXPORT_TTL`).
    pub ttl: std::time::Duration,
    /// The most data rows one export writes; a longer list is refused (`CASEBRIDGE_EXPORT_MAX_ROWS`).
    pub max_rows: u64,
    /// How long a request that writes an export may run, instead of the request timeout
    /// (`CASEBRIDGE_EXPORT_TIMEOUT`): a million rows take longer than a query should.
    pub timeout: std::time::Duration,
}

impl Default for Exports {
    /// Ten minutes; a million rows; ten minutes to write them.
    fn default() -> Self {
        Self {
            ttl: std::time::Duration::from_secs(600),
            max_rows: 1_000_000,
            timeout: std::time::Duration::from_secs(600),
        }
    }
}

/// Where evidence files and exported spreadsheets are kept.
#[derive(Clone, Debug)]
pub struct Files {
    pub backend: crate::files::store::Backend,
    /// Where incoming bytes wait until they are verified (default: inside the directory, or
    /// the system's temporary directory for S3).
    pub staging: Option<std::path::PathBuf>,
    /// The largest file accepted, by kind.
    pub limits: FileLimits,
}

/// The largest file accepted, by the kind its bytes show (`files::sniff`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimits {
    /// `image/*` (`CASEBRIDGE_MAX_PHOTO_BYTES`).
    pub photo: u64,
    /// `video/*` and `audio/*` (`CASEBRIDGE_MAX_VIDEO_BYTES`).
    pub video: u64,
    /// Anything else: documents, scans, archives (`CASEBRIDGE_MAX_DOCUMENT_BYTES`).
    pub document: u64,
}

impl Default for FileLimits {
    /// 50 MiB photos, 8 GiB video, 200 MiB documents.
    fn default() -> Self {
        Self { photo: 50 << 20, video: 8 << 30, document: 200 << 20 }
    }
}

impl FileLimits {
    /// The limit for bytes of this (sniffed) media type.
    pub fn for_type(&self, media_type: &str) -> u64 {
        if media_type.starts_with("image/") {
            self.photo
        } else if media_type.starts_with("video/") || media_type.starts_with("audio/") {
            self.video
        } else {
            self.document
        }
    }

    /// The largest of the three: what may be staged before the type is known.
    pub fn largest(&self) -> u64 {
        self.photo.max(self.video).max(self.document)
    }
}

impl Default for Files {
    /// A directory in the system's temporary directory (blobs are content-addressed, so
    /// servers sharing it share only identical bytes).
    fn default() -> Self {
        Self {
            backend: crate::files::store::Backend::Directory(std::env::temp_dir().join("casebridge-files")),
            staging: None,
            limits: FileLimits::default(),
        }
    }
}

impl Settings {
    /// Every setting at its default, on `database_url` with `jwt` (tests and embedders change
    /// what they need).
    pub fn new(database_url: impl Into<String>, jwt: JwtConfig) -> Self {
        let database_url = database_url.into();
        Self {
            pool_size: crate::db::default_pool_size(&database_url),
            database_url,
            bind: DEFAULT_BIND.into(),
            jwt,
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            rules: Rules::default(),
            max_body_bytes: 1 << 20,
            subscription_recheck: std::time::Duration::from_secs(30),
            subscriber_queue: 4096,
            db_timeout: crate::db::DEFAULT_TIMEOUT,
            introspection: false,
            rate_limits: RateLimits::default(),
            response_cache_bytes: DEFAULT_RESPONSE_CACHE_MB << 20,
            limits: Limits::default(),
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            cors_origins: Vec::new(),
            trusted_documents: None,
            files: Files::default(),
            exports: Exports::default(),
        }
    }
}

/// How long a stop waits for in-flight requests when nothing is set.
pub const DEFAULT_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// What one request may ask for: the cost model's budget (`graphql::cost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Total cost (see `graphql::cost`).
    pub cost: u64,
    /// Fields at the root of one operation.
    pub root_fields: usize,
    /// Fields written with an alias, anywhere in the document.
    pub aliases: usize,
    /// The query text, refused before it is parsed.
    pub query_bytes: usize,
}

/// The limits of one GraphQL request (README, "Operations").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long one GraphQL request may run before it is answered `QUERY_TOO_COMPLEX` with
    /// `extensions.limit` `requestTimeout`
    /// (`CASEBRIDGE_REQUEST_TIMEOUT`).
    pub request_timeout: std::time::Duration,
    /// Nesting depth of a selection (`CASEBRIDGE_MAX_DEPTH`).
    pub depth: usize,
    /// A signed-in caller's budget (`CASEBRIDGE_MAX_COST`, `CASEBRIDGE_MAX_ROOT_FIELDS`,
    /// `CASEBRIDGE_MAX_ALIASES`, `CASEBRIDGE_MAX_QUERY_BYTES`).
    pub signed: Budget,
    /// A caller without a token (the `*_ANONYMOUS` variants).
    pub anonymous: Budget,
}

impl Limits {
    /// A signed-in caller: 20,000 (a hundred cases with their records and parties), 20 root
    /// fields, 100 aliases, 100 KiB of query text.
    pub const SIGNED: Budget = Budget { cost: 20_000, root_fields: 20, aliases: 100, query_bytes: 100 << 10 };
    /// A caller without a token (the public reads `publications`).
    pub const ANONYMOUS: Budget = Budget { cost: 2_500, root_fields: 5, aliases: 10, query_bytes: 8 << 10 };
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: std::time::Duration::from_secs(30),
            depth: 10,
            signed: Self::SIGNED,
            anonymous: Self::ANONYMOUS,
        }
    }
}

/// The response cache's budget when none is set, in MiB.
pub const DEFAULT_RESPONSE_CACHE_MB: usize = 64;

/// A token bucket: `per_second` requests a second on average, up to `burst` at once. A
/// `per_second` of 0 turns the bucket off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub per_second: u32,
    pub burst: u32,
}

impl Quota {
    pub const OFF: Quota = Quota { per_second: 0, burst: 0 };

    pub fn is_off(&self) -> bool {
        self.per_second == 0
    }
}

/// The rate limits of `/graphql`: a bucket per signed-in login, one per client address for
/// callers without a (valid) token, and a cap on expensive operations running at once per
/// caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Per login (`CASEBRIDGE_RATE_LIMIT`, `CASEBRIDGE_RATE_BURST`).
    pub signed: Quota,
    /// Per client address, callers without a token (`CASEBRIDGE_RATE_LIMIT_ANONYMOUS`,
    /// `CASEBRIDGE_RATE_BURST_ANONYMOUS`).
    pub anonymous: Quota,
    /// Expensive operations (`annualReport`, `statistics`, `verifyRecordChain`: the cost
    /// model's fields of cost at least `EXPENSIVE_FIELD_COST`) one caller runs at once; 0: no cap
    /// (`CASEBRIDGE_EXPENSIVE_CONCURRENCY`).
    pub expensive_concurrency: usize,
    /// Key anonymous callers on the address a proxy names (`Forwarded`, `X-Forwarded-For`)
    /// rather than the peer's: only behind a proxy that sets these headers itself
    /// (`CASEBRIDGE_TRUST_FORWARDED`).
    pub trust_forwarded: bool,
}

impl RateLimits {
    /// Everything off (tests that are not about rate limits).
    pub const OFF: RateLimits =
        RateLimits { signed: Quota::OFF, anonymous: Quota::OFF, expensive_concurrency: 0, trust_forwarded: false };
}

impl Default for RateLimits {
    /// An officer's screen sends a handful of requests per view (the dashboard a dozen at
    /// once); 50 a second with bursts of 100 never touches a person, and stops a script. The
    /// public reads `publications` a page at a time: 10 a second, bursts of 20, per address.
    /// Two expensive operations at once per caller leave the pool to everyone else.
    fn default() -> Self {
        Self {
            signed: Quota { per_second: 50, burst: 100 },
            anonymous: Quota { per_second: 10, burst: 20 },
            expensive_concurrency: 2,
            trust_forwarded: false,
        }
    }
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
    /// R3+: working days after the notice for the party's statement and defence.
    pub statement_days: u32,
    /// R14: how many days back an action's `effectiveAt` may lie.
    pub backdate_days: u32,
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
            statement_days: 5,
            backdate_days: 30,
        }
    }
}
