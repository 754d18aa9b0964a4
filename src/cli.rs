//! The command line: `serve`, `migrate`, `seed --demo`, `token`, `schema`, `holidays`, `report`,
//! `import matters`.

use clap::{Args, Parser, Subcommand};

use crate::app::Application;
use crate::auth::{JwtConfig, JwtKey};
use crate::config::{
    DEFAULT_AUDIENCE, DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_ISSUER, Quota, RateLimits, Rules, Settings,
};

/// casebridge: the GraphQL data API through which Dongtou's departments work on the same
/// law-enforcement cases.
#[derive(Parser, Debug)]
#[command(name = "casebridge", version, about, long_about = None)]
pub struct Cli {
    /// How log lines are written: text or json (one object per line).
    #[arg(long, global = true, env = "CASEBRIDGE_LOG_FORMAT", value_enum, default_value_t = crate::telemetry::LogFormat::Text)]
    pub log_format: crate::telemetry::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve HTTP (GraphQL, GraphiQL, health and metrics).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DbArgs),
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
    /// Seconds one GraphQL request may run before it is answered TIMEOUT.
    #[arg(long, env = "CASEBRIDGE_REQUEST_TIMEOUT", default_value_t = crate::config::Limits::default().request_timeout.as_secs())]
    pub request_timeout: u64,
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
}

impl RulesArgs {
    pub fn rules(&self) -> Rules {
        Rules {
            transfer_answer_days: self.transfer_answer_days,
            statement_days: self.statement_days,
            backdate_days: self.backdate_days,
            ..Rules::default()
        }
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

    async fn connect(&self) -> Result<sea_orm::DatabaseConnection, BoxError> {
        connect(&self.database_url, self.pool(), self.timeout()).await
    }
}

impl SettingsArgs {
    /// The one place [`Settings`] is built. With `random_key`, a random HS256 secret stands in
    /// when no JWT key is configured (`serve --demo`; `report`, which signs nothing).
    pub fn settings(&self, random_key: bool) -> Result<Settings, BoxError> {
        Ok(Settings {
            database_url: self.db.database_url.clone(),
            bind: self.bind.clone(),
            jwt: self.jwt.config(random_key)?,
            pool_size: self.db.pool(),
            workers: self.workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
            rules: self.rules.rules(),
            max_body_bytes: 1 << 20,
            subscription_recheck: std::time::Duration::from_secs(30),
            subscriber_queue: 4096,
            db_timeout: self.db.timeout(),
            introspection: self.introspection.unwrap_or(random_key),
            rate_limits: self.rate.limits(),
            response_cache_bytes: self.response_cache_mb.saturating_mul(1 << 20),
            limits: crate::config::Limits {
                request_timeout: std::time::Duration::from_secs(self.request_timeout.max(1)),
            },
            shutdown_grace: std::time::Duration::from_secs(self.shutdown_grace),
            cors_origins: self.cors_origins.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect(),
            trusted_documents: self.trusted_documents.clone(),
        })
    }
}

/// Opens the pool and applies pending migrations.
async fn connect(
    url: &str,
    pool_size: u32,
    timeout: std::time::Duration,
) -> Result<sea_orm::DatabaseConnection, BoxError> {
    let db = crate::db::connect_with(url, pool_size, timeout).await?;
    crate::db::migrate(&db).await?;
    Ok(db)
}

pub async fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate(db) => {
            db.connect().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed(args) => {
            if !(args.scale > 0.0 && args.scale <= MAX_SEED_SCALE) {
                return Err(format!("--scale is a factor above 0 and at most {MAX_SEED_SCALE}").into());
            }
            let db = args.db.connect().await?;
            seed_demo_scaled(&db, &args.rules.rules(), args.scale, true).await
        }
        Command::Token(args) => {
            let jwt = args.jwt.config(false)?;
            let ttl = crate::auth::jwt::parse_ttl(&args.ttl)?;
            let db = args.db.connect().await?;
            crate::auth::Principal::load(&db, &args.user).await.map_err(|e| e.message())?;
            println!("{}", jwt.sign(&args.user, ttl)?);
            Ok(())
        }
        Command::Serve(args) => serve(args).await,
        Command::Holidays(args) => {
            let csv =
                std::fs::read_to_string(&args.load).map_err(|e| format!("reading {}: {e}", args.load.display()))?;
            let db = args.db.connect().await?;
            let days = crate::calendar::load_table(&db, &csv).await?;
            println!("loaded {days} days; restart the servers to use them");
            Ok(())
        }
        Command::Report(args) => report(args).await,
        Command::Import(ImportCommand::Matters(args)) => {
            let db = args.db.connect().await?;
            let report = crate::org::import::import_file(&db, &args.file, args.dry_run).await?;
            for line in report.lines() {
                println!("{line}");
            }
            Ok(())
        }
    }
}

async fn report(args: ReportArgs) -> Result<(), BoxError> {
    let settings = args.settings.settings(true)?;
    let db = connect(&settings.database_url, settings.pool_size, settings.db_timeout).await?;
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
    let db = connect(&settings.database_url, settings.pool_size, settings.db_timeout).await?;
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
}
