//! Resumable uploads over plain HTTP: tus 1.0.0 (core, creation, termination, expiration)
//! at `/files/uploads`; the state and rules are `files::uploads`.
//!
//! - `OPTIONS /files/uploads`: `Tus-Version`, `Tus-Extension`, `Tus-Max-Size`.
//! - `POST /files/uploads` with `Upload-Length` and `Upload-Metadata` (`sha256` required: the
//!   file's declared SHA-256; `filename` optional) → `201`, `Location: /files/uploads/{id}`.
//! - `HEAD /files/uploads/{id}` → `Upload-Offset`, `Upload-Length` (and, once complete,
//!   `Upload-Sha256` and `Location: /files/{sha256}`).
//! - `PATCH /files/uploads/{id}` (`Content-Type: application/offset+octet-stream`,
//!   `Upload-Offset` = the server's offset, else `409`) appends; the last one verifies and
//!   keeps the file and answers `Upload-Sha256` and `Location: /files/{sha256}`, the blob a
//!   record then references with `attachment { sha256 … }`. A declared hash the bytes do not
//!   have is `400` and nothing is kept (the upload is gone: `410` afterwards).
//! - `DELETE /files/uploads/{id}` → `204`.
//!
//! A bearer token is required; only callers who submit records may create uploads, and only
//! the creator may continue one (anyone else gets `404`).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use uuid::Uuid;

use super::{app_error, authenticate};
use super::{error_body, json};
use crate::error::AppError;
use crate::files::uploads::{self, Progress, UploadError};
use crate::graphql::context::AppState;

pub const TUS_VERSION: &str = "1.0.0";
pub const TUS_EXTENSIONS: &str = "creation,termination,expiration";
pub const OFFSET_STREAM: &str = "application/offset+octet-stream";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/files/uploads", web::method(Method::OPTIONS).to(options))
        .route("/files/uploads", web::post().to(create))
        .route("/files/uploads/{id}", web::head().to(head))
        .route("/files/uploads/{id}", web::patch().to(patch))
        .route("/files/uploads/{id}", web::delete().to(terminate))
        .route("/files/uploads/{id}", web::method(Method::OPTIONS).to(options));
}

fn tus(builder: &mut HttpResponseBuilder) -> &mut HttpResponseBuilder {
    builder.insert_header(("Tus-Resumable", TUS_VERSION)).insert_header((header::CACHE_CONTROL, "no-store"))
}

fn with_tus(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::HeaderName::from_static("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
    response
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// `412` unless the client speaks tus 1.0.0.
fn check_version(req: &HttpRequest) -> Result<(), Box<HttpResponse>> {
    if header_str(req.headers(), "Tus-Resumable") == Some(TUS_VERSION) {
        return Ok(());
    }
    let body = error_body("BAD_USER_INPUT", "send `Tus-Resumable: 1.0.0`: this server speaks tus 1.0.0");
    let mut response = json(StatusCode::PRECONDITION_FAILED, &body);
    response
        .headers_mut()
        .insert(header::HeaderName::from_static("tus-version"), HeaderValue::from_static(TUS_VERSION));
    Err(Box::new(with_tus(response)))
}

fn refused(state: &AppState, e: UploadError) -> HttpResponse {
    let (status, err) = match e {
        UploadError::NotFound => (StatusCode::NOT_FOUND, AppError::not_found("upload")),
        UploadError::Gone => (StatusCode::GONE, AppError::NotFound(e.to_string())),
        UploadError::Forbidden(m) => (StatusCode::FORBIDDEN, AppError::Forbidden(m)),
        UploadError::BadInput { field, message } => (StatusCode::BAD_REQUEST, AppError::bad_input(field, message)),
        UploadError::TooLarge { .. } => {
            (StatusCode::PAYLOAD_TOO_LARGE, AppError::bad_input("Upload-Length", e.to_string()))
        }
        UploadError::Offset { .. } => (StatusCode::CONFLICT, AppError::Conflict(e.to_string())),
        UploadError::HashMismatch { .. } => (StatusCode::BAD_REQUEST, AppError::bad_input("sha256", e.to_string())),
        UploadError::Store(_) | UploadError::Db(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(format_args!("upload: {e}")))
        }
    };
    let mut response = app_error(state, &err);
    *response.status_mut() = status;
    with_tus(response)
}

/// An HTTP date for `Upload-Expires`.
fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The headers of where an upload stands.
fn progress_headers(builder: &mut HttpResponseBuilder, progress: &Progress) {
    builder
        .insert_header(("Upload-Offset", progress.received.to_string()))
        .insert_header(("Upload-Length", progress.length.to_string()))
        .insert_header(("Upload-Expires", http_date(progress.expires_at)));
    if let Some(sha) = &progress.sha256 {
        builder
            .insert_header(("Upload-Sha256", sha.as_str()))
            .insert_header((header::LOCATION, format!("/files/{sha}")));
    }
}

async fn options(state: web::Data<AppState>) -> HttpResponse {
    tus(&mut HttpResponse::NoContent())
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.settings.files.limits.largest().to_string()))
        .finish()
}

