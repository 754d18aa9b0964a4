//! Test databases cloned from a template, as crates.io's test suite does: the schema is
//! migrated and the demo seeded once into a template per test binary and day, and each test
//! gets a copy (`CREATE DATABASE … TEMPLATE …` on PostgreSQL, a file copy on SQLite), dropped
//! when the test ends.
//!
//! A template's name carries a hash of what shapes it: the migration list, the demo's scale,
//! the Asia/Shanghai day (the demo's open work is seeded around "now"), and the test binary
//! itself (its size and modification time, so a change to the demo or a migration rebuilds
//! it). Up to date, it is reused by later runs; a template is built under a temporary name and
//! renamed when complete, so concurrent runs (other test binaries, other worktrees on the same
//! PostgreSQL server) never see half of one. In one run, a `OnceCell` per scale builds it once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// A database of one test. On PostgreSQL it is dropped (`WITH (FORCE)`: the servers of the
/// test may still hold connections) when this is dropped, also while a test panics; on SQLite
/// its temp directory goes.
pub struct TestDb {
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Kind::Postgres { admin_url, name } = &self.kind else { return };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs on the test's runtime (or while the test unwinds), which cannot be blocked
        // on: the DROP gets a thread and a runtime of its own.
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = admin(&admin_url).await.map_err(|e| e.to_string())?;
                let done = drop_database(&admin, &name).await;
                admin.close().await.ok();
                done
            })
        })
        .join();
        if let Err(e) = outcome.unwrap_or_else(|_| Err("the drop thread panicked".into())) {
            // Never panic in drop (it may run during a panic); the stale-database sweep of
            // .ci/run is the safety net. Straight to stderr: libtest would swallow `eprintln!`.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "test database {} not dropped: {e}", self.url);
        }
    }
}

/// A fresh database holding the migrated schema and the demo at `scale`.
pub async fn clone_demo(scale: f64) -> TestDb {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let template = built_once(scale, || pg_template(base.clone(), scale)).await;
            let name = format!("cb_test_{}", uuid::Uuid::new_v4().simple());
            let admin = admin(&base).await.expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                .await
                .expect("clone the template database");
            admin.close().await.ok();
            TestDb { url: database_url(&base, &name), kind: Kind::Postgres { admin_url: base, name } }
        }
        _ => {
            let template = built_once(scale, || sqlite_template(scale)).await;
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("test.db");
            std::fs::copy(&template, &file).expect("copy the template database");
            TestDb { url: format!("sqlite://{}?mode=rwc", file.display()), kind: Kind::Sqlite { _dir: dir } }
        }
    }
}

/// Builds the template of `scale` at most once in this process, whichever test asks first
/// (the others wait); a build that panicked is tried again by the next test.
async fn built_once<F, Fut>(scale: f64, build: F) -> String
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    static CELLS: OnceLock<Mutex<HashMap<u64, Arc<OnceCell<String>>>>> = OnceLock::new();
    let cell = {
        let mut cells = CELLS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
        cells.entry(scale.to_bits()).or_default().clone()
    };
    cell.get_or_init(build).await.clone()
}

/// `<hash of the build>` and `s<scale in thousandths>`: what a template's name is made of.
fn version(scale: f64) -> (String, String) {
    let mut h = Sha256::new();
    for m in Migrator::migrations() {
        h.update(m.name().as_bytes());
        h.update([0]);
    }
    h.update(scale.to_bits().to_le_bytes());
    h.update(casebridge::calendar::today().to_string().as_bytes());
    let exe = std::env::current_exe().expect("the test binary");
    if let Ok(meta) = std::fs::metadata(&exe) {
        h.update(meta.len().to_le_bytes());
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        h.update(modified.unwrap_or_default().as_nanos().to_le_bytes());
    }
    (hex::encode(&h.finalize()[..8]), format!("s{}", (scale * 1000.0).round() as u64))
}

/// Migrates and seeds the demo at `scale` into the database behind `url`.
async fn migrate_and_seed(url: &str, scale: f64) -> sea_orm::DatabaseConnection {
    let db = casebridge::db::connect(url, 4).await.expect("connect");
    casebridge::db::migrate(&db).await.expect("migrate");
    let calendar = casebridge::calendar::Calendar::load(&db).await.expect("calendar");
    let opts = casebridge::demo::DemoOptions { scale, ..Default::default() };
    casebridge::demo::seed(&db, &calendar, &opts, chrono::Utc::now()).await.expect("seed demo");
    db
}

