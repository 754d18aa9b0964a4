//! The command line: `serve`, `migrate [status | down --to VERSION]`, `config`, `seed --demo`,
//! `token`, `schema`, `holidays`, `report`, `import matters`. Only `migrate` and `serve` change
//! the schema; every other command that opens the database first checks that its schema is
//! the one this binary was built for.

pub mod exit;
pub mod files;
pub mod sources;

use clap::{Args, Parser, Subcommand};

use crate::app::Application;
use crate::auth::{JwtConfig, JwtKey};
use crate::config::{
    Budget, DEFAULT_AUDIENCE, DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_ISSUER, Limits, Quota, RateLimits, Rules,
    Settings,
};

/// casebridge: the GraphQL data API through which Dongtou's departments work on the same
/// law-enforcement cases.
#[derive(Parser, Debug)]
#[command(name = "casebridge", version, about, long_about = None)]
pub struct Cli {
    /// A TOML file of settings (keys: the flags' long names); flags and variables override it.
    #[arg(long, global = true, env = "CASEBRIDGE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// How log lines are written: text or json (one object per line).
    #[arg(long, global = true, env = "CASEBRIDGE_LOG_FORMAT", value_enum, default_value_t = crate::telemetry::LogFormat::Text)]
    pub log_format: crate::telemetry::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database (unless --no-migrate), then serve HTTP (GraphQL, GraphiQL, health
    /// and metrics).
    Serve(ServeArgs),
    /// Apply pending migrations and exit; `migrate status`, `migrate down --to VERSION`.
    Migrate(MigrateArgs),
    /// Check the settings as `serve` would and print them (secrets hidden) with where each
    /// came from, as a config file.
    Config(ServeArgs),
    /// Load data into the configured database.
    Seed(SeedArgs),
    /// Print a signed JWT for an existing user (needs CASEBRIDGE_JWT_SECRET).
    Token(TokenArgs),
    /// Print the GraphQL SDL (schema.graphql is exactly this output).
    Schema,
    /// Load a year's holiday table (the State Council's notice) for the working-day timers.
    Holidays(HolidayArgs),
    /// Print section 一 of the annual report for a year, every figure computed from the data.
    Report(ReportArgs),
    /// Load a catalogue from a CSV or XLSX file.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub action: Option<MigrateAction>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Apply pending migrations (what `migrate` alone does).
    Up(DbArgs),
    /// List every migration: applied, pending, or unknown to this binary (a newer one's).
    Status(DbArgs),
    /// Roll back the migrations applied after VERSION (their tables, columns and indexes, and
    /// the data in them, are dropped). Prints the plan; `--yes` carries it out.
    Down(MigrateDownArgs),
}

#[derive(Args, Debug)]
pub struct MigrateDownArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The migration to keep: its name (m20261201_000005_user_left_on) or version
    /// (20261201_000005); every one applied after it is rolled back.
    #[arg(long)]
    pub to: String,
    /// Carry out the plan (without it, only print it).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// The matter catalogue (执法事项), idempotent by code: columns code, name, domain,
    /// legalBasis, penaltyBasis (required), personMin, personMax, organizationMin,
    /// organizationMax (yuan), active, towns (town:from:until items separated by ';' or '|').
    /// A bad row writes nothing.
    Matters(ImportMattersArgs),
}

#[derive(Args, Debug)]
pub struct ImportMattersArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The sheet: .csv, or .xlsx (its first worksheet).
    pub file: std::path::PathBuf,
    /// Print what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The report's year.
    #[arg(long)]
    pub year: i32,
    /// Markdown (md) or a self-contained HTML page (html).
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Load the demo year first when the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// The figures are computed with the settings `serve` runs with.
    #[command(flatten, next_help_heading = "Settings (as for serve)")]
    pub settings: SettingsArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
}

#[derive(Args, Debug)]
pub struct HolidayArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// CSV with the header `from,to,kind,name`; kind is `off` (holiday) or `workday`
    /// (a make-up working day, 调休). Rows replace the days they cover.
    #[arg(long)]
    pub load: std::path::PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://file.db?mode=rwc or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Connections in the pool [default: 4 on SQLite, 4 per core on PostgreSQL].
    #[arg(long, env = "CASEBRIDGE_DB_POOL")]
    pub pool_size: Option<u32>,
    /// Seconds a statement, a wait for a pooled connection (or SQLite's write lock) and
    /// /readyz may take before they fail.
    #[arg(long, env = "CASEBRIDGE_DB_TIMEOUT", default_value_t = crate::db::DEFAULT_TIMEOUT.as_secs())]
    pub db_timeout: u64,
}

#[derive(Args, Debug, Clone)]
pub struct JwtArgs {
    /// HS256 shared secret (at least 32 bytes).
    #[arg(long = "jwt-secret", env = "CASEBRIDGE_JWT_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// PEM file of an RS256 or Ed25519 public key (an identity provider's), instead of a secret.
    #[arg(long = "jwt-public-key", env = "CASEBRIDGE_JWT_PUBLIC_KEY")]
    pub public_key: Option<std::path::PathBuf>,
    /// Algorithm of the public key: RS256 or EdDSA.
    #[arg(long = "jwt-algorithm", env = "CASEBRIDGE_JWT_ALGORITHM", default_value = "RS256")]
    pub algorithm: String,
    /// The identity provider's JSON Web Key Set, a file path or an http(s) URL, instead of a
    /// secret or a public key: each token's kid picks its key; several keys may be live.
    #[arg(long = "jwt-jwks", env = "CASEBRIDGE_JWT_JWKS")]
    pub jwks: Option<String>,
    /// Seconds between re-reads of the JWKS (0: only when a token names an unknown kid).
    #[arg(long = "jwks-refresh", env = "CASEBRIDGE_JWKS_REFRESH", default_value_t = crate::auth::jwks::DEFAULT_REFRESH_SECS)]
    pub jwks_refresh: u64,
    #[arg(long = "jwt-issuer", env = "CASEBRIDGE_JWT_ISSUER", default_value = DEFAULT_ISSUER)]
    pub issuer: String,
    #[arg(long = "jwt-audience", env = "CASEBRIDGE_JWT_AUDIENCE", default_value = DEFAULT_AUDIENCE)]
    pub audience: String,
    /// Seconds of clock difference tolerated on a token's exp, nbf and iat.
    #[arg(long = "jwt-leeway", env = "CASEBRIDGE_JWT_LEEWAY", default_value_t = crate::auth::jwt::DEFAULT_LEEWAY)]
    pub leeway: u64,
}

