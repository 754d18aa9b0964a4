//! The one connection pool, sized for the machine, and migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Opens the pool. SQLite gets WAL (readers do not block the writer) with `synchronous=FULL`
/// (WAL with NORMAL can lose acknowledged commits on power loss) and a busy timeout; the file
/// is created when missing.
pub async fn connect(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(pool_size.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    }
    Database::connect(opts).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
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
