//! The response cache of GraphQL queries over HTTP, on PostgreSQL: the serialised body of a
//! query's answer, served again without executing while the database has not changed.
//!
//! **Key**: the caller (user id, or anonymous), their `today`, and the request itself (query
//! text, operation name, variables as JSON; kept whole, so two requests share an entry only
//! when they are the same request).
//!
//! **Validity**: `SELECT pg_current_snapshot()::text` (`txid_current_snapshot` before
//! PostgreSQL 13), one statement per request. A snapshot
//! is `xmin:xmax:xip…`; `xmax` is one past the newest finished transaction and the list holds
//! those still running below it. Any write transaction that finishes (commits or aborts)
//! either raises `xmax` or leaves the list, and neither ever goes back, so two snapshots have
//! the same text only if no write finished between them. What a statement sees is decided by
//! its snapshot alone, so while the text is unchanged every statement of the query would read
//! exactly what it read when the entry was computed, whichever instance or tool writes (no
//! NOTIFY is needed, and a write by `psql` invalidates as well as one through the API). The
//! snapshot is taken *before* a miss executes and the entry is stored under it: a write that
//! finishes while the query runs changes the snapshot, so that entry is never served. A write
//! still running when an entry is served is not visible to a fresh execution either.
//!
//! What the snapshot does not cover, and how it is handled:
//! - the date: `today` is part of the key;
//! - the wall clock: a few fields compare timestamps with the current time (a joint call's
//!   answer `overdue`, the open calls of `jointCalls`), so an entry is used for at most
//!   [`MAX_AGE`], as if that request had taken this long;
//! - a read that writes: a court trainee's reads are audited (each read appends an audit
//!   row), so a caller holding `COURT_TRAINEE` is never served from nor stored in the cache.
//!   Any other read that wrote in its own transaction would change the snapshot and never
//!   hit;
//! - only queries: mutations and subscriptions are never cached (they are not reads), nor a
//!   request carrying `extensions`, nor a response with errors (an error may be passing: a
//!   timeout, a full pool).
//!
//! **Memory**: a byte budget (`CASEBRIDGE_RESPONSE_CACHE_MB`; 0 turns the cache off), least
//! recently used entries evicted first. Bodies are kept as `Bytes` and sent as they are.
//! SQLite has no snapshot to compare: the cache is off there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use chrono::NaiveDate;
use lru::LruCache;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// The longest an entry is served (the wall-clock fields above).
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// What an entry costs beyond its bytes (the map's node, the key's and entry's fixed parts).
const ENTRY_OVERHEAD: usize = 160;

/// The database's snapshot as text: equal texts, no write finished in between.
const SNAPSHOT: &str = "SELECT pg_current_snapshot()::text";
/// The same before PostgreSQL 13.
const SNAPSHOT_BEFORE_13: &str = "SELECT txid_current_snapshot()::text";

/// A cached answer's identity: who asked, on which day, what.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    user: Option<Uuid>,
    today: NaiveDate,
    /// Query text, operation name and variables, separated by NUL (which JSON escapes).
    request: Box<str>,
}

impl Key {
    pub fn new(user: Option<Uuid>, today: NaiveDate, request: &async_graphql::Request) -> Option<Self> {
        let variables = serde_json::to_string(&request.variables).ok()?;
        let operation = request.operation_name.as_deref().unwrap_or_default();
        let mut text = String::with_capacity(request.query.len() + operation.len() + variables.len() + 2);
        text.push_str(&request.query);
        text.push('\0');
        text.push_str(operation);
        text.push('\0');
        text.push_str(&variables);
        Some(Self { user, today, request: text.into_boxed_str() })
    }

    fn size(&self) -> usize {
        self.request.len()
    }
}

struct Entry {
    snapshot: Box<str>,
    body: Bytes,
    at: Instant,
}

struct Inner {
    entries: LruCache<Key, Entry>,
    bytes: usize,
}

pub struct ResponseCache {
    inner: Mutex<Inner>,
    budget: usize,
    /// The server predates `pg_current_snapshot` (PostgreSQL 12 and older).
    before_13: AtomicBool,
}

