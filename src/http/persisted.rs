//! Documents named by hash: Apollo's automatic persisted queries (APQ) and trusted documents.
//!
//! **APQ** (Apollo's protocol): a client sends `extensions.persistedQuery {version: 1,
//! sha256Hash}` without the query; an unknown hash is answered `PERSISTED_QUERY_NOT_FOUND`
//! (message `PersistedQueryNotFound`, HTTP 200 as Apollo Server does), and the client sends the
//! hash again with the query, which is checked against the hash, remembered (a bounded LRU per
//! instance) and run. Later requests send the hash alone.
//!
//! **Trusted documents** (`--trusted-documents FILE`): a manifest of the operations the
//! deployment's own clients send, by hash. In that mode a request must name a known hash
//! (the APQ extension, or a `documentId`/`id` field) or send a document whose SHA-256 is in
//! the manifest; anything else is refused with `FORBIDDEN` (an unknown hash stays
//! `PERSISTED_QUERY_NOT_FOUND`) unless the caller is an administrator (who keeps GraphiQL and
//! ad-hoc queries). APQ registration of new documents is then closed to everyone else.
//!
//! Two manifest formats are read: Apollo's persisted-query manifest
//! (`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name",
//! "type", "body"}]}`) and the plain `{"<hash>": "<document>"}` map of GraphQL Codegen and Relay.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::BoxError;

/// How many APQ documents one instance remembers (the least recently used go first).
pub const APQ_CAPACITY: usize = 1000;
/// The longest document APQ stores: larger ones still run, they are just not remembered.
const APQ_MAX_DOCUMENT: usize = 64 << 10;

/// What the GraphQL handlers consult before running a request; one per instance.
pub struct Persisted {
    apq: Mutex<LruCache<String, Arc<str>>>,
    trusted: Option<Trusted>,
}

/// The manifest: documents by id, and the SHA-256 of every document (a client may send the
/// document itself rather than its id).
struct Trusted {
    by_id: HashMap<String, Arc<str>>,
    hashes: HashSet<String>,
}

/// Why a request's document could not be found or may not run.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A hash nobody registered (or not in the manifest): send the query with it.
    NotFound,
    /// The query does not hash to the hash sent with it.
    HashMismatch,
    /// `persistedQuery.version` other than 1.
    Version,
}

/// A request's document as resolved: its text and whether it is a trusted one.
#[derive(Debug)]
pub struct Resolved {
    pub query: String,
    pub trusted: bool,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// `sha256:<hex>` (the trusted-documents convention) or the bare id.
fn bare(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

impl Persisted {
    /// The APQ store, and the trusted-documents manifest of `settings` read and checked: a
    /// manifest that cannot be read or parsed is a start-up error.
    pub fn load(settings: &Settings) -> Result<Self, BoxError> {
        let trusted = match &settings.trusted_documents {
            Some(path) => Some(read_manifest(path)?),
            None => None,
        };
        Ok(Self::new(trusted.map(|by_id| {
            let hashes = by_id.values().map(|doc| sha256_hex(doc)).collect();
            Trusted { by_id, hashes }
        })))
    }

    fn new(trusted: Option<Trusted>) -> Self {
        let capacity = NonZeroUsize::new(APQ_CAPACITY).unwrap_or(NonZeroUsize::MIN);
        Self { apq: Mutex::new(LruCache::new(capacity)), trusted }
    }

    /// Whether only trusted documents may run (for callers other than administrators).
    pub fn trusted_only(&self) -> bool {
        self.trusted.is_some()
    }

    /// The document of a request: `query` (may be empty; handed back as the document when it
    /// is one, never copied), the APQ extension's hash and version, and a `documentId`/`id`.
    pub fn resolve(
        &self,
        query: Option<String>,
        apq: Option<(u64, &str)>,
        document_id: Option<&str>,
    ) -> Result<Resolved, Refusal> {
        if let Some((version, hash)) = apq {
            if version != 1 {
                return Err(Refusal::Version);
            }
            let hash = bare(hash).to_ascii_lowercase();
            return match query.filter(|q| !q.is_empty()) {
                Some(query) => {
                    if sha256_hex(&query) != hash {
                        return Err(Refusal::HashMismatch);
                    }
                    let trusted = self.is_trusted_text(&hash);
                    // In trusted mode nothing new is registered: the manifest is the list.
                    if self.trusted.is_none() && query.len() <= APQ_MAX_DOCUMENT {
                        self.remember(hash, &query);
                    }
                    Ok(Resolved { query, trusted })
                }
                None => self.lookup(&hash).ok_or(Refusal::NotFound),
            };
        }
        if let Some(id) = document_id {
            return self.lookup(bare(id)).ok_or(Refusal::NotFound);
        }
        let query = query.unwrap_or_default();
        let trusted = self.trusted.is_some() && self.is_trusted_text(&sha256_hex(&query));
        Ok(Resolved { query, trusted })
    }

    fn is_trusted_text(&self, hash: &str) -> bool {
        self.trusted.as_ref().is_some_and(|t| t.hashes.contains(hash))
    }

    fn lookup(&self, id: &str) -> Option<Resolved> {
        if let Some(doc) = self.trusted.as_ref().and_then(|t| t.by_id.get(id)) {
            return Some(Resolved { query: doc.to_string(), trusted: true });
        }
        let found = self.apq.lock().ok()?.get(id).cloned()?;
        Some(Resolved { query: found.to_string(), trusted: self.is_trusted_text(id) })
    }

    fn remember(&self, hash: String, query: &str) {
        if let Ok(mut apq) = self.apq.lock() {
            apq.put(hash, Arc::from(query));
        }
    }
}

/// Reads a manifest in either format (see the module comment): documents by id.
pub fn read_manifest(path: &Path) -> Result<HashMap<String, Arc<str>>, BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("the trusted documents manifest {} cannot be read: {e}", path.display()))?;
    parse_manifest(&text).map_err(|e| format!("the trusted documents manifest {}: {e}", path.display()).into())
}

