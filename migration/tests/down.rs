//! Every migration's `down()` undoes exactly what its `up()` did: after rolling back the newest
//! k migrations and applying them again, the schema (tables, columns, indexes, constraints)
//! equals the one a plain up built, for every k, and a full rollback leaves no casebridge table.
//! The downs run on a database with rows in it; the one refusal (record_chain_v2 while a record
//! is hashed with version 2) is checked too.
//! Runs on a fresh SQLite file, and on a fresh PostgreSQL database (`cb_down_<random>`, dropped
//! at the end) when `TEST_DATABASE_URL` names a PostgreSQL server.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigrationStatus;

/// One line per table, column (in order, without its position number: PostgreSQL keeps the
/// numbers of dropped columns), index and constraint, sorted within each kind.
async fn snapshot(db: &DatabaseConnection) -> Vec<String> {
    let queries: &[&str] = match db.get_database_backend() {
        DbBackend::Sqlite => &[
            // The table's full `CREATE` text covers its columns, keys and foreign keys as SQLite
            // will read them; the index texts their columns and uniqueness.
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'seaql_migrations' ORDER BY type, name",
            "SELECT m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p.\"notnull\" || ' default=' || \
             coalesce(p.dflt_value, '-') || ' pk=' || p.pk AS line \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
             ORDER BY m.name, p.cid",
        ],
        _ => &[
            "SELECT concat_ws(' ', table_type, table_name) AS line FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' ORDER BY table_name",
            "SELECT concat_ws(' ', table_name || '.' || column_name, data_type, is_nullable, \
             coalesce(column_default, '-')) AS line FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' ORDER BY table_name, ordinal_position",
            "SELECT indexdef AS line FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY tablename, indexname",
            "SELECT concat_ws(' ', conrelid::regclass::text, conname, pg_get_constraintdef(oid)) AS line \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             AND conrelid::regclass::text <> 'seaql_migrations' ORDER BY 1",
            "SELECT 'view ' || table_name AS line FROM information_schema.views \
             WHERE table_schema = 'public' ORDER BY table_name",
        ],
    };
    let mut lines = Vec::new();
    for sql in queries {
        let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), *sql)).await.expect(sql);
        for row in rows {
            lines.push(row.try_get::<String>("", "line").expect("a text line"));
        }
    }
    lines
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect(sql);
    row.expect("one row").try_get_by_index::<i64>(0).expect("a count")
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A few rows in the tables whose columns later migrations add and drop, and a holiday of a
/// year an operator loaded, so the downs run on a database in use, not only an empty one.
async fn seed(db: &DatabaseConnection) {
    let (dep, user, matter, party, case) = (
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002",
        "00000000-0000-0000-0000-000000000003",
        "00000000-0000-0000-0000-000000000004",
        "00000000-0000-0000-0000-000000000005",
    );
    let at = "'2026-01-05 10:00:00+00'";
    for sql in [
        format!(
            "INSERT INTO departments (id, code, name, kind, case_prefix, created_at) \
             VALUES ('{dep}', 'D1', 'Bureau', 'BUREAU', 'B', {at})"
        ),
        format!(
            "INSERT INTO users (id, login, name, department_id, active, search_text, created_at, joined_on) \
             VALUES ('{user}', 'u', 'U', '{dep}', TRUE, 'u', {at}, '2025-01-01')"
        ),
        format!(
            "INSERT INTO matters (id, code, name, domain, legal_basis, created_at, penalty_basis) \
             VALUES ('{matter}', 'M1', 'Matter', 'X', 'Art. 1', {at}, 'Art. 2')"
        ),
        format!("INSERT INTO parties (id, kind, name, created_at) VALUES ('{party}', 'PERSON', 'P', {at})"),
        format!(
            "INSERT INTO cases (id, case_no, title, procedure, status, version, party_id, department_id, matter_id, \
             matter_code, major, serious_harm, hearing_level, hearing_state, review_state, occurred_at, facts, \
             filed_at, decision_extension_days, search_text, updated_at, penalties, record_count) \
             VALUES ('{case}', 'B1', 'T', 'GENERAL', 'FILED', 1, '{party}', '{dep}', '{matter}', 'M1', FALSE, FALSE, \
             FALSE, 'NONE', 'NONE', {at}, 'f', {at}, 0, 't', {at}, 'FINE', 1)"
        ),
        format!(
            "INSERT INTO records (id, case_id, seq, kind, content, recorded_at, submitted_at, submitted_by, \
             idempotency_key, hash, hash_version) \
             VALUES ('00000000-0000-0000-0000-000000000006', '{case}', 1, 'NOTE', 'c', {at}, {at}, '{user}', 'k', \
             'h', 2)"
        ),
        format!(
            "INSERT INTO payments (id, case_id, amount_fen, paid_on, receipt_no, recorded_at) \
             VALUES ('00000000-0000-0000-0000-000000000007', '{case}', 100, '2026-01-06', 'R1', {at})"
        ),
        "INSERT INTO holidays (day, kind, name) VALUES ('2031-01-01', 'HOLIDAY', 'New Year')".to_owned(),
    ] {
        exec(db, &sql).await;
    }
}

