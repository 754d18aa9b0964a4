//! Evidence files and exported spreadsheets: bytes kept outside the database.
//!
//! [`store::Store`] keeps blobs by the SHA-256 of their bytes (the same bytes are kept once)
//! and named objects (exports) under their own keys, in a directory (the embedded default) or
//! in S3-compatible object storage shared by several instances. Bytes arrive through a
//! [`store::Staging`] writer that hashes and counts them on the way to a local temporary file,
//! so a file of any size is verified before it is kept and never held in memory.

pub mod access;
pub mod blobs;
pub mod store;
pub mod uploads;

pub use store::{Blob, Staged, Staging, Store, StoreError, sniff};