fn parse_manifest(text: &str) -> Result<HashMap<String, Arc<str>>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("expected a JSON object".into());
    };
    let mut documents = HashMap::new();
    if map.get("format").and_then(|f| f.as_str()) == Some("apollo-persisted-query-manifest") {
        if map.get("version").and_then(|v| v.as_u64()) != Some(1) {
            return Err("only version 1 of apollo-persisted-query-manifest is read".into());
        }
        let operations = map.get("operations").and_then(|o| o.as_array()).ok_or("no `operations` array")?;
        for (i, op) in operations.iter().enumerate() {
            let id = op.get("id").and_then(|v| v.as_str()).ok_or(format!("operations[{i}] has no string `id`"))?;
            let body =
                op.get("body").and_then(|v| v.as_str()).ok_or(format!("operations[{i}] has no string `body`"))?;
            check_document(id, body)?;
            documents.insert(bare(id).to_ascii_lowercase(), Arc::from(body));
        }
    } else {
        for (id, body) in &map {
            let body = body.as_str().ok_or(format!("the document of {id} is not a string"))?;
            check_document(id, body)?;
            documents.insert(bare(id).to_string(), Arc::from(body));
        }
    }
    if documents.is_empty() {
        return Err("no documents".into());
    }
    Ok(documents)
}

/// A manifest entry must parse as GraphQL; an id that looks like a SHA-256 must be the
/// document's (a stale manifest is caught at start, not by a client).
fn check_document(id: &str, body: &str) -> Result<(), String> {
    async_graphql::parser::parse_query(body).map_err(|e| format!("the document of {id} does not parse: {e}"))?;
    let id = bare(id);
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !id.eq_ignore_ascii_case(&sha256_hex(body)) {
        return Err(format!("{id} is not the SHA-256 of its document"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{ __typename }";

    fn trusted(docs: &[&str]) -> Persisted {
        let by_id: HashMap<String, Arc<str>> = docs.iter().map(|d| (sha256_hex(d), Arc::from(*d))).collect();
        let hashes = by_id.keys().cloned().collect();
        Persisted::new(Some(Trusted { by_id, hashes }))
    }

    #[test]
    fn apq_is_not_found_then_registered_then_found() {
        let p = Persisted::new(None);
        let hash = sha256_hex(DOC);
        assert_eq!(p.resolve(None, Some((1, &hash)), None).err(), Some(Refusal::NotFound));
        assert_eq!(p.resolve(Some(DOC.into()), Some((1, &hash)), None).map(|r| r.query).ok().as_deref(), Some(DOC));
        assert_eq!(p.resolve(None, Some((1, &hash)), None).map(|r| r.query).ok().as_deref(), Some(DOC));
        assert_eq!(p.resolve(Some("{ a }".into()), Some((1, &hash)), None).err(), Some(Refusal::HashMismatch));
        assert_eq!(p.resolve(None, Some((2, &hash)), None).err(), Some(Refusal::Version));
    }

    #[test]
    fn trusted_mode_knows_its_documents_by_id_and_by_text_and_registers_nothing() {
        let p = trusted(&[DOC]);
        let hash = sha256_hex(DOC);
        assert!(p.resolve(None, None, Some(&format!("sha256:{hash}"))).is_ok_and(|r| r.trusted));
        assert!(p.resolve(Some(DOC.into()), None, None).is_ok_and(|r| r.trusted));
        assert!(p.resolve(Some("{ other }".into()), None, None).is_ok_and(|r| !r.trusted));
        let other = sha256_hex("{ other }");
        assert!(p.resolve(Some("{ other }".into()), Some((1, &other)), None).is_ok_and(|r| !r.trusted));
        assert_eq!(p.resolve(None, Some((1, &other)), None).err(), Some(Refusal::NotFound));
    }

    #[test]
    fn both_manifest_formats_are_read_and_bad_ones_refused() {
        let hash = sha256_hex(DOC);
        let apollo = serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{"id": hash, "name": "T", "type": "query", "body": DOC}]});
        assert_eq!(parse_manifest(&apollo.to_string()).map(|m| m.len()), Ok(1));
        let plain = serde_json::json!({ hash.clone(): DOC });
        assert_eq!(parse_manifest(&plain.to_string()).map(|m| m.len()), Ok(1));
        assert!(parse_manifest("[]").is_err());
        assert!(parse_manifest("{}").is_err());
        assert!(parse_manifest(&serde_json::json!({ hash: "{ other }" }).to_string()).is_err());
        assert!(parse_manifest(&serde_json::json!({ "a": "{ broken" }).to_string()).is_err());
    }
}
