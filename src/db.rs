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
    Database::connect(opts).await
}

/// Applies pending migrations. On PostgreSQL they run on a connection of their own without
/// the pool's `statement_timeout` (an index on a million cases takes longer than a request).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
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
    let result = Migrator::up(&conn, None).await;
    pool.close().await;
    result
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