fn database_url(base: &str, name: &str) -> String {
    let (prefix, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends with /dbname");
    format!("{prefix}/{name}")
}

/// One connection to the server of `url`, for creating and dropping databases.
async fn admin(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(1).min_connections(0).connect_timeout(Duration::from_secs(10)).sqlx_logging(false);
    Database::connect(opts).await
}

async fn drop_database(admin: &DatabaseConnection, name: &str) -> Result<(), String> {
    // PostgreSQL 13 and later end the connections still open on it.
    let force = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    if admin.execute_unprepared(&force).await.is_ok() {
        return Ok(());
    }
    let kill = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    admin.execute_unprepared(&kill).await.map_err(|e| e.to_string())?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// The names of the databases matching the `LIKE` pattern.
async fn databases_like(admin: &DatabaseConnection, pattern: &str) -> Vec<String> {
    let q = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [pattern.into()],
    );
    let rows = admin.query_all_raw(q).await.expect("list databases");
    rows.iter().map(|row| row.try_get_by_index::<String>(0).expect("datname")).collect()
}

/// `cb_tpl_<binary>_<version>_<scale>` on the server of `base`, built unless it exists.
/// Other versions of the same test binary's templates are dropped once a new one is built.
async fn pg_template(base: String, scale: f64) -> String {
    let exe = std::env::current_exe().expect("the test binary");
    let binary = hex::encode(&Sha256::digest(exe.to_string_lossy().as_bytes())[..4]);
    let (version, scale_tag) = version(scale);
    let prefix = format!("cb_tpl_{binary}_");
    let name = format!("{prefix}{version}_{scale_tag}");
    let admin = admin(&base).await.expect("connect to TEST_DATABASE_URL");
    let exists = |admin: &DatabaseConnection, name: String| {
        let admin = admin.clone();
        async move { databases_like(&admin, &name).await.contains(&name) }
    };
    if exists(&admin, name.clone()).await {
        admin.close().await.ok();
        return name;
    }

    let building = format!("cb_tplbuild_{}", uuid::Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE \"{building}\"")).await.expect("create the template");
    migrate_and_seed(&database_url(&base, &building), scale).await.close().await.expect("close the template");
    // The closed pool's server processes may take a moment to go; CREATE DATABASE … TEMPLATE
    // needs it unused, and so does the rename.
    let rename = format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
    let mut tries = 0;
    loop {
        match admin.execute_unprepared(&rename).await {
            Ok(_) => break,
            Err(_) if exists(&admin, name.clone()).await => {
                // Another run built it first: use that one.
                drop_database(&admin, &building).await.ok();
                break;
            }
            Err(_) if tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot rename the template {building}: {e}"),
        }
    }
    // Earlier versions of this binary's templates of this scale.
    let pattern = format!("{}%\\_{scale_tag}", prefix.replace('_', "\\_"));
    for old in databases_like(&admin, &pattern).await.into_iter().filter(|n| *n != name) {
        drop_database(&admin, &old).await.ok();
    }
    admin.close().await.ok();
    name
}

/// `<CARGO_TARGET_TMPDIR>/casebridge-templates/<version>_<scale>.db`, built unless it exists;
/// other versions of this scale are removed once a new one is built.
async fn sqlite_template(scale: f64) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("casebridge-templates");
    std::fs::create_dir_all(&dir).expect("template dir");
    let (version, scale_tag) = version(scale);
    let path = dir.join(format!("{version}_{scale_tag}.db"));
    if path.is_file() {
        return path.display().to_string();
    }
    let build = tempfile::tempdir_in(&dir).expect("build dir");
    let url = format!("sqlite://{}?mode=rwc", build.path().join("build.db").display());
    let db = migrate_and_seed(&url, scale).await;
    // One self-contained file (no WAL beside it), written next to its final name and renamed:
    // a concurrent run sees the whole template or none.
    let part = build.path().join("template.db");
    db.execute_unprepared(&format!("VACUUM INTO '{}'", part.display())).await.expect("write the template");
    db.close().await.expect("close the template");
    std::fs::rename(&part, &path).expect("place the template");
    let suffix = format!("_{scale_tag}.db");
    for entry in std::fs::read_dir(&dir).expect("template dir").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.ends_with(&suffix) && entry.path() != path {
            std::fs::remove_file(entry.path()).ok();
        }
    }
    path.display().to_string()
}