async fn create(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let principal = match authenticate(&state, &req).await {
        Ok(p) => p,
        Err(refused) => return with_tus(*refused),
    };
    if let Err(refused) = check_version(&req) {
        return *refused;
    }
    let headers = req.headers();
    if headers.contains_key("Upload-Defer-Length") {
        let e = UploadError::BadInput {
            field: "Upload-Defer-Length",
            message: "a deferred length is not supported: send Upload-Length".into(),
        };
        return refused(&state, e);
    }
    let Some(length) = header_str(headers, "Upload-Length").and_then(|v| v.parse::<u64>().ok()) else {
        let e =
            UploadError::BadInput { field: "Upload-Length", message: "the file's size in bytes is required".into() };
        return refused(&state, e);
    };
    let metadata = match uploads::parse_metadata(header_str(headers, "Upload-Metadata").unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return refused(&state, e),
    };
    let value = |key: &str| metadata.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.clone());
    let Some(sha256) = value("sha256") else {
        let e = UploadError::BadInput {
            field: "sha256",
            message: "Upload-Metadata needs `sha256 <base64 of the file's SHA-256 in hex>`".into(),
        };
        return refused(&state, e);
    };
    let created = uploads::create(
        &state.db,
        &state.files,
        &state.settings.files.limits,
        &principal,
        length,
        &sha256,
        value("filename"),
    )
    .await;
    match created {
        Ok(row) => tus(&mut HttpResponse::Created())
            .insert_header((header::LOCATION, format!("/files/uploads/{}", row.id)))
            .insert_header(("Upload-Offset", "0"))
            .insert_header(("Upload-Expires", http_date(row.expires_at)))
            .finish(),
        Err(e) => refused(&state, e),
    }
}

fn upload_id(raw: &str) -> Result<Uuid, UploadError> {
    Uuid::parse_str(raw).map_err(|_| UploadError::NotFound)
}

async fn head(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let principal = match authenticate(&state, &req).await {
        Ok(p) => p,
        Err(refused) => return with_tus(*refused),
    };
    if let Err(refused) = check_version(&req) {
        return *refused;
    }
    let found = match upload_id(&path) {
        Ok(id) => uploads::find(&state.db, &principal, id).await,
        Err(e) => Err(e),
    };
    let row = match found.and_then(|row| uploads::usable(&row, chrono::Utc::now()).map(|()| row)) {
        Ok(row) => row,
        Err(e) => return refused(&state, e),
    };
    let mut builder = HttpResponse::Ok();
    tus(&mut builder);
    progress_headers(&mut builder, &Progress::of(&row));
    builder.finish()
}

async fn patch(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let principal = match authenticate(&state, &req).await {
        Ok(p) => p,
        Err(refused) => return with_tus(*refused),
    };
    if let Err(refused) = check_version(&req) {
        return *refused;
    }
    let headers = req.headers();
    let content_type = header_str(headers, "Content-Type").unwrap_or_default();
    if !content_type.eq_ignore_ascii_case(OFFSET_STREAM) {
        let body = error_body("BAD_USER_INPUT", &format!("a PATCH's Content-Type is {OFFSET_STREAM}"));
        return with_tus(json(StatusCode::UNSUPPORTED_MEDIA_TYPE, &body));
    }
    let Some(offset) = header_str(headers, "Upload-Offset").and_then(|v| v.parse::<u64>().ok()) else {
        let e = UploadError::BadInput {
            field: "Upload-Offset",
            message: "the offset the bytes start at is required (HEAD tells it)".into(),
        };
        return refused(&state, e);
    };
    let id = match upload_id(&path) {
        Ok(id) => id,
        Err(e) => return refused(&state, e),
    };
    let limits = state.settings.files.limits;
    match uploads::append(&state.db, &state.files, &limits, &principal, id, offset, body).await {
        Ok(progress) => {
            let mut builder = HttpResponse::NoContent();
            tus(&mut builder);
            progress_headers(&mut builder, &progress);
            builder.finish()
        }
        Err(e) => refused(&state, e),
    }
}

async fn terminate(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let principal = match authenticate(&state, &req).await {
        Ok(p) => p,
        Err(refused) => return with_tus(*refused),
    };
    if let Err(refused) = check_version(&req) {
        return *refused;
    }
    let done = match upload_id(&path) {
        Ok(id) => uploads::terminate(&state.db, &state.files, &principal, id).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => tus(&mut HttpResponse::NoContent()).finish(),
        Err(e) => refused(&state, e),
    }
}
