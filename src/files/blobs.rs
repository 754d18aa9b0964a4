//! The `blobs` table: which verified files the store holds, their size and sniffed type.

use chrono::Utc;
use entity::blob;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use super::store::Blob;

/// Records a kept blob (once: a second arrival of the same bytes changes nothing).
pub async fn register(db: &impl ConnectionTrait, blob: &Blob, media_type: &str) -> Result<(), DbErr> {
    let row = blob::ActiveModel {
        sha256: Set(blob.sha256.clone()),
        size_bytes: Set(i64::try_from(blob.size).unwrap_or(i64::MAX)),
        media_type: Set(media_type.to_string()),
        created_at: Set(Utc::now()),
    };
    blob::Entity::insert(row)
        .on_conflict_do_nothing_on([blob::Column::Sha256])
        .exec(db)
        .await
        .map(|_| ())
}

/// A kept blob's row, by its lower-case hex SHA-256.
pub async fn find(db: &impl ConnectionTrait, sha256: &str) -> Result<Option<blob::Model>, DbErr> {
    blob::Entity::find_by_id(sha256.to_ascii_lowercase()).one(db).await
}
