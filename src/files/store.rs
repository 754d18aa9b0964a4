//! Where file bytes are kept: a directory or S3-compatible object storage, both through the
//! `object_store` crate, so one code path serves the embedded default and several instances.
//!
//! Layout (under the directory or the bucket's prefix):
//! - `blobs/ab/abcdef…`: content-addressed blobs, named by the lower-case hex SHA-256 of
//!   their bytes, written once (a second arrival of the same bytes writes nothing);
//! - `named/…`: objects with keys of their own (exported spreadsheets).
//!
//! Incoming bytes are staged first: [`Staging`] writes them to a temporary file while it
//! hashes and counts them and keeps the first bytes for [`sniff`]ing, and refuses them past a
//! size limit. Only a complete, verified file is copied into the store, in parts of
//! [`PART_BYTES`], so memory stays bounded whatever the size.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes per part when a staged file is copied into the store (S3 needs at least 5 MiB for
/// every part but the last).
pub const PART_BYTES: usize = 8 << 20;
/// Bytes kept from the start of a file to tell its type.
const HEAD_BYTES: usize = 8 << 10;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// More bytes than the limit; the staged part is discarded.
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The bytes' SHA-256 is not the one the client declared.
    #[error("the file's SHA-256 is {actual}, not the declared {declared}")]
    HashMismatch { declared: String, actual: String },
    #[error("no such file")]
    NotFound,
    /// A range that starts at or past the end of the file.
    #[error("the range is outside the file of {size} bytes")]
    BadRange { size: u64 },
    #[error("file storage: {0}")]
    Backend(String),
    #[error("file staging: {0}")]
    Io(#[from] std::io::Error),
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound,
            other => StoreError::Backend(other.to_string()),
        }
    }
}

/// Where the bytes are kept, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A local directory (created when missing).
    Directory(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Settings),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// Key prefix inside the bucket ("" for none).
    pub prefix: String,
    /// The service's URL, for S3-compatible storage other than AWS (MinIO, Ceph, …).
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Path-style addressing and plain HTTP allowed (what most self-hosted services need).
    pub allow_http: bool,
}

/// A kept blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256: String,
    pub size: u64,
}

