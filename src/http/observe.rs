//! One span and one log line per HTTP request, and the request id.
//!
//! The request id is the caller's `X-Request-Id` when it is printable ASCII of at most
//! [`MAX_ID_LEN`] characters, else a new UUID v7 (time-ordered, so ids sort like the log).
//! It is sent back in the response's `X-Request-Id`, carried by every GraphQL error's
//! `extensions.requestId` (`telemetry::current_request_id`) and by every log line written while
//! the request is served (a field of the `http_request` span). A W3C `traceparent` continues
//! the caller's trace when traces are exported.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;
use tracing::field::Empty;

use crate::graphql::context::AppState;
use crate::telemetry;

/// The header that carries the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";
/// The longest request id taken from a caller.
pub const MAX_ID_LEN: usize = 128;

/// The caller's id when it is usable: 1 to [`MAX_ID_LEN`] printable ASCII characters.
fn usable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic())
}

/// The request's id: the caller's `X-Request-Id` when usable, else a new UUID v7.
fn request_id(req: &ServiceRequest) -> Arc<str> {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| usable(id))
        .map(Arc::from)
        .unwrap_or_else(|| Arc::from(uuid::Uuid::now_v7().to_string()))
}

/// The middleware (`actix_web::middleware::from_fn(observe)`): runs the rest of the request
/// inside its span and request id, then counts, logs and tags the response.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    let method = req.method().to_string();
    // The route's pattern, not its path: bounded and free of ids.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!(
        "http_request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = Empty,
        request_id = %id,
        operation = Empty,
        login = Empty,
        duration_ms = Empty,
    );
    telemetry::continue_trace(&span, |name| req.headers().get(name).and_then(|v| v.to_str().ok()));
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| Arc::clone(&s.metrics));
    let started = Instant::now();
    let result = telemetry::with_request(Arc::clone(&id), span.clone(), next.call(req)).instrument(span.clone()).await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let duration_ms = started.elapsed().as_secs_f64() * 1e3;
    span.record("http.response.status_code", status.as_u16());
    span.record("duration_ms", duration_ms);
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    if let Some(metrics) = metrics {
        metrics.http_response(status.as_u16());
    }
    span.in_scope(|| tracing::info!(status = status.as_u16(), duration_ms, "request served"));
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_ids_are_taken() {
        assert!(usable("abc-123_x.y"));
        assert!(usable(&"a".repeat(MAX_ID_LEN)));
        assert!(!usable(&"a".repeat(MAX_ID_LEN + 1)));
        assert!(!usable(""));
        assert!(!usable("with space"));
        assert!(!usable("tab\there"));
        assert!(!usable("né"));
    }
}