/// Fails with the lines only one of the two snapshots has (the whole lists are unreadable).
fn assert_same(now: &[String], plain: &[String], after: &str) {
    let missing: Vec<&String> = plain.iter().filter(|l| !now.contains(l)).collect();
    let extra: Vec<&String> = now.iter().filter(|l| !plain.contains(l)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "after {after}: missing {missing:#?}\nextra {extra:#?}");
    assert_eq!(now, plain, "after {after}: the same lines in another order (columns reordered?)");
}

/// The seeded record is hashed with version 2: rolling back record_chain_v2 is refused (each
/// newer migration's down has run and stays rolled back; its own transaction is undone), and
/// allowed once no record is of version 2.
async fn refuses_to_forget_hash_versions(db: &DatabaseConnection, names: &[String]) {
    let at = names.iter().position(|n| n == "m20260107_000001_record_chain_v2").expect("record_chain_v2");
    let err = Migrator::down(db, Some((names.len() - at) as u32)).await.expect_err("refused");
    assert!(err.to_string().contains("1 record(s) are hashed with hash_version 2"), "{err}");
    let status = Migrator::get_migration_with_status(db).await.expect("status");
    for (i, m) in status.iter().enumerate() {
        let expected = if i > at { MigrationStatus::Pending } else { MigrationStatus::Applied };
        assert_eq!(m.status(), expected, "{} after the refusal", m.name());
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM records WHERE hash_version = 2").await, 1);
    Migrator::up(db, None).await.expect("up again after the refusal");
    exec(db, "UPDATE records SET hash_version = 1").await;
}

async fn downs_are_exact(db: &DatabaseConnection) {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let n = names.len();
    Migrator::up(db, None).await.expect("up");
    let plain = snapshot(db).await;
    assert!(plain.iter().any(|l| l.contains("activities")), "the snapshot sees the schema: {plain:?}");
    let csv_holidays = count(db, "SELECT COUNT(*) FROM holidays").await;
    assert!(csv_holidays > 0);
    seed(db).await;
    refuses_to_forget_hash_versions(db, &names).await;

    // Roll back the newest k (every migration's down runs on the schema of its own time), check
    // they are pending, apply them again and compare.
    for k in 1..n {
        let rolled_back = &names[n - k];
        Migrator::down(db, Some(k as u32)).await.unwrap_or_else(|e| panic!("down {k} (to before {rolled_back}): {e}"));
        let status = Migrator::get_migration_with_status(db).await.expect("status");
        for (i, m) in status.iter().enumerate() {
            let expected = if i >= n - k { MigrationStatus::Pending } else { MigrationStatus::Applied };
            assert_eq!(m.status(), expected, "{} after rolling back {k}", m.name());
        }
        Migrator::up(db, None).await.unwrap_or_else(|e| panic!("up again after rolling back {rolled_back}: {e}"));
        assert_same(&snapshot(db).await, &plain, &format!("rolling back {k} (to before {rolled_back}) and up again"));
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM holidays").await,
            csv_holidays + 1,
            "the holidays after rolling back {rolled_back}: the table's days again, and the operator's kept"
        );
    }
    // The rows in tables no down dropped are still there.
    assert_eq!(count(db, "SELECT COUNT(*) FROM cases").await, 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM records").await, 1);

    Migrator::down(db, None).await.expect("down all");
    let status = Migrator::get_migration_with_status(db).await.expect("status");
    assert!(status.iter().all(|m| m.status() == MigrationStatus::Pending), "all pending after down all");
    let left: Vec<String> = snapshot(db).await;
    assert!(left.is_empty(), "no casebridge table, column or index after down all: {left:?}");

    Migrator::up(db, None).await.expect("up after down all");
    assert_same(&snapshot(db).await, &plain, "down all and up again");
    assert_eq!(count(db, "SELECT COUNT(*) FROM holidays").await, csv_holidays);
}

#[tokio::test]
async fn sqlite_every_down_undoes_its_up_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("down.db").display());
    let db = Database::connect(url.as_str()).await.expect("connect");
    // sqlx enables foreign keys on SQLite by default, as the server does: the downs' drop order
    // is checked too.
    assert_eq!(count(&db, "SELECT foreign_keys FROM pragma_foreign_keys").await, 1);
    downs_are_exact(&db).await;
    db.close().await.ok();
}

/// Drops the test's PostgreSQL database when the test ends, passed or panicked.
struct DropDatabase {
    base: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let admin = Database::connect(base.as_str()).await.ok()?;
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

#[tokio::test]
async fn postgres_every_down_undoes_its_up_exactly() {
    let base = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => {
            use std::io::Write;
            // Straight to stderr: libtest captures `eprintln!` of a passing test, not this.
            let _ =
                writeln!(std::io::stderr(), "SKIPPED: postgres_every_down_undoes_its_up_exactly: no TEST_DATABASE_URL");
            return;
        }
    };
    let name = format!("cb_down_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(base.as_str()).await.expect("connect to TEST_DATABASE_URL");
    exec(&admin, &format!("CREATE DATABASE \"{name}\"")).await;
    admin.close().await.ok();
    let _guard = DropDatabase { base: base.clone(), name: name.clone() };
    let (prefix, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends with /dbname");
    let db = Database::connect(format!("{prefix}/{name}").as_str()).await.expect("connect to the fresh database");
    downs_are_exact(&db).await;
    db.close().await.ok();
}