/// The settings of the service, from flags and environment (README, "Configuration"): one
/// set, flattened into `serve` and `report`, turned into [`Settings`] by
/// [`SettingsArgs::settings`] alone.
#[derive(Args, Debug, Clone)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Address to listen on.
    #[arg(long, env = "CASEBRIDGE_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// HTTP worker threads [default: one per core].
    #[arg(long, env = "CASEBRIDGE_WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Serve GraphiQL at / and let signed-in callers introspect the schema [default: off; on
    /// with --demo].
    #[arg(long, env = "CASEBRIDGE_INTROSPECTION")]
    pub introspection: Option<bool>,
    #[command(flatten)]
    pub rate: RateArgs,
    /// MiB of query responses cached on PostgreSQL (each checked against the database's
    /// snapshot before it is served); 0 turns the cache off.
    #[arg(long = "response-cache-mb", env = "CASEBRIDGE_RESPONSE_CACHE_MB", default_value_t = crate::config::DEFAULT_RESPONSE_CACHE_MB)]
    pub response_cache_mb: usize,
    /// Seconds a stop (SIGTERM, SIGINT) waits for in-flight requests.
    #[arg(long, env = "CASEBRIDGE_SHUTDOWN_GRACE", default_value_t = crate::config::DEFAULT_SHUTDOWN_GRACE.as_secs())]
    pub shutdown_grace: u64,
    /// Origins (scheme://host[:port]) a browser may call /graphql from, comma-separated;
    /// none by default.
    #[arg(long, env = "CASEBRIDGE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// A manifest of allowed operations by hash; anything else is refused, except to admins.
    #[arg(long, env = "CASEBRIDGE_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<std::path::PathBuf>,
    /// Seconds an export's download link works.
    #[arg(long, env = "CASEBRIDGE_EXPORT_TTL", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub export_ttl: u64,
    /// The most rows one export writes; a longer list is refused.
    #[arg(long, env = "CASEBRIDGE_EXPORT_MAX_ROWS", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub export_max_rows: u64,
    /// Seconds a request that writes an export may run (instead of --request-timeout).
    #[arg(long, env = "CASEBRIDGE_EXPORT_TIMEOUT", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub export_timeout: u64,
    #[command(flatten, next_help_heading = "Limits of one request")]
    pub limits: LimitsArgs,
    #[command(flatten, next_help_heading = "Evidence files")]
    pub files: files::FilesArgs,
}

/// The limits of one request (`config::Limits`); the anonymous ones apply to callers without
/// a token.
#[derive(Args, Debug, Clone)]
pub struct LimitsArgs {
    /// Seconds one GraphQL request may run before it is answered QUERY_TOO_COMPLEX
    /// (extensions.limit requestTimeout).
    #[arg(long, env = "CASEBRIDGE_REQUEST_TIMEOUT", default_value_t = Limits::default().request_timeout.as_secs())]
    pub request_timeout: u64,
    /// Bytes of a request body (a POST to /graphql).
    #[arg(long, env = "CASEBRIDGE_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Nesting depth of a query's selections.
    #[arg(long, env = "CASEBRIDGE_MAX_DEPTH", default_value_t = Limits::default().depth)]
    pub max_depth: usize,
    /// Cost of one request (a field costs 1 plus what it selects; a page multiplies by its rows).
    #[arg(long, env = "CASEBRIDGE_MAX_COST", default_value_t = Limits::SIGNED.cost)]
    pub max_cost: u64,
    /// Fields at the root of one operation.
    #[arg(long, env = "CASEBRIDGE_MAX_ROOT_FIELDS", default_value_t = Limits::SIGNED.root_fields)]
    pub max_root_fields: usize,
    /// Aliased fields in one document.
    #[arg(long, env = "CASEBRIDGE_MAX_ALIASES", default_value_t = Limits::SIGNED.aliases)]
    pub max_aliases: usize,
    /// Bytes of query text.
    #[arg(long, env = "CASEBRIDGE_MAX_QUERY_BYTES", default_value_t = Limits::SIGNED.query_bytes)]
    pub max_query_bytes: usize,
    /// Cost of one request without a token.
    #[arg(long, env = "CASEBRIDGE_MAX_COST_ANONYMOUS", default_value_t = Limits::ANONYMOUS.cost)]
    pub max_cost_anonymous: u64,
    /// Root fields of one operation without a token.
    #[arg(long, env = "CASEBRIDGE_MAX_ROOT_FIELDS_ANONYMOUS", default_value_t = Limits::ANONYMOUS.root_fields)]
    pub max_root_fields_anonymous: usize,
    /// Aliased fields in one document without a token.
    #[arg(long, env = "CASEBRIDGE_MAX_ALIASES_ANONYMOUS", default_value_t = Limits::ANONYMOUS.aliases)]
    pub max_aliases_anonymous: usize,
    /// Bytes of query text without a token.
    #[arg(long, env = "CASEBRIDGE_MAX_QUERY_BYTES_ANONYMOUS", default_value_t = Limits::ANONYMOUS.query_bytes)]
    pub max_query_bytes_anonymous: usize,
}

impl LimitsArgs {
    /// The limits, each at least 1 (a limit of 0 would refuse everything).
    pub fn limits(&self) -> Result<(Limits, usize), BoxError> {
        let positive = |flag: &str, value: u64| {
            if value == 0 { Err(exit::settings(format!("--{flag} is at least 1"))) } else { Ok(value) }
        };
        let n = |flag: &str, value: usize| positive(flag, value as u64).map(|_| value);
        let limits = Limits {
            request_timeout: std::time::Duration::from_secs(positive("request-timeout", self.request_timeout)?),
            depth: n("max-depth", self.max_depth)?,
            signed: Budget {
                cost: positive("max-cost", self.max_cost)?,
                root_fields: n("max-root-fields", self.max_root_fields)?,
                aliases: n("max-aliases", self.max_aliases)?,
                query_bytes: n("max-query-bytes", self.max_query_bytes)?,
            },
            anonymous: Budget {
                cost: positive("max-cost-anonymous", self.max_cost_anonymous)?,
                root_fields: n("max-root-fields-anonymous", self.max_root_fields_anonymous)?,
                aliases: n("max-aliases-anonymous", self.max_aliases_anonymous)?,
                query_bytes: n("max-query-bytes-anonymous", self.max_query_bytes_anonymous)?,
            },
        };
        let body = n("max-body-bytes", self.max_body_bytes)?;
        if body < limits.signed.query_bytes {
            return Err(exit::settings(format!(
                "--max-body-bytes ({body}) is smaller than --max-query-bytes ({}): no query of that size could arrive",
                limits.signed.query_bytes
            )));
        }
        Ok((limits, body))
    }
}