fn cost(key: &Key, entry: &Entry) -> usize {
    key.size() + entry.snapshot.len() + entry.body.len() + ENTRY_OVERHEAD
}

impl ResponseCache {
    /// A cache of at most `budget` bytes (0: it holds nothing).
    pub fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner { entries: LruCache::unbounded(), bytes: 0 }),
            budget,
            before_13: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the request may be answered from, and stored in, the cache: one query operation
    /// (the one `operationName` selects), no extensions. Parses the query once; execution
    /// reuses the parsed document.
    pub fn is_pure_query(request: &mut async_graphql::Request) -> bool {
        if !request.extensions.is_empty() {
            return false;
        }
        let wanted = request.operation_name.clone();
        let Ok(doc) = request.parsed_query() else { return false };
        let ty = match (&doc.operations, wanted.as_deref()) {
            (DocumentOperations::Single(op), None) => Some(op.node.ty),
            (DocumentOperations::Single(_), Some(_)) => None,
            (DocumentOperations::Multiple(ops), Some(name)) => {
                ops.iter().find(|(n, _)| n.as_str() == name).map(|(_, op)| op.node.ty)
            }
            // A document's only operation, when it has a name, is parsed as `Multiple` too;
            // without `operationName` it is the one that runs.
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
            (DocumentOperations::Multiple(_), None) => None,
        };
        ty == Some(OperationType::Query)
    }

    /// The database's current snapshot, in one statement.
    pub async fn snapshot(&self, db: &DatabaseConnection) -> Result<String, DbErr> {
        if self.before_13.load(Ordering::Relaxed) {
            return snapshot_by(db, SNAPSHOT_BEFORE_13).await;
        }
        match snapshot_by(db, SNAPSHOT).await {
            Ok(text) => Ok(text),
            Err(e) => {
                // An older server: the function has its earlier name there.
                let text = snapshot_by(db, SNAPSHOT_BEFORE_13).await.map_err(|_| e)?;
                self.before_13.store(true, Ordering::Relaxed);
                Ok(text)
            }
        }
    }

    /// The body stored under `key` if it was computed under `snapshot`, and not too long ago.
    pub fn get(&self, key: &Key, snapshot: &str) -> Option<Bytes> {
        let mut inner = self.lock();
        let entry = inner.entries.get(key)?;
        if &*entry.snapshot == snapshot && entry.at.elapsed() < MAX_AGE {
            return Some(entry.body.clone());
        }
        // Outdated for good: snapshots never come back.
        if let Some(old) = inner.entries.pop(key) {
            inner.bytes -= cost(key, &old);
        }
        None
    }

    /// Stores a body computed under `snapshot`, evicting the least recently used entries past
    /// the budget.
    pub fn put(&self, key: Key, snapshot: String, body: Bytes) {
        let entry = Entry { snapshot: snapshot.into_boxed_str(), body, at: Instant::now() };
        let size = cost(&key, &entry);
        if size > self.budget {
            return;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.entries.pop(&key) {
            inner.bytes -= cost(&key, &old);
        }
        while inner.bytes + size > self.budget {
            let Some((k, old)) = inner.entries.pop_lru() else { break };
            inner.bytes -= cost(&k, &old);
        }
        inner.bytes += size;
        inner.entries.put(key, entry);
    }

    /// Entries and bytes held now.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes)
    }
}

