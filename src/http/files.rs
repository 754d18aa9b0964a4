//! `GET|HEAD /files/{sha256}`: a kept evidence file, for callers who may read a record that
//! holds it (`files::access`), streamed from the store (the resumable uploads at
//! `/files/uploads` are [`super::uploads`]).
//!
//! A bearer token is required (401 without a valid one, as on `/graphql`); a file the caller
//! may not read, or that does not exist, is 404 (never 403: no existence leak). The response
//! carries the type sniffed from the bytes (never the uploader's claim), `Content-Disposition:
//! attachment`, `X-Content-Type-Options: nosniff`, a strong ETag (the SHA-256) and `Cache-Control:
//! private`; one byte range (`bytes=a-b`, `a-`, `-n`) is answered 206, an unsatisfiable one 416,
//! a matching `If-None-Match` 304. Every GET that sends bytes (ranges included) is audited as
//! `download:file` with the hash, the range and the cases; HEAD sends none and is not.

use std::ops::Range;

use actix_web::http::header::{self, ContentEncoding};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::{app_error, authenticate};
use crate::error::AppError;
use crate::files::access;
use crate::graphql::context::AppState;

/// After `uploads::routes` (`/files/uploads` would otherwise be taken for a hash).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/files/{sha256}", super::read().to(download));
}

fn not_found(state: &AppState) -> HttpResponse {
    app_error(state, &AppError::not_found("file"))
}

/// A `Range` header's one range over a file of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// No range (or one this server does not serve: several, or another unit): the whole file.
    Whole,
    Part(Range<u64>),
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// RFC 9110 §14.1.2, for one range: `bytes=a-b`, `bytes=a-`, `bytes=-n`. A malformed header
/// or several ranges are ignored (the whole file, as the RFC allows).
pub fn parse_range(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Wanted::Whole };
    let number = |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u64>().ok());
    match (number(first.trim()), number(last.trim())) {
        // `-n`: the last n bytes.
        (None, Some(Some(n))) if first.trim().is_empty() => {
            if n == 0 || size == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part(size.saturating_sub(n)..size)
            }
        }
        (Some(Some(a)), None) if last.trim().is_empty() => {
            if a >= size {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part(a..size)
            }
        }
        (Some(Some(a)), Some(Some(b))) if a <= b => {
            if a >= size {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part(a..b.saturating_add(1).min(size))
            }
        }
        // A first position past u64 is past the end of any file.
        (Some(None), _) => Wanted::Unsatisfiable,
        _ => Wanted::Whole,
    }
}

/// Whether `If-None-Match` names this ETag (weak comparison, as RFC 9110 asks for it).
fn none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag))
}

/// `If-Range`: a range applies only while the file is the one the client has (always true for
/// a strong ETag that matches; a date or another tag sends the whole file).
fn if_range_holds(req: &HttpRequest, etag: &str) -> bool {
    match req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(v) => v.trim() == etag,
    }
}

/// A file name's extension for a sniffed type.
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heif" | "image/heic" => "heic",
        "image/tiff" => "tif",
        "image/bmp" => "bmp",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/x-msvideo" => "avi",
        "video/webm" => "webm",
        "video/x-matroska" => "mkv",
        "audio/mpeg" => "mp3",
        "audio/x-wav" | "audio/wav" => "wav",
        "audio/m4a" | "audio/mp4" => "m4a",
        "audio/amr" => "amr",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/msword" => "doc",
        "text/plain" => "txt",
        _ => "bin",
    }
}

async fn download(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let principal = match authenticate(&state, &req).await {
        Ok(p) => p,
        Err(refused) => return *refused,
    };
    let sha = path.into_inner().to_ascii_lowercase();
    let today = crate::calendar::today();
    let readable = match access::readable(&state.db, &principal, today, &sha).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(&state),
        Err(e) => return app_error(&state, &AppError::from(e)),
    };
    let size = u64::try_from(readable.blob.size_bytes).unwrap_or(0);
    let etag = format!("\"{sha}\"");
    let media_type = readable.blob.media_type.clone();
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, "private"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{}\"", &sha[..16], extension(&media_type)),
        ))
        // Compressing would change the bytes the ranges and the length count.
        .insert_header(ContentEncoding::Identity);
    if none_match(&req, &etag) {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    let range_header = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
    let wanted = if if_range_holds(&req, &etag) { parse_range(range_header, size) } else { Wanted::Whole };
    let range = match wanted {
        Wanted::Whole => None,
        Wanted::Part(r) => Some(r),
        Wanted::Unsatisfiable => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish();
        }
    };
    if let Some(r) = &range {
        builder
            .status(StatusCode::PARTIAL_CONTENT)
            .insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{size}", r.start, r.end - 1)));
    }
    builder.insert_header((header::CONTENT_TYPE, media_type));
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    if req.method() == Method::HEAD {
        return builder
            .no_chunking(length)
            .streaming(futures_util::stream::empty::<Result<web::Bytes, std::io::Error>>());
    }
    let reading = match state.files.read_blob(&sha, range.clone()).await {
        Ok(reading) => reading,
        Err(e) => {
            // A row without its bytes: the store lost them, or another instance's store is not
            // this one's. Nothing is sent, nothing audited.
            return app_error(&state, &AppError::internal(format_args!("reading file {sha}: {e}")));
        }
    };
    let detail = serde_json::json!({
        "sha256": sha,
        "range": range.as_ref().map(|r| format!("{}-{}", r.start, r.end - 1)),
        "bytes": length,
        "caseIds": readable.case_ids,
        "transferIds": readable.transfer_ids,
    });
    if let Err(e) =
        crate::audit::write(&state.db, Some(&principal), access::DOWNLOAD, &readable.targets(), detail).await
    {
        return app_error(&state, &e);
    }
    let sha_for_log = sha.clone();
    let bytes = reading.bytes.map(move |chunk| {
        chunk.map_err(|e| {
            tracing::warn!(error = %e, sha256 = %sha_for_log, "file download broke off");
            e
        })
    });
    builder.no_chunking(length).streaming(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_is_read_as_rfc_9110_says() {
        let r = |h: &str| parse_range(Some(h), 100);
        assert_eq!(parse_range(None, 100), Wanted::Whole);
        assert_eq!(r("bytes=0-9"), Wanted::Part(0..10));
        assert_eq!(r("bytes=90-"), Wanted::Part(90..100));
        assert_eq!(r("bytes=-10"), Wanted::Part(90..100));
        assert_eq!(r("bytes=-1000"), Wanted::Part(0..100));
        assert_eq!(r("bytes=50-1000"), Wanted::Part(50..100));
        assert_eq!(r("bytes=100-"), Wanted::Unsatisfiable);
        assert_eq!(r("bytes=100-200"), Wanted::Unsatisfiable);
        assert_eq!(r("bytes=-0"), Wanted::Unsatisfiable);
        assert_eq!(r("bytes=99999999999999999999999-"), Wanted::Unsatisfiable);
        assert_eq!(r("bytes=0-1,5-6"), Wanted::Whole);
        assert_eq!(r("bytes=9-3"), Wanted::Whole);
        assert_eq!(r("items=0-1"), Wanted::Whole);
        assert_eq!(r("bytes=a-b"), Wanted::Whole);
        assert_eq!(parse_range(Some("bytes=-5"), 0), Wanted::Unsatisfiable);
    }

    #[test]
    fn a_name_has_the_sniffed_types_extension() {
        assert_eq!(extension("image/jpeg"), "jpg");
        assert_eq!(extension("video/mp4"), "mp4");
        assert_eq!(extension("application/x-unknown"), "bin");
    }
}