/// Rate limits of `/graphql` (README, "Rate limits"); 0 turns a limit off.
#[derive(Args, Debug, Clone)]
pub struct RateArgs {
    /// Requests per second per signed-in login.
    #[arg(long, env = "CASEBRIDGE_RATE_LIMIT", default_value_t = RateLimits::default().signed.per_second)]
    pub rate_limit: u32,
    /// Requests a signed-in login may send at once before the rate applies.
    #[arg(long, env = "CASEBRIDGE_RATE_BURST", default_value_t = RateLimits::default().signed.burst)]
    pub rate_burst: u32,
    /// Requests per second per client address without a token.
    #[arg(long, env = "CASEBRIDGE_RATE_LIMIT_ANONYMOUS", default_value_t = RateLimits::default().anonymous.per_second)]
    pub rate_limit_anonymous: u32,
    /// Requests a client address without a token may send at once.
    #[arg(long, env = "CASEBRIDGE_RATE_BURST_ANONYMOUS", default_value_t = RateLimits::default().anonymous.burst)]
    pub rate_burst_anonymous: u32,
    /// Expensive operations (annualReport, statistics, verifyRecordChain) one caller runs at once.
    #[arg(long, env = "CASEBRIDGE_EXPENSIVE_CONCURRENCY", default_value_t = RateLimits::default().expensive_concurrency)]
    pub expensive_concurrency: usize,
    /// Key callers without a token on the Forwarded / X-Forwarded-For address (only behind a
    /// proxy that sets it).
    #[arg(long, env = "CASEBRIDGE_TRUST_FORWARDED", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded: bool,
}

impl RateArgs {
    pub fn limits(&self) -> RateLimits {
        // A burst below one would refuse everything: at least one request passes.
        let quota = |per_second: u32, burst: u32| Quota { per_second, burst: burst.max(1) };
        RateLimits {
            signed: quota(self.rate_limit, self.rate_burst),
            anonymous: quota(self.rate_limit_anonymous, self.rate_burst_anonymous),
            expensive_concurrency: self.expensive_concurrency,
            trust_forwarded: self.trust_forwarded,
        }
    }
}

/// The rules an operator may configure (rules.md marks them *configurable*); `serve`,
/// `report` and `seed` read the same ones.
#[derive(Args, Debug, Clone)]
pub struct RulesArgs {
    /// T7: working days a receiver has to answer a transfer.
    #[arg(long, env = "CASEBRIDGE_TRANSFER_ANSWER_DAYS", default_value_t = Rules::default().transfer_answer_days)]
    pub transfer_answer_days: u32,
    /// R3+: working days after the notice for the party's statement and defence.
    #[arg(long, env = "CASEBRIDGE_STATEMENT_DAYS", default_value_t = Rules::default().statement_days)]
    pub statement_days: u32,
    /// R14: days back an action's `effectiveAt` may lie.
    #[arg(long, env = "CASEBRIDGE_BACKDATE_DAYS", default_value_t = Rules::default().backdate_days)]
    pub backdate_days: u32,
    /// Hearing level: a fine on a person of at least this many yuan may be heard (APL 63).
    #[arg(long, env = "CASEBRIDGE_HEARING_PERSON_YUAN", default_value_t = Rules::default().hearing_person_fen / 100)]
    pub hearing_person_yuan: i64,
    /// Hearing level: a fine on an organisation of at least this many yuan may be heard.
    #[arg(long, env = "CASEBRIDGE_HEARING_ORGANIZATION_YUAN", default_value_t = Rules::default().hearing_org_fen / 100)]
    pub hearing_organization_yuan: i64,
    /// R7: a town team may not serve notice of or decide a hearing-level penalty (it transfers
    /// the case to the bureau).
    #[arg(long, env = "CASEBRIDGE_TOWNS_REFER_HEARING_LEVEL", default_value_t = Rules::default().towns_refer_hearing_level, action = clap::ArgAction::Set)]
    pub towns_refer_hearing_level: bool,
}

impl RulesArgs {
    pub fn rules(&self) -> Result<Rules, BoxError> {
        let yuan = |flag: &str, value: i64| {
            if (1..=1_000_000_000).contains(&value) {
                Ok(value * 100)
            } else {
                Err(exit::settings(format!("--{flag} is a whole number of yuan from 1 to 1000000000, not {value}")))
            }
        };
        let days = |flag: &str, value: u32, min: u32| {
            if (min..=366).contains(&value) {
                Ok(value)
            } else {
                Err(exit::settings(format!("--{flag} is a number of days from {min} to 366, not {value}")))
            }
        };
        Ok(Rules {
            transfer_answer_days: days("transfer-answer-days", self.transfer_answer_days, 1)?,
            statement_days: days("statement-days", self.statement_days, 3)?,
            backdate_days: days("backdate-days", self.backdate_days, 0)?,
            hearing_person_fen: yuan("hearing-person-yuan", self.hearing_person_yuan)?,
            hearing_org_fen: yuan("hearing-organization-yuan", self.hearing_organization_yuan)?,
            towns_refer_hearing_level: self.towns_refer_hearing_level,
            ..Rules::default()
        })
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Load the demo year (Dongtou 2023) when the database is empty, and print a token per
    /// demo user. Without a secret, a random one is made for this run.
    #[arg(long)]
    pub demo: bool,
    /// Do not migrate: refuse to start unless the schema is already this binary's (for
    /// deployments that migrate in a job of their own).
    #[arg(long, env = "CASEBRIDGE_NO_MIGRATE")]
    pub no_migrate: bool,
    /// Start on a database whose schema is newer than this binary (after a rollback of the
    /// binary; casebridge's migrations only add, so an older binary reads and writes what it
    /// knows). Without it, such a database is refused.
    #[arg(long, env = "CASEBRIDGE_ALLOW_NEWER_SCHEMA")]
    pub allow_newer_schema: bool,
}

#[derive(Args, Debug)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Load the demo year (Dongtou 2023).
    #[arg(long, required = true)]
    pub demo: bool,
    /// Multiply the demo's volumes (cases, records, oversight rows) for load tests; the
    /// report's exact figures hold at 1 only. 3.25 is about 10,000 cases, 325 about a
    /// million (written in chunks, with progress on stderr).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// The user's login.
    #[arg(long)]
    pub user: String,
    /// Lifetime: 30m, 8h, 2d …
    #[arg(long, default_value = "8h")]
    pub ttl: String,
}