/// The file store of this instance.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// Where incoming bytes are staged.
    staging: PathBuf,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the configured backend; `staging` is where incoming bytes wait (created when
    /// missing). For a directory, staging defaults to a folder inside it.
    pub fn open(backend: &Backend, staging: Option<&Path>) -> Result<Self, StoreError> {
        let (inner, default_staging): (Arc<dyn ObjectStore>, PathBuf) = match backend {
            Backend::Directory(dir) => {
                std::fs::create_dir_all(dir)?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
                (Arc::new(local), dir.join(".staging"))
            }
            Backend::S3(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
                }
                if let Some(id) = &s3.access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                let store: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
                let store: Arc<dyn ObjectStore> = if s3.prefix.trim_matches('/').is_empty() {
                    store
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(store, s3.prefix.trim_matches('/')))
                };
                (store, std::env::temp_dir().join("casebridge-staging"))
            }
        };
        let staging = staging.map(Path::to_path_buf).unwrap_or(default_staging);
        std::fs::create_dir_all(&staging)?;
        Ok(Self { inner, staging, backend: backend.clone() })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A writer for incoming bytes, refusing more than `limit`.
    pub async fn stage(&self, limit: u64) -> Result<Staging, StoreError> {
        let path = tempfile::Builder::new().prefix("upload-").tempfile_in(&self.staging)?.into_temp_path();
        let file = tokio::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
        Ok(Staging { file, path, hasher: Sha256::new(), size: 0, head: Vec::new(), limit })
    }

    /// Stages a whole stream (an upload's body), refusing more than `limit`.
    pub async fn stage_stream<E: std::fmt::Display>(
        &self,
        mut body: impl futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        limit: u64,
    ) -> Result<Staged, StoreError> {
        let mut staging = self.stage(limit).await?;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
            staging.write(&chunk).await?;
        }
        staging.finish().await
    }

    /// Stages a local file (async-graphql's multipart upload is one), refusing more than
    /// `limit`.
    pub async fn stage_file(&self, mut file: tokio::fs::File, limit: u64) -> Result<Staged, StoreError> {
        let mut staging = self.stage(limit).await?;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            staging.write(&buf[..n]).await?;
        }
        staging.finish().await
    }

    /// Keeps a staged file as a blob, after checking it against the client's declared
    /// SHA-256 (when given). The same bytes already kept are not written again.
    pub async fn keep(&self, staged: Staged, declared: Option<&str>) -> Result<Blob, StoreError> {
        if let Some(declared) = declared
            && !declared.eq_ignore_ascii_case(&staged.sha256)
        {
            return Err(StoreError::HashMismatch { declared: declared.to_string(), actual: staged.sha256 });
        }
        let key = blob_key(&staged.sha256);
        match self.inner.head(&key).await {
            Ok(meta) if meta.size == staged.size => {}
            Ok(_) | Err(object_store::Error::NotFound { .. }) => self.copy_in(&staged.path, &key).await?,
            Err(e) => return Err(e.into()),
        }
        Ok(Blob { sha256: staged.sha256, size: staged.size })
    }

    /// The size of a kept blob, or `None`.
    pub async fn blob_size(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        match self.inner.head(&blob_key(sha256)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A kept blob's bytes (`range`: a part of them), streamed, with the blob's whole size.
    pub async fn read_blob(&self, sha256: &str, range: Option<Range<u64>>) -> Result<Reading, StoreError> {
        if !is_sha256(sha256) {
            return Err(StoreError::NotFound);
        }
        self.read(&blob_key(sha256), range).await
    }

    /// Keeps a local file under a key of its own (an export), replacing what was there.
    pub async fn put_named(&self, name: &str, file: &Path) -> Result<u64, StoreError> {
        let key = named_key(name)?;
        self.copy_in(file, &key).await?;
        Ok(self.inner.head(&key).await?.size)
    }

    /// A named object's bytes, streamed.
    pub async fn read_named(&self, name: &str, range: Option<Range<u64>>) -> Result<Reading, StoreError> {
        self.read(&named_key(name)?, range).await
    }

    /// Removes a named object (missing is fine).
    pub async fn delete_named(&self, name: &str) -> Result<(), StoreError> {
        match self.inner.delete(&named_key(name)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn read(&self, key: &Key, range: Option<Range<u64>>) -> Result<Reading, StoreError> {
        let size = self.inner.head(key).await?.size;
        let range = match range {
            None => 0..size,
            Some(r) if r.start >= size || r.start >= r.end => return Err(StoreError::BadRange { size }),
            Some(r) => r.start..r.end.min(size),
        };
        let bytes = if range.is_empty() {
            futures_util::stream::empty().boxed()
        } else {
            let options = GetOptions { range: Some(GetRange::Bounded(range.clone())), ..Default::default() };
            self.inner.get_opts(key, options).await?.into_stream().map(|r| r.map_err(StoreError::from)).boxed()
        };
        Ok(Reading { size, range, bytes })
    }

    /// Copies a local file into the store: one request when small, parts when large.
    async fn copy_in(&self, path: &Path, key: &Key) -> Result<(), StoreError> {
        let mut file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        if len <= PART_BYTES as u64 {
            let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            file.read_to_end(&mut buf).await?;
            self.inner.put(key, PutPayload::from(buf)).await?;
            return Ok(());
        }
        let upload = self.inner.put_multipart(key).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(2).await?;
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }
}

/// Bytes on their way out: the object's whole size, the range sent, and the bytes.
pub struct Reading {
    pub size: u64,
    pub range: Range<u64>,
    pub bytes: BoxStream<'static, Result<Bytes, StoreError>>,
}

/// Incoming bytes on their way to a temporary file, hashed and counted.
pub struct Staging {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    limit: u64,
}

impl Staging {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StoreError::TooLarge { limit: self.limit });
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn finish(mut self) -> Result<Staged, StoreError> {
        self.file.flush().await?;
        self.file.sync_data().await?;
        let sha256 = hex::encode(self.hasher.finalize());
        Ok(Staged { path: self.path, sha256, size: self.size, head: self.head })
    }
}

/// A complete staged file (removed when dropped).
pub struct Staged {
    path: tempfile::TempPath,
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for [`sniff`].
    pub head: Vec<u8>,
}

impl Staged {
    /// The media type the bytes themselves show.
    pub fn media_type(&self) -> &'static str {
        sniff(&self.head)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The media type of a file from its first bytes (magic numbers), never from a client's
/// claim: `application/octet-stream` when nothing is recognised, `text/plain` for UTF-8 text.
pub fn sniff(head: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type();
    }
    if !head.is_empty() && !head.contains(&0) && valid_utf8_prefix(head) {
        return "text/plain";
    }
    "application/octet-stream"
}

/// Valid UTF-8, allowing a character cut at the end of the prefix.
fn valid_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > bytes.len(),
    }
}

/// 64 lower- or upper-case hexadecimal characters.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn blob_key(sha256: &str) -> Key {
    let sha = sha256.to_ascii_lowercase();
    Key::from(format!("blobs/{}/{}", &sha[..2], sha))
}

