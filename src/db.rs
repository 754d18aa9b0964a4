//! The one connection pool, sized for the machine, and migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How long a statement, a wait for a pooled connection or a wait for SQLite's write lock may
/// take before it fails (`CASEBRIDGE_DB_TIMEOUT`): a frozen database makes requests and
/// `/readyz` fail within this, instead of hanging.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a PostgreSQL session may sit idle inside a transaction before the server ends it
/// (and its locks): a transaction never stays open across a stall.
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(30);

/// Opens the pool with [`DEFAULT_TIMEOUT`].
pub async fn connect(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, pool_size, DEFAULT_TIMEOUT).await
}

/// Opens the pool. SQLite gets WAL (readers do not block the writer) with `synchronous=FULL`
/// (WAL with NORMAL can lose acknowledged commits on power loss) and a busy timeout; the file
/// is created when missing. PostgreSQL sessions get a `statement_timeout` and an
/// `idle_in_transaction_session_timeout`.
///
/// The pool runs no background maintenance: `min_connections(0)` and no idle or lifetime
/// reaping. sqlx 0.9.0 (the newest release, the one SeaORM 2 uses) still has the `num_idle`
/// underflow of sqlx issue #3645 (fixed upstream by PR #4289, not yet released): its
/// maintenance task, which runs every idle-timeout/lifetime period (10 minutes by default),
/// can spin forever in `try_acquire` and wedge the pool. Without the task the bug has nothing
/// to spin in; connections open on demand and stay open (PostgreSQL's own
/// `idle_session_timeout` and server restarts are handled by sqlx's reconnect on acquire).
pub async fn connect_with(url: &str, pool_size: u32, timeout: Duration) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(pool_size.max(1))
        .min_connections(0)
        .idle_timeout(None::<Duration>)
        .max_lifetime(None::<Duration>)
        .connect_timeout(timeout.max(Duration::from_secs(1)))
        .acquire_timeout(timeout)
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        opts.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(timeout)
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else if url.starts_with("postgres") {
        let statement = format!("{}", timeout.as_millis());
        let idle = format!("{}", IDLE_IN_TRANSACTION.as_millis());
        opts.map_sqlx_postgres_opts(move |o| {
            o.options([
                ("statement_timeout", statement.as_str()),
                ("idle_in_transaction_session_timeout", idle.as_str()),
            ])
        });
    }
    if url.starts_with("postgres") {
        probe_postgres(url, timeout).await?;
    }
    Database::connect(opts).await.map_err(|e| match url.strip_prefix("sqlite:") {
        Some(path) => {
            let path = path.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            let why = conn_text(&e);
            DbErr::Conn(sea_orm::RuntimeErr::Internal(format!("cannot open the SQLite database {path}: {why}")))
        }
        None => e,
    })
}

/// A connection error's own words, without SeaORM's "Connection Error: " wrapping.
pub fn conn_text(e: &DbErr) -> String {
    match e {
        DbErr::Conn(sea_orm::RuntimeErr::Internal(text)) => text.clone(),
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)) => e.to_string(),
        other => other.to_string(),
    }
}

/// The longest a first connection to PostgreSQL is tried before start-up gives up.
pub const CONNECT_PROBE: Duration = Duration::from_secs(5);

/// One connection, tried once, before the pool is built: the pool retries a refused
/// connection until its acquire timeout and then says only "pool timed out"; this names the
/// server and the reason within [`CONNECT_PROBE`].
async fn probe_postgres(url: &str, timeout: Duration) -> Result<(), DbErr> {
    use std::str::FromStr;

    use sea_orm::sqlx::Connection;
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
    let fail = |why: String| DbErr::Conn(sea_orm::RuntimeErr::Internal(why));
    let options = PgConnectOptions::from_str(url).map_err(|e| fail(format!("{}: {e}", redact_url(url))))?;
    let server = format!(
        "PostgreSQL at {}:{} (database {}, user {})",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)"),
        options.get_username()
    );
    let limit = timeout.clamp(Duration::from_secs(1), CONNECT_PROBE);
    match tokio::time::timeout(limit, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => {
            let reason = match &e {
                sea_orm::sqlx::Error::Io(io) => io.to_string(),
                sea_orm::sqlx::Error::Database(db) => db.message().to_string(),
                other => other.to_string(),
            };
            Err(fail(format!("cannot connect to {server}: {reason}")))
        }
        Err(_) => Err(fail(format!("cannot connect to {server}: no answer within {} s", limit.as_secs()))),
    }
}