type BoxError = crate::error::BoxError;

impl JwtArgs {
    /// The configured key; with `demo_fallback`, a random secret when none is configured.
    pub fn config(&self, demo_fallback: bool) -> Result<JwtConfig, BoxError> {
        let given = [self.secret.is_some(), self.public_key.is_some(), self.jwks.is_some()];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(
                "set one of CASEBRIDGE_JWT_SECRET, CASEBRIDGE_JWT_PUBLIC_KEY and CASEBRIDGE_JWT_JWKS, not several"
                    .into(),
            );
        }
        let key = match (&self.secret, &self.public_key, &self.jwks) {
            (Some(secret), _, _) => JwtKey::Hs256(secret.as_bytes().to_vec()),
            (None, None, Some(source)) => JwtKey::Jwks(crate::auth::jwks::JwksSource::parse(source)),
            (None, Some(path), _) => {
                let pem = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                match self.algorithm.to_ascii_uppercase().as_str() {
                    "RS256" => JwtKey::Rs256Pem(pem),
                    "EDDSA" => JwtKey::EdDsaPem(pem),
                    other => {
                        return Err(format!("unsupported JWT algorithm {other} (RS256 or EdDSA)").into());
                    }
                }
            }
            (None, None, None) if demo_fallback => {
                let random = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
                JwtKey::Hs256(random.into_bytes())
            }
            (None, None, None) => {
                return Err("no JWT key: set CASEBRIDGE_JWT_SECRET (or CASEBRIDGE_JWT_PUBLIC_KEY or \
                     CASEBRIDGE_JWT_JWKS), or run with --demo"
                    .into());
            }
        };
        Ok(JwtConfig::new(key, self.issuer.clone(), self.audience.clone())?
            .with_leeway(self.leeway)
            .with_jwks_refresh(std::time::Duration::from_secs(self.jwks_refresh)))
    }
}

impl DbArgs {
    fn pool(&self) -> u32 {
        self.pool_size.unwrap_or_else(|| crate::db::default_pool_size(&self.database_url))
    }

    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.db_timeout.max(1))
    }

    /// Opens the pool, nothing else.
    async fn open(&self) -> Result<sea_orm::DatabaseConnection, BoxError> {
        check_database_url(&self.database_url)?;
        open(&self.database_url, self.pool(), self.timeout()).await
    }

    /// Opens the pool of a command that does not migrate: the schema must be this binary's.
    async fn open_current(&self) -> Result<sea_orm::DatabaseConnection, BoxError> {
        let db = self.open().await?;
        let state = crate::db::schema_state(&db).await.map_err(exit::database)?;
        state.check(false, false).map_err(exit::database)?;
        Ok(db)
    }
}

impl SettingsArgs {
    /// The one place [`Settings`] is built, and every setting checked, before anything is
    /// opened or written. With `random_key`, a random HS256 secret stands in when no JWT key
    /// is configured (`serve --demo`; `report`, which signs nothing).
    pub fn settings(&self, random_key: bool) -> Result<Settings, BoxError> {
        let (limits, max_body_bytes) = self.limits.limits()?;
        let database_url = check_database_url(&self.db.database_url)?;
        check_bind(&self.bind)?;
        let cors_origins = self.cors_origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty());
        let cors_origins = cors_origins.map(check_origin).collect::<Result<Vec<_>, _>>()?;
        if let Some(path) = &self.trusted_documents
            && let Err(e) = std::fs::metadata(path)
        {
            return Err(exit::settings(format!("--trusted-documents {}: {e}", path.display())));
        }
        if self.workers == Some(0) || self.db.pool_size == Some(0) {
            return Err(exit::settings("--workers and --pool-size are at least 1"));
        }
        Ok(Settings {
            database_url,
            bind: self.bind.clone(),
            jwt: self.jwt.config(random_key).map_err(exit::settings)?,
            pool_size: self.db.pool(),
            workers: self.workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
            rules: self.rules.rules()?,
            max_body_bytes,
            subscription_recheck: std::time::Duration::from_secs(30),
            subscriber_queue: 4096,
            db_timeout: self.db.timeout(),
            introspection: self.introspection.unwrap_or(random_key),
            rate_limits: self.rate.limits(),
            response_cache_bytes: self.response_cache_mb.saturating_mul(1 << 20),
            limits,
            shutdown_grace: std::time::Duration::from_secs(self.shutdown_grace),
            cors_origins,
            trusted_documents: self.trusted_documents.clone(),
            files: self.files.files(&self.db.database_url)?,
            exports: crate::config::Exports {
                ttl: std::time::Duration::from_secs(self.export_ttl),
                max_rows: self.export_max_rows,
                timeout: std::time::Duration::from_secs(self.export_timeout),
            },
        })
    }
}

/// A database URL sqlx can open: `sqlite:` or `postgres://`/`postgresql://`, well formed.
fn check_database_url(url: &str) -> Result<String, BoxError> {
    use std::str::FromStr;
    let fail =
        |why: String| exit::settings(format!("--database-url (DATABASE_URL) {}: {why}", crate::db::redact_url(url)));
    if url.starts_with("sqlite:") {
        sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| fail(e.to_string()))?;
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        sea_orm::sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| fail(e.to_string()))?;
    } else {
        return Err(fail("expected sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DATABASE".into()));
    }
    Ok(url.to_string())
}

/// A listen address: `HOST:PORT` that resolves (`127.0.0.1:8080`, `[::]:8080`,
/// `localhost:8080`).
fn check_bind(bind: &str) -> Result<(), BoxError> {
    use std::net::ToSocketAddrs;
    let fail = |why: &str| {
        exit::settings(format!(
            "--bind {bind} (CASEBRIDGE_BIND): {why}; expected HOST:PORT, such as 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080"
        ))
    };
    match bind.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            let resolved = bind.to_socket_addrs().map_err(|e| fail(&format!("cannot resolve {host}: {e}")))?;
            if resolved.count() == 0 {
                return Err(fail(&format!("{host} resolves to no address")));
            }
            Ok(())
        }
        Some((_, port)) if port.parse::<u16>().is_err() => Err(fail(&format!("{port:?} is not a port"))),
        _ => Err(fail("no port")),
    }
}