async fn snapshot_by(db: &DatabaseConnection, sql: &str) -> Result<String, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .ok_or_else(|| DbErr::Custom("the snapshot query returned no row".into()))?;
    row.try_get_by_index::<String>(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables))
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    #[test]
    fn the_key_tells_requests_apart() {
        let q = "query($first: Int) { cases(first: $first) { nodes { id } } }";
        let user = Some(Uuid::from_u128(1));
        let a = Key::new(user, day(), &request(q, serde_json::json!({"first": 5}))).expect("key");
        let same = Key::new(user, day(), &request(q, serde_json::json!({"first": 5}))).expect("key");
        assert_eq!(a, same);
        let other_variables = Key::new(user, day(), &request(q, serde_json::json!({"first": 6}))).expect("key");
        assert_ne!(a, other_variables);
        let other_user =
            Key::new(Some(Uuid::from_u128(2)), day(), &request(q, serde_json::json!({"first": 5}))).expect("key");
        assert_ne!(a, other_user);
        let anonymous = Key::new(None, day(), &request(q, serde_json::json!({"first": 5}))).expect("key");
        assert_ne!(a, anonymous);
        let tomorrow =
            Key::new(user, day().succ_opt().expect("date"), &request(q, serde_json::json!({"first": 5}))).expect("key");
        assert_ne!(a, tomorrow);
        let named =
            Key::new(user, day(), &request(q, serde_json::json!({"first": 5})).operation_name("Cases")).expect("key");
        assert_ne!(a, named);
    }

    #[test]
    fn only_a_query_operation_is_pure() {
        assert!(ResponseCache::is_pure_query(&mut request("{ me { login } }", serde_json::json!({}))));
        assert!(!ResponseCache::is_pure_query(&mut request("mutation { logout }", serde_json::json!({}))));
        assert!(!ResponseCache::is_pure_query(&mut request("subscription { x }", serde_json::json!({}))));
        assert!(!ResponseCache::is_pure_query(&mut request("{ me { login }", serde_json::json!({}))), "unparsable");
        let two = "query A { me { login } } mutation B { logout }";
        assert!(ResponseCache::is_pure_query(&mut request(two, serde_json::json!({})).operation_name("A")));
        assert!(!ResponseCache::is_pure_query(&mut request(two, serde_json::json!({})).operation_name("B")));
        assert!(!ResponseCache::is_pure_query(&mut request(two, serde_json::json!({}))), "no operation chosen");
        // A document's one named operation, with or without `operationName` (what clients send).
        let named = "query List($n: Int) { me { login } }";
        assert!(ResponseCache::is_pure_query(&mut request(named, serde_json::json!({"n": 1}))));
        assert!(ResponseCache::is_pure_query(&mut request(named, serde_json::json!({})).operation_name("List")));
        assert!(!ResponseCache::is_pure_query(&mut request("mutation M { logout }", serde_json::json!({}))));
    }

    #[test]
    fn an_entry_is_served_only_under_its_snapshot() {
        let cache = ResponseCache::new(1 << 20);
        let key = Key::new(None, day(), &request("{ a }", serde_json::json!({}))).expect("key");
        cache.put(key.clone(), "10:12:10,11".into(), Bytes::from_static(b"{}"));
        assert_eq!(cache.get(&key, "10:12:10,11").as_deref(), Some(&b"{}"[..]));
        assert!(cache.get(&key, "10:12:11").is_none(), "a write finished");
        assert_eq!(cache.usage(), (0, 0), "the outdated entry is gone");
    }

    #[test]
    fn the_byte_budget_evicts_the_least_recently_used() {
        let body = Bytes::from(vec![b'x'; 1000]);
        let cache = ResponseCache::new(3 * (1000 + ENTRY_OVERHEAD + 40));
        let keys: Vec<Key> = (0..4)
            .map(|i| Key::new(None, day(), &request(&format!("{{ a{i} }}"), serde_json::json!({}))).expect("key"))
            .collect();
        for k in &keys[..3] {
            cache.put(k.clone(), "1:1:".into(), body.clone());
        }
        assert!(cache.get(&keys[0], "1:1:").is_some(), "used: now the most recent");
        cache.put(keys[3].clone(), "1:1:".into(), body.clone());
        assert!(cache.get(&keys[1], "1:1:").is_none(), "the least recently used went");
        assert!(cache.get(&keys[0], "1:1:").is_some());
        assert!(cache.usage().1 <= 3 * (1000 + ENTRY_OVERHEAD + 40));
        let off = ResponseCache::new(0);
        off.put(keys[0].clone(), "1:1:".into(), body);
        assert_eq!(off.usage(), (0, 0));
    }
}
