//! R11: each record carries the hash of the previous record of its case, so any edit,
//! deletion or reordering of stored records breaks the chain where it happened.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The fields a record's hash covers, in a fixed order.
pub struct ChainInput<'a> {
    pub previous_hash: Option<&'a str>,
    pub case_id: Uuid,
    pub seq: i32,
    pub kind: &'a str,
    pub content: &'a str,
    pub recorded_at: DateTime<Utc>,
    pub submitted_by: Uuid,
    pub attachment_sha256: Option<&'a str>,
    pub corrects_record_id: Option<Uuid>,
}

/// Lower-case hex SHA-256 over the length-prefixed fields (length prefixes make the
/// encoding unambiguous: no two different inputs share a byte string).
pub fn record_hash(input: &ChainInput<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(input.previous_hash.unwrap_or("").as_bytes());
    field(input.case_id.as_bytes());
    field(&input.seq.to_be_bytes());
    field(input.kind.as_bytes());
    field(input.content.as_bytes());
    field(input.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
    field(input.submitted_by.as_bytes());
    field(input.attachment_sha256.unwrap_or("").as_bytes());
    field(input.corrects_record_id.map(|id| id.into_bytes()).unwrap_or_default().as_slice());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let base = ChainInput {
            previous_hash: None,
            case_id: Uuid::nil(),
            seq: 1,
            kind: "NOTE",
            content: "现场检查",
            recorded_at: DateTime::UNIX_EPOCH,
            submitted_by: Uuid::nil(),
            attachment_sha256: None,
            corrects_record_id: None,
        };
        let h = record_hash(&base);
        assert_eq!(h.len(), 64);
        assert_ne!(h, record_hash(&ChainInput { previous_hash: Some(&h), ..base }));
        assert_ne!(h, record_hash(&ChainInput { seq: 2, ..base }));
        assert_ne!(h, record_hash(&ChainInput { content: "现场检查 ", ..base }));
    }
}