fn named_key(name: &str) -> Result<Key, StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !name.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if !ok {
        return Err(StoreError::Backend(format!("{name:?} is not a valid object name")));
    }
    Ok(Key::from(format!("named/{name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stage_bytes(store: &Store, bytes: &[u8], limit: u64) -> Result<Staged, StoreError> {
        let body = futures_util::stream::iter(bytes.chunks(3).map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c))));
        store.stage_stream(body, limit).await
    }

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    async fn collect(reading: Reading) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = reading.bytes;
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.expect("chunk"));
        }
        out
    }

    #[tokio::test]
    async fn a_directory_keeps_verified_bytes_once_and_reads_ranges() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&Backend::Directory(dir.path().to_path_buf()), None).expect("store");
        let bytes = b"\xFF\xD8\xFF\xE0 not really a photo".to_vec();
        let staged = stage_bytes(&store, &bytes, 1000).await.expect("staged");
        assert_eq!(staged.media_type(), "image/jpeg");
        let blob = store.keep(staged, Some(&sha(&bytes).to_uppercase())).await.expect("kept");
        assert_eq!(blob, Blob { sha256: sha(&bytes), size: bytes.len() as u64 });
        assert_eq!(store.blob_size(&blob.sha256).await.expect("size"), Some(bytes.len() as u64));
        // Again: nothing new is written, the same blob answers.
        let again = store.keep(stage_bytes(&store, &bytes, 1000).await.expect("staged"), None).await.expect("kept");
        assert_eq!(again, blob);
        let whole = store.read_blob(&blob.sha256, None).await.expect("read");
        assert_eq!(whole.size, bytes.len() as u64);
        assert_eq!(collect(whole).await, bytes);
        let part = store.read_blob(&blob.sha256, Some(4..8)).await.expect("range");
        assert_eq!(part.range, 4..8);
        assert_eq!(collect(part).await, bytes[4..8].to_vec());
        assert!(matches!(store.read_blob(&blob.sha256, Some(500..600)).await, Err(StoreError::BadRange { .. })));
        assert!(matches!(store.read_blob(&"0".repeat(64), None).await, Err(StoreError::NotFound)));
        // Nothing is left in staging.
        assert_eq!(std::fs::read_dir(dir.path().join(".staging")).expect("staging").count(), 0);
    }

    #[tokio::test]
    async fn a_wrong_hash_or_too_many_bytes_keeps_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&Backend::Directory(dir.path().to_path_buf()), None).expect("store");
        let staged = stage_bytes(&store, b"hello", 10).await.expect("staged");
        let wrong = sha(b"other");
        assert!(matches!(store.keep(staged, Some(&wrong)).await, Err(StoreError::HashMismatch { .. })));
        assert_eq!(store.blob_size(&sha(b"hello")).await.expect("size"), None);
        assert!(matches!(stage_bytes(&store, b"hello world", 10).await, Err(StoreError::TooLarge { limit: 10 })));
        assert_eq!(std::fs::read_dir(dir.path().join(".staging")).expect("staging").count(), 0);
    }

    #[tokio::test]
    async fn a_large_file_goes_in_parts() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&Backend::Directory(dir.path().to_path_buf()), None).expect("store");
        let bytes: Vec<u8> = (0..(PART_BYTES * 2 + 12_345)).map(|i| (i % 251) as u8).collect();
        let mut staging = store.stage(u64::MAX).await.expect("stage");
        for chunk in bytes.chunks(1 << 20) {
            staging.write(chunk).await.expect("write");
        }
        let blob = store.keep(staging.finish().await.expect("finish"), Some(&sha(&bytes))).await.expect("kept");
        assert_eq!(blob.size, bytes.len() as u64);
        assert_eq!(collect(store.read_blob(&blob.sha256, None).await.expect("read")).await, bytes);
    }

    #[tokio::test]
    async fn named_objects_are_kept_read_and_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&Backend::Directory(dir.path().to_path_buf()), None).expect("store");
        let file = dir.path().join("x.csv");
        std::fs::write(&file, "a,b\n").expect("write");
        assert_eq!(store.put_named("exports/1.csv", &file).await.expect("put"), 4);
        assert_eq!(collect(store.read_named("exports/1.csv", None).await.expect("read")).await, b"a,b\n");
        store.delete_named("exports/1.csv").await.expect("delete");
        assert!(matches!(store.read_named("exports/1.csv", None).await, Err(StoreError::NotFound)));
        assert!(store.put_named("../x", &file).await.is_err());
    }

    #[test]
    fn sniffing_reads_the_bytes_not_the_name() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff("罚款决定书".as_bytes()), "text/plain");
        assert_eq!(sniff(b"\0\x01\x02"), "application/octet-stream");
        assert_eq!(sniff(b""), "application/octet-stream");
    }
}