/// A CORS origin as browsers send it: `scheme://host[:port]`, no path, no trailing slash; or
/// `*` for any (tokens travel in `Authorization`, never in cookies).
fn check_origin(origin: &str) -> Result<String, BoxError> {
    if origin == "*" {
        return Ok(origin.to_string());
    }
    let fail = |why: &str| {
        exit::settings(format!(
            "--cors-origins (CASEBRIDGE_CORS_ORIGINS): {origin:?} {why}; an origin is scheme://host[:port], such as https://dash.example.gov.cn"
        ))
    };
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    match rest {
        None => Err(fail("has no http:// or https://")),
        Some(rest) if rest.is_empty() || rest.contains('/') || rest.contains('*') => {
            Err(fail("is not an origin (no path, no slash at the end, no wildcard)"))
        }
        Some(_) => Ok(origin.to_string()),
    }
}

/// Opens the pool (exit code 3 when the database cannot be reached).
async fn open(
    url: &str,
    pool_size: u32,
    timeout: std::time::Duration,
) -> Result<sea_orm::DatabaseConnection, BoxError> {
    crate::db::connect_with(url, pool_size, timeout).await.map_err(|e| exit::database(crate::db::conn_text(&e)))
}

/// Parses the command line of this process, with the config file and `*_FILE` variables
/// folded in (`sources`).
pub fn parse() -> Result<(Cli, sources::Resolved), BoxError> {
    let env = |name: &str| std::env::var(name).ok();
    let resolved = sources::resolve(std::env::args_os().collect(), &env)?;
    let cli = Cli::try_parse_from(&resolved.args).unwrap_or_else(|e| e.exit());
    Ok((cli, resolved))
}

