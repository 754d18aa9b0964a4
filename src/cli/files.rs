//! The settings of the file store (`config::Files`): a directory (the default) or an
//! S3-compatible bucket, where incoming bytes are staged, and the largest file of each kind.

use std::path::{Path, PathBuf};

use clap::Args;

use super::exit;
use crate::config::{FileLimits, Files};
use crate::error::BoxError;
use crate::files::store::{Backend, S3Settings};

/// Where evidence files and exports are kept (README, "Evidence files").
#[derive(Args, Debug, Clone)]
pub struct FilesArgs {
    /// Directory of evidence files and exports [default: casebridge-files beside the SQLite
    /// database file, or in the working directory].
    #[arg(long, env = "CASEBRIDGE_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
    /// S3-compatible bucket for the files instead of a directory (several instances share it).
    #[arg(long, env = "CASEBRIDGE_FILES_S3_BUCKET")]
    pub files_s3_bucket: Option<String>,
    /// Key prefix inside the bucket.
    #[arg(long, env = "CASEBRIDGE_FILES_S3_PREFIX")]
    pub files_s3_prefix: Option<String>,
    /// URL of an S3-compatible service other than AWS (MinIO, Ceph…); path-style requests.
    #[arg(long, env = "CASEBRIDGE_FILES_S3_ENDPOINT")]
    pub files_s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "CASEBRIDGE_FILES_S3_REGION", default_value = "us-east-1")]
    pub files_s3_region: String,
    /// Allow a plain http:// endpoint.
    #[arg(long, env = "CASEBRIDGE_FILES_S3_ALLOW_HTTP", default_value_t = false, action = clap::ArgAction::Set)]
    pub files_s3_allow_http: bool,
    /// Access key id [default: the AWS environment's].
    #[arg(long, env = "CASEBRIDGE_FILES_S3_ACCESS_KEY_ID")]
    pub files_s3_access_key_id: Option<String>,
    /// Secret access key (with --files-s3-access-key-id).
    #[arg(long, env = "CASEBRIDGE_FILES_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub files_s3_secret_access_key: Option<String>,
    /// Where incoming bytes wait until verified [default: .staging inside the directory, or
    /// the system's temporary directory with S3].
    #[arg(long, env = "CASEBRIDGE_FILES_STAGING_DIR")]
    pub files_staging_dir: Option<PathBuf>,
    /// Largest photo (image/*) in bytes.
    #[arg(long, env = "CASEBRIDGE_MAX_PHOTO_BYTES", default_value_t = FileLimits::default().photo)]
    pub max_photo_bytes: u64,
    /// Largest video or audio file in bytes.
    #[arg(long, env = "CASEBRIDGE_MAX_VIDEO_BYTES", default_value_t = FileLimits::default().video)]
    pub max_video_bytes: u64,
    /// Largest document (anything else) in bytes.
    #[arg(long, env = "CASEBRIDGE_MAX_DOCUMENT_BYTES", default_value_t = FileLimits::default().document)]
    pub max_document_bytes: u64,
}

/// The directory's default: `casebridge-files` beside a SQLite database file (the demo's files
/// stay with its data), else in the working directory.
pub fn default_dir(database_url: &str) -> PathBuf {
    const NAME: &str = "casebridge-files";
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|path| !path.is_empty() && !path.contains(":memory:"));
    match file.and_then(|f| Path::new(f).parent()) {
        Some(parent) => parent.join(NAME),
        None => PathBuf::from(NAME),
    }
}

impl FilesArgs {
    /// The checked settings (exit code 2 for a wrong one).
    pub fn files(&self, database_url: &str) -> Result<Files, BoxError> {
        let limit = |flag: &str, value: u64| {
            if value == 0 { Err(exit::settings(format!("--{flag} is at least 1"))) } else { Ok(value) }
        };
        let limits = FileLimits {
            photo: limit("max-photo-bytes", self.max_photo_bytes)?,
            video: limit("max-video-bytes", self.max_video_bytes)?,
            document: limit("max-document-bytes", self.max_document_bytes)?,
        };
        if let Some(staging) = &self.files_staging_dir {
            not_a_file("files-staging-dir", staging)?;
        }
        let backend = match &self.files_s3_bucket {
            Some(bucket) => Backend::S3(self.s3(bucket)?),
            None => {
                let dir = self.files_dir.clone().unwrap_or_else(|| default_dir(database_url));
                not_a_file("files-dir", &dir)?;
                Backend::Directory(dir)
            }
        };
        Ok(Files { backend, staging: self.files_staging_dir.clone(), limits })
    }

    fn s3(&self, bucket: &str) -> Result<S3Settings, BoxError> {
        let bad = |why: String| exit::settings(why);
        if self.files_dir.is_some() {
            return Err(bad("set --files-dir or --files-s3-bucket, not both".into()));
        }
        let name_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !name_ok {
            return Err(bad(format!(
                "--files-s3-bucket {bucket:?} is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
            )));
        }
        if let Some(endpoint) = &self.files_s3_endpoint {
            let rest = endpoint.strip_prefix("https://").or_else(|| endpoint.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return Err(bad(format!(
                    "--files-s3-endpoint {endpoint:?} is not a URL such as https://s3.example.gov.cn or http://127.0.0.1:9000"
                )));
            }
            if endpoint.starts_with("http://") && !self.files_s3_allow_http {
                return Err(bad(format!(
                    "--files-s3-endpoint {endpoint} is plain http: set --files-s3-allow-http true to use it"
                )));
            }
        }
        if self.files_s3_access_key_id.is_some() != self.files_s3_secret_access_key.is_some() {
            return Err(bad("set --files-s3-access-key-id and --files-s3-secret-access-key together".into()));
        }
        if self.files_s3_region.trim().is_empty() {
            return Err(bad("--files-s3-region is empty".into()));
        }
        Ok(S3Settings {
            bucket: bucket.to_string(),
            prefix: self.files_s3_prefix.clone().unwrap_or_default().trim_matches('/').to_string(),
            endpoint: self.files_s3_endpoint.clone(),
            region: self.files_s3_region.trim().to_string(),
            access_key_id: self.files_s3_access_key_id.clone(),
            secret_access_key: self.files_s3_secret_access_key.clone(),
            allow_http: self.files_s3_allow_http,
        })
    }
}

/// A directory setting must not name an existing file.
fn not_a_file(flag: &str, path: &Path) -> Result<(), BoxError> {
    if path.as_os_str().is_empty() {
        return Err(exit::settings(format!("--{flag} is empty")));
    }
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => {
            Err(exit::settings(format!("--{flag} {}: exists and is not a directory", path.display())))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_defaults_to_beside_the_sqlite_file() {
        assert_eq!(default_dir("sqlite://casebridge.db?mode=rwc"), PathBuf::from("casebridge-files"));
        assert_eq!(default_dir("sqlite:///var/lib/cb/data.db?mode=rwc"), PathBuf::from("/var/lib/cb/casebridge-files"));
        assert_eq!(default_dir("sqlite::memory:"), PathBuf::from("casebridge-files"));
        assert_eq!(default_dir("postgres://u@h/db"), PathBuf::from("casebridge-files"));
    }
}