/// Runs `f` on a connection for schema changes: on PostgreSQL one of its own without the
/// pool's `statement_timeout` (an index on a million cases takes longer than a request); on
/// SQLite the pool itself.
async fn on_migration_connection<T, F>(db: &DatabaseConnection, f: F) -> Result<T, DbErr>
where
    F: AsyncFnOnce(&DatabaseConnection) -> Result<T, DbErr>,
{
    if db.get_database_backend() != DbBackend::Postgres {
        return f(db).await;
    }
    let options = (*db.get_postgres_connection_pool().connect_options())
        .clone()
        .options([("statement_timeout", "0"), ("idle_in_transaction_session_timeout", "0")]);
    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
    let conn = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
    let result = f(&conn).await;
    pool.close().await;
    result
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    on_migration_connection(db, async |conn| Migrator::up(conn, None).await).await
}

/// Rolls back the newest `steps` applied migrations.
pub async fn migrate_down(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    on_migration_connection(db, async |conn| Migrator::down(conn, Some(steps)).await).await
}

/// The database's schema against this binary's migrations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// Applied, known to this binary, oldest first.
    pub applied: Vec<String>,
    /// Known to this binary, not applied.
    pub pending: Vec<String>,
    /// Applied by a newer binary: unknown to this one.
    pub unknown: Vec<String>,
}

/// A migration's version: `20261201_000005` of `m20261201_000005_user_left_on`.
pub fn version_of(name: &str) -> &str {
    let name = name.strip_prefix('m').unwrap_or(name);
    name.char_indices().filter(|(_, c)| *c == '_').nth(1).map_or(name, |(i, _)| &name[..i])
}

impl SchemaState {
    /// This binary's newest migration.
    pub fn binary_version() -> String {
        Migrator::migrations().last().map(|m| version_of(m.name()).to_string()).unwrap_or_default()
    }

    /// The database's newest migration, if any.
    pub fn database_version(&self) -> Option<&str> {
        self.applied.iter().chain(&self.unknown).map(|n| version_of(n)).max()
    }

    /// `database schema 20261215_000001 is newer than this binary's 20261201_000010`, when it is.
    pub fn newer(&self) -> Option<String> {
        let newest = self.unknown.iter().map(|n| version_of(n)).max()?;
        Some(format!("database schema {newest} is newer than this binary's {}", Self::binary_version()))
    }

    /// Refuses a schema this binary was not built for: a newer one (unless `allow_newer`),
    /// and, unless `pending_ok`, one with migrations still to apply.
    pub fn check(&self, allow_newer: bool, pending_ok: bool) -> Result<(), String> {
        if let Some(newer) = self.newer().filter(|_| !allow_newer) {
            return Err(format!(
                "{newer} (applied by a newer casebridge: {}); run the newer binary, or roll the schema back with its \
                 `casebridge migrate down --to {}`",
                self.unknown.join(", "),
                Self::binary_version()
            ));
        }
        if !pending_ok && !self.pending.is_empty() {
            return Err(format!(
                "the database schema is behind this binary: {} migration(s) pending ({}); run `casebridge migrate`",
                self.pending.len(),
                self.pending.join(", ")
            ));
        }
        Ok(())
    }
}

/// Reads which migrations the database has applied (`seaql_migrations`), without failing
/// on ones this binary does not know, as sea-orm-migration's own status does.
pub async fn schema_state(db: &DatabaseConnection) -> Result<SchemaState, DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let exists = match backend {
        DbBackend::Postgres => "SELECT to_regclass('seaql_migrations') IS NOT NULL AS present",
        _ => {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations') AS present"
        }
    };
    let present = db
        .query_one_raw(Statement::from_string(backend, exists))
        .await?
        .map(|row| row.try_get::<bool>("", "present"))
        .transpose()?
        .unwrap_or(false);
    let mut in_db = std::collections::BTreeSet::new();
    if present {
        let rows = db.query_all_raw(Statement::from_string(backend, "SELECT version FROM seaql_migrations")).await?;
        for row in rows {
            in_db.insert(row.try_get::<String>("", "version")?);
        }
    }
    let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let mut state = SchemaState::default();
    for name in &known {
        if in_db.contains(name) {
            state.applied.push(name.clone());
        } else {
            state.pending.push(name.clone());
        }
    }
    state.unknown = in_db.into_iter().filter(|n| !known.contains(n)).collect();
    Ok(state)
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    match tail {
        Some(tail) => format!("{scheme}://{authority}/{tail}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred transaction that
/// reads then writes fails at once with SQLITE_BUSY when another writer got in first.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    db.begin_with_options(TransactionOptions {
        isolation_level: None::<IsolationLevel>,
        access_mode: None::<AccessMode>,
        sqlite_transaction_mode: sqlite.then_some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// A pool size for this machine: PostgreSQL serves best with a few connections per core;
/// SQLite has one writer, so a handful of readers is plenty.
pub fn default_pool_size(url: &str) -> u32 {
    let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(2);
    if url.starts_with("sqlite:") { 4 } else { (cores * 4).clamp(4, 32) }
}