pub async fn run(cli: Cli, resolved: &sources::Resolved) -> Result<(), BoxError> {
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate(args) => migrate(args).await,
        Command::Config(args) => {
            let settings = args.settings.settings(args.demo)?;
            print!("{}", effective_settings(resolved)?);
            tracing::debug!(bind = %settings.bind, "settings are valid");
            Ok(())
        }
        Command::Seed(args) => {
            if !(args.scale > 0.0 && args.scale <= MAX_SEED_SCALE) {
                return Err(exit::settings(format!("--scale is a factor above 0 and at most {MAX_SEED_SCALE}")));
            }
            let rules = args.rules.rules()?;
            let db = args.db.open_current().await?;
            seed_demo_scaled(&db, &rules, args.scale, true).await
        }
        Command::Token(args) => {
            let jwt = args.jwt.config(false).map_err(exit::settings)?;
            let ttl = crate::auth::jwt::parse_ttl(&args.ttl).map_err(exit::settings)?;
            let db = args.db.open_current().await?;
            crate::auth::Principal::load(&db, &args.user).await.map_err(|e| e.message())?;
            println!("{}", jwt.sign(&args.user, ttl)?);
            Ok(())
        }
        Command::Serve(args) => serve(args).await,
        Command::Holidays(args) => {
            let csv = std::fs::read_to_string(&args.load)
                .map_err(|e| exit::settings(format!("reading {}: {e}", args.load.display())))?;
            let db = args.db.open_current().await?;
            let days = crate::calendar::load_table(&db, &csv)
                .await
                .map_err(|e| format!("{}: {}", args.load.display(), exit::one_line(e.as_ref())))?;
            println!("loaded {days} days; restart the servers to use them");
            Ok(())
        }
        Command::Report(args) => report(args).await,
        Command::Import(ImportCommand::Matters(args)) => {
            let db = args.db.open_current().await?;
            let report = crate::org::import::import_file(&db, &args.file, args.dry_run).await?;
            for line in report.lines() {
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// `migrate`, `migrate up`, `migrate status`, `migrate down --to VERSION [--yes]`.
async fn migrate(args: MigrateArgs) -> Result<(), BoxError> {
    match args.action {
        None => migrate_up(&args.db).await,
        Some(MigrateAction::Up(db)) => migrate_up(&db).await,
        Some(MigrateAction::Status(db)) => {
            let db = db.open().await?;
            let state = crate::db::schema_state(&db).await.map_err(exit::database)?;
            print!("{}", migration_status(&state));
            Ok(())
        }
        Some(MigrateAction::Down(down)) => {
            let db = down.db.open().await?;
            let state = crate::db::schema_state(&db).await.map_err(exit::database)?;
            if let Some(newer) = state.newer() {
                return Err(exit::database(format!(
                    "{newer}: roll those back with the binary that applied them ({})",
                    state.unknown.join(", ")
                )));
            }
            let wanted = down.to.trim();
            let Some(keep) = state
                .applied
                .iter()
                .position(|name| name == wanted || crate::db::version_of(name) == wanted.trim_start_matches('m'))
            else {
                return Err(exit::settings(format!(
                    "--to {wanted}: no applied migration has that name or version (`casebridge migrate status` lists them)"
                )));
            };
            let undo = &state.applied[keep + 1..];
            if undo.is_empty() {
                println!("nothing to roll back: {} is the newest applied migration", state.applied[keep]);
                return Ok(());
            }
            println!(
                "rolling back, newest first (their tables, columns and indexes, and the data in them, are dropped):"
            );
            for name in undo.iter().rev() {
                println!("  {name}");
            }
            if !down.yes {
                return Err(exit::settings("nothing was changed: add --yes to carry out this plan"));
            }
            let steps = u32::try_from(undo.len()).unwrap_or(u32::MAX);
            crate::db::migrate_down(&db, steps).await.map_err(exit::database)?;
            println!("the schema is at {}", state.applied[keep]);
            Ok(())
        }
    }
}

async fn migrate_up(db: &DbArgs) -> Result<(), BoxError> {
    let db = db.open().await?;
    let state = crate::db::schema_state(&db).await.map_err(exit::database)?;
    state.check(false, true).map_err(exit::database)?;
    crate::db::migrate(&db).await.map_err(exit::database)?;
    match state.pending.len() {
        0 => println!("the schema is up to date ({})", crate::db::SchemaState::binary_version()),
        n => println!("applied {n} migration(s): {}", state.pending.join(", ")),
    }
    Ok(())
}

/// `migrate status`: one line per migration, applied, pending or unknown to this binary.
fn migration_status(state: &crate::db::SchemaState) -> String {
    let mut out = String::new();
    for name in &state.applied {
        out.push_str(&format!("applied  {name}\n"));
    }
    for name in &state.pending {
        out.push_str(&format!("pending  {name}\n"));
    }
    for name in &state.unknown {
        out.push_str(&format!("newer    {name} (unknown to this binary)\n"));
    }
    let summary = match (state.newer(), state.pending.len()) {
        (Some(newer), _) => newer,
        (None, 0) => format!("up to date: {}", crate::db::SchemaState::binary_version()),
        (None, n) => format!("{n} pending; `casebridge migrate` applies them"),
    };
    out.push_str(&summary);
    out.push('\n');
    out
}

/// Settings whose values are never printed.
const SECRETS: &[&str] = &["jwt-secret", "files-s3-secret-access-key"];

/// `casebridge config`: the settings of `serve` as a TOML file, each with where it came from;
/// secrets and the database password hidden.
fn effective_settings(resolved: &sources::Resolved) -> Result<String, BoxError> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    command.build();
    let matches = command.clone().try_get_matches_from(&resolved.args)?;
    let (Some(("config", leaf_matches)), Some(leaf)) = (matches.subcommand(), command.find_subcommand("config")) else {
        return Err("not the config command".into());
    };
    let mut out = String::from("# casebridge: the effective settings of `serve` (secrets hidden), as a config file\n");
    for arg in leaf.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version" | "config" | "demo") {
            continue;
        }
        let id = arg.get_id().as_str();
        let env = arg.get_env().and_then(|e| e.to_str());
        let source = sources::source_of(leaf_matches, id, long, env, resolved);
        let values: Vec<String> = leaf_matches
            .get_raw(id)
            .map(|raw| raw.map(|v| v.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let shown = if values.is_empty() {
            if arg.get_action().takes_values() { None } else { Some("false".to_string()) }
        } else if SECRETS.contains(&long) {
            Some("\"(hidden)\"".to_string())
        } else {
            Some(toml_value(long, &values))
        };
        let comment = env.map_or_else(|| format!("{source}"), |var| format!("{var}; {source}"));
        match shown {
            Some(value) => out.push_str(&format!("{long} = {value}  # {comment}\n")),
            None => out.push_str(&format!("# {long} is not set  # {comment}\n")),
        }
    }
    Ok(out)
}

fn toml_value(long: &str, values: &[String]) -> String {
    let one = |v: &str| {
        let v = if long == "database-url" { crate::db::redact_url(v) } else { v.to_string() };
        if v == "true" || v == "false" || (v.parse::<f64>().is_ok() && !v.starts_with('+')) {
            v
        } else {
            format!("{v:?}")
        }
    };
    if values.len() == 1 && long != "cors-origins" {
        one(&values[0])
    } else {
        format!("[{}]", values.iter().map(|v| one(v)).collect::<Vec<_>>().join(", "))
    }
}

async fn report(args: ReportArgs) -> Result<(), BoxError> {
    let settings = args.settings.settings(true)?;
    let db = args.settings.db.open_current().await?;
    if args.demo {
        seed_demo(&db, &settings.rules).await?;
    }
    let calendar = crate::calendar::Calendar::load(&db).await?;
    let scope = crate::statistics::service::Scope::default();
    let today = crate::calendar::today();
    let figures = crate::statistics::service::compute(
        &db,
        &calendar,
        settings.rules.transfer_answer_days,
        &scope,
        args.year,
        today,
    )
    .await
    .map_err(|e| e.message())?;
    match args.format {
        ReportFormat::Md => print!("{}", crate::statistics::report::markdown(&figures)),
        ReportFormat::Html => print!("{}", crate::statistics::report::html(&figures)),
    }
    Ok(())
}

async fn seed_demo(db: &sea_orm::DatabaseConnection, rules: &Rules) -> Result<(), BoxError> {
    seed_demo_scaled(db, rules, 1.0, false).await
}

/// The largest `seed --demo --scale`: about 3 million cases.
const MAX_SEED_SCALE: f64 = 1000.0;

/// Loads the demo year through the configured rules (the same the server enforces); with
/// `report`, one progress line on stderr per chunk written (cases, rate, phase).
async fn seed_demo_scaled(
    db: &sea_orm::DatabaseConnection,
    rules: &Rules,
    scale: f64,
    report: bool,
) -> Result<(), BoxError> {
    if crate::demo::has_data(db).await? {
        tracing::info!("the database already holds data; demo not loaded");
        return Ok(());
    }
    let calendar = crate::calendar::Calendar::load(db).await?;
    let started = std::time::Instant::now();
    let opts = crate::demo::DemoOptions { scale, ..Default::default() };
    let progress = |p: &crate::demo::Progress| {
        if report {
            eprintln!("{}", seed_progress_line(p, started.elapsed()));
        }
    };
    let summary = crate::demo::seed_with_progress(db, &calendar, rules, &opts, chrono::Utc::now(), progress).await?;
    tracing::info!(
        cases = summary.cases,
        transfers = summary.transfers,
        records = summary.records,
        users = summary.users,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo year loaded"
    );
    Ok(())
}

/// `seed: chunk 3/82 (cases with their records, events and oversight rows): 36412 of ~1001000
/// cases (3.6%), 9120 records, 4120 cases/s, 8.8 s`.
fn seed_progress_line(p: &crate::demo::Progress, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { p.written.cases as f64 / secs } else { 0.0 };
    let share = if p.expected_cases > 0 { 100.0 * p.written.cases as f64 / p.expected_cases as f64 } else { 100.0 };
    let phase = if p.done {
        "done"
    } else if p.chunk == 1 {
        "organisation and first chunk written"
    } else {
        "cases with their records, events and oversight rows"
    };
    format!(
        "seed: chunk {}/{} ({phase}): {} of ~{} cases ({share:.1}%), {} records, {rate:.0} cases/s, {secs:.1} s",
        p.chunk, p.chunks, p.written.cases, p.expected_cases, p.written.records
    )
}

async fn serve(args: ServeArgs) -> Result<(), BoxError> {
    let settings = args.settings.settings(args.demo)?;
    let jwt = settings.jwt.clone();
    // The address is tried before anything is written: a port in use fails here, not after
    // the migrations.
    std::net::TcpListener::bind(&settings.bind)
        .map_err(|e| exit::listen(format!("cannot listen on {} (--bind, CASEBRIDGE_BIND): {e}", settings.bind)))?;
    let db = open(&settings.database_url, settings.pool_size, settings.db_timeout).await?;
    let state = crate::db::schema_state(&db).await.map_err(exit::database)?;
    state.check(args.allow_newer_schema, !args.no_migrate).map_err(exit::database)?;
    if let Some(newer) = state.newer() {
        tracing::warn!("{newer}; starting anyway (--allow-newer-schema), without migrating");
    } else if !args.no_migrate && !state.pending.is_empty() {
        crate::db::migrate(&db).await.map_err(exit::database)?;
        tracing::info!(migrations = %state.pending.join(", "), "migrations applied");
    }
    if args.demo {
        seed_demo(&db, &settings.rules).await?;
    }
    let bind = settings.bind.clone();
    let app = Application::with_db(settings, db).await?;
    let base = format!("http://{}:{}", bind.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h), app.port());
    tracing::info!(address = %base, "casebridge listening");
    if args.demo {
        // The operator asked for this: tokens for trying the demo in GraphiQL.
        println!("GraphiQL: {base}/");
        println!("Demo tokens (8h); send as `Authorization: Bearer <token>`:");
        for login in crate::demo::DEMO_LOGINS {
            if let Ok(token) = jwt.sign(login, chrono::Duration::hours(8)) {
                println!("  {login:<16} {token}");
            }
        }
    }
    app.run_until_stopped().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_of(args: &[&str]) -> Settings {
        let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let settings = match cli.command {
            Command::Serve(a) => a.settings.settings(true),
            Command::Report(a) => a.settings.settings(true),
            other => panic!("not serve or report: {other:?}"),
        };
        settings.unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn rate_limits_default_and_read_from_flags() {
        let secret = ["casebridge", "serve", "--jwt-secret", "0123456789abcdef0123456789abcdef"];
        assert_eq!(settings_of(&secret).rate_limits, RateLimits::default());
        let flags = ["--rate-limit", "0", "--rate-burst-anonymous", "0", "--expensive-concurrency", "1"];
        let limits = settings_of(&[&secret[..], &flags[..], &["--trust-forwarded", "true"]].concat()).rate_limits;
        assert!(limits.signed.is_off());
        assert_eq!(limits.anonymous, Quota { per_second: 10, burst: 1 }, "a burst of 0 still lets one through");
        assert_eq!(limits.expensive_concurrency, 1);
        assert!(limits.trust_forwarded);
    }

    #[test]
    fn introspection_and_graphiql_are_off_unless_enabled_or_demo() {
        let serve = |args: &[&str]| {
            let Command::Serve(a) = Cli::try_parse_from(args).expect("parses").command else { panic!("serve") };
            a.settings.settings(a.demo).expect("settings").introspection
        };
        let secret = ["casebridge", "serve", "--jwt-secret", "0123456789abcdef0123456789abcdef"];
        assert!(!serve(&secret), "production posture: off");
        assert!(serve(&["casebridge", "serve", "--demo"]), "the demo shows GraphiQL");
        assert!(serve(&[&secret[..], &["--introspection", "true"]].concat()));
        assert!(!serve(&["casebridge", "serve", "--demo", "--introspection", "false"]));
    }

    #[test]
    fn report_computes_with_the_settings_serve_runs_with() {
        let flags = [
            "--database-url",
            "sqlite:///tmp/casebridge-settings.db?mode=rwc",
            "--pool-size",
            "3",
            "--transfer-answer-days",
            "9",
        ];
        let serve = settings_of(&[&["casebridge", "serve"][..], &flags].concat());
        let report = settings_of(&[&["casebridge", "report", "--year", "2023"][..], &flags].concat());
        assert_eq!(report.rules.transfer_answer_days, 9, "report reads CASEBRIDGE_TRANSFER_ANSWER_DAYS");
        assert_eq!(report.rules, serve.rules);
        assert_eq!((&report.database_url, report.pool_size), (&serve.database_url, serve.pool_size));
        // Without flags, both read the same environment and defaults.
        let serve = settings_of(&["casebridge", "serve"]);
        let report = settings_of(&["casebridge", "report", "--year", "2023"]);
        assert_eq!(report.rules, serve.rules);
        assert_eq!((report.database_url, report.pool_size), (serve.database_url, serve.pool_size));
    }

    fn resolved(args: &[&str], env: &[(&str, &str)]) -> Result<sources::Resolved, BoxError> {
        let env: std::collections::HashMap<String, String> =
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        sources::resolve(args.iter().map(std::ffi::OsString::from).collect(), &|name| env.get(name).cloned())
    }

    fn serve_settings(resolved: &sources::Resolved) -> Settings {
        let Command::Serve(a) = Cli::try_parse_from(&resolved.args).expect("parses").command else { panic!("serve") };
        a.settings.settings(true).expect("settings")
    }

    #[test]
    fn the_config_file_and_file_variables_fill_what_flags_and_variables_leave_unset() {
        let dir = tempfile::tempdir().expect("dir");
        let secret = dir.path().join("jwt");
        std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").expect("secret");
        let config = dir.path().join("casebridge.toml");
        std::fs::write(
            &config,
            "bind = \"127.0.0.1:9999\"\nstatement_days = 7\nbackdate-days = 10\ncors-origins = [\"https://a.example\", \"http://b.example:8080\"]\nmax-depth = 12\ntrust-forwarded = true\n",
        )
        .expect("config");
        let path = config.to_str().expect("utf-8");
        // The flag beats the file; the file beats the default.
        let r = resolved(&["casebridge", "serve", "--config", path, "--backdate-days", "3"], &[]).expect("resolves");
        let s = serve_settings(&r);
        assert_eq!(s.bind, "127.0.0.1:9999");
        assert_eq!((s.rules.statement_days, s.rules.backdate_days), (7, 3));
        assert_eq!(s.cors_origins, ["https://a.example", "http://b.example:8080"]);
        assert_eq!(s.limits.depth, 12);
        assert!(s.rate_limits.trust_forwarded);
        assert_eq!(r.sources.get("bind"), Some(&sources::Source::ConfigFile(config.clone())));
        assert!(!r.sources.contains_key("backdate-days"), "the flag's own");
        // A variable beats the file (clap reads it; the file is not folded in for it).
        let r = resolved(&["casebridge", "serve", "--config", path], &[("CASEBRIDGE_BIND", "127.0.0.1:1")])
            .expect("resolves");
        assert!(!r.sources.contains_key("bind"));
        // A *_FILE variable holds a secret, without its newline.
        let r = resolved(&["casebridge", "serve"], &[("CASEBRIDGE_JWT_SECRET_FILE", secret.to_str().expect("utf-8"))])
            .expect("resolves");
        assert!(r.args.iter().any(|a| a == "--jwt-secret=0123456789abcdef0123456789abcdef"));
        assert_eq!(r.sources.get("jwt-secret"), Some(&sources::Source::EnvFile("CASEBRIDGE_JWT_SECRET_FILE".into())));
        // An unknown key is named; a missing secret file is named.
        std::fs::write(&config, "bnid = \"x\"\n").expect("config");
        let err = resolved(&["casebridge", "serve", "--config", path], &[]).expect_err("a typo");
        assert!(err.to_string().contains("unknown setting `bnid`"), "{err}");
        assert_eq!(exit::code_of(&err), 2);
        let err = resolved(&["casebridge", "serve"], &[("CASEBRIDGE_JWT_SECRET_FILE", "/nonexistent/jwt")])
            .expect_err("no file");
        assert!(err.to_string().contains("CASEBRIDGE_JWT_SECRET_FILE: reading /nonexistent/jwt"), "{err}");
        // A global setting (`--log-format`) is read from the file too.
        std::fs::write(&config, "log-format = \"json\"\n").expect("config");
        let r = resolved(&["casebridge", "serve", "--config", path], &[]).expect("resolves");
        let cli = Cli::try_parse_from(&r.args).expect("parses");
        assert_eq!(cli.log_format, crate::telemetry::LogFormat::Json);
        // A key of another command is left alone (`bind` for `token`).
        std::fs::write(&config, "bind = \"127.0.0.1:9999\"\n").expect("config");
        let r = resolved(&["casebridge", "token", "--user", "admin", "--config", path], &[]).expect("resolves");
        assert!(r.sources.is_empty());
    }

    #[test]
    fn every_setting_is_checked_before_anything_is_opened() {
        let secret = ["casebridge", "serve", "--jwt-secret", "0123456789abcdef0123456789abcdef"];
        let refused = |extra: &[&str]| {
            let Command::Serve(a) = Cli::try_parse_from([&secret[..], extra].concat()).expect("parses").command else {
                panic!("serve")
            };
            let err = a.settings.settings(false).expect_err("refused");
            assert_eq!(exit::code_of(&err), 2, "{err}");
            err.to_string()
        };
        assert!(refused(&["--bind", "localhost"]).contains("--bind localhost (CASEBRIDGE_BIND): no port"));
        assert!(refused(&["--bind", "127.0.0.1:http"]).contains("\"http\" is not a port"));
        assert!(refused(&["--database-url", "mysql://x"]).contains("expected sqlite://"));
        assert!(refused(&["--database-url", "postgres://u:secret@h:notaport/db"]).contains("u:***@"));
        assert!(refused(&["--cors-origins", "https://a.example/"]).contains("is not an origin"));
        assert!(refused(&["--cors-origins", "a.example"]).contains("no http://"));
        assert!(refused(&["--max-depth", "0"]).contains("--max-depth is at least 1"));
        assert!(refused(&["--max-body-bytes", "1000"]).contains("smaller than --max-query-bytes"));
        assert!(refused(&["--statement-days", "0"]).contains("--statement-days"));
        assert!(refused(&["--hearing-person-yuan", "0"]).contains("--hearing-person-yuan"));
        assert!(refused(&["--trusted-documents", "/nonexistent/manifest.json"]).contains("--trusted-documents"));
        let Command::Serve(a) = Cli::try_parse_from(
            [&secret[..], &["--hearing-person-yuan", "5000", "--towns-refer-hearing-level", "false"]].concat(),
        )
        .expect("parses")
        .command
        else {
            panic!("serve")
        };
        let rules = a.settings.settings(false).expect("settings").rules;
        assert_eq!((rules.hearing_person_fen, rules.towns_refer_hearing_level), (500_000, false));
    }

    /// The README's settings table (section "Settings") against the command line: every
    /// variable a command reads has a row naming its flag and default, and every row names a
    /// variable some command reads.
    #[test]
    fn the_readme_lists_every_setting() {
        use clap::CommandFactory;
        let readme = include_str!("../README.md");
        let start = readme.find("### Settings").expect("a Settings section");
        let table: Vec<Vec<String>> = readme[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| variable"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
            .collect();
        assert!(table.len() > 30, "the table is found: {} rows", table.len());
        let mut command = Cli::command();
        command.build();
        let mut seen = std::collections::BTreeMap::new();
        fn walk(command: &clap::Command, seen: &mut std::collections::BTreeMap<String, (String, Option<String>)>) {
            for arg in command.get_arguments() {
                let (Some(env), Some(long)) = (arg.get_env().and_then(|e| e.to_str()), arg.get_long()) else {
                    continue;
                };
                let default = arg.get_default_values().first().map(|v| v.to_string_lossy().into_owned());
                seen.insert(env.to_string(), (long.to_string(), default));
            }
            for sub in command.get_subcommands() {
                walk(sub, seen);
            }
        }
        walk(&command, &mut seen);
        for (env, (long, default)) in &seen {
            let row = table
                .iter()
                .find(|r| r[0].starts_with(&format!("`{env}`")))
                .unwrap_or_else(|| panic!("README's settings table has no row for {env} (--{long})"));
            assert!(row[0].contains(&format!("`--{long}`")), "the row of {env} names --{long}: {row:?}");
            if let Some(default) = default {
                let shown = row[1].trim_matches('`');
                assert!(
                    shown == default || shown.starts_with(&format!("{default} ")),
                    "the row of {env} gives the default {default}, not {shown}"
                );
            }
        }
        // Read by the logging set-up itself, not by clap.
        let outside_clap = ["CASEBRIDGE_LOG"];
        for row in &table {
            let env = row[0].split('`').nth(1).unwrap_or_default();
            assert!(
                seen.contains_key(env) || outside_clap.contains(&env) || !env.starts_with("CASEBRIDGE_"),
                "README lists {env}, which no command reads"
            );
        }
    }
}
