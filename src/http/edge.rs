//! The edge around the routes: CORS, compression, and the media types of GraphQL over HTTP.

use actix_cors::Cors;
use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Compress;

use crate::config::Settings;

/// CORS for the origins of `CASEBRIDGE_CORS_ORIGINS` (none by default; `*` allows any).
///
/// A page served by this server (GraphiQL, the dashboard) is always allowed: browsers send
/// `Origin` on their own POSTs too. Any other origin gets no `Access-Control-Allow-*` headers,
/// so a browser keeps the answer from its script, and its preflight is refused (400). No
/// credentials are involved: the API reads bearer tokens, never cookies.
pub fn cors(settings: &Settings) -> Cors {
    let any = settings.cors_origins.iter().any(|o| o.trim() == "*");
    let listed: Vec<String> =
        settings.cors_origins.iter().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase()).collect();
    // Besides GraphQL: the tus upload's methods and headers (`/files/uploads`), and what a
    // browser reads of a download (`/files/{sha256}`: ranges, the file's name and ETag).
    let tus = ["tus-resumable", "upload-length", "upload-offset", "upload-metadata"].map(HeaderName::from_static);
    let exposed = [
        "location",
        "upload-offset",
        "upload-length",
        "upload-expires",
        "upload-sha256",
        "tus-resumable",
        "tus-version",
        "tus-extension",
        "tus-max-size",
        "content-range",
        "content-disposition",
        "accept-ranges",
        "etag",
        "x-request-id",
    ]
    .map(HeaderName::from_static);
    let cors = Cors::default()
        .allowed_methods(["GET", "POST", "HEAD", "PATCH", "DELETE"])
        .allowed_headers(
            [
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::RANGE,
                header::IF_NONE_MATCH,
                header::IF_RANGE,
            ]
            .into_iter()
            .chain(tus),
        )
        .expose_headers([header::RETRY_AFTER, header::ALLOW].into_iter().chain(exposed))
        .max_age(3600)
        .block_on_origin_mismatch(false);
    if any {
        return cors.allow_any_origin();
    }
    cors.allowed_origin_fn(move |origin, head| {
        let Ok(origin) = origin.to_str() else { return false };
        let origin = origin.to_ascii_lowercase();
        listed.contains(&origin) || is_same_host(&origin, head.headers().get(header::HOST))
    })
}

/// `origin` (`scheme://host[:port]`) names the host the request was sent to.
fn is_same_host(origin: &str, host: Option<&HeaderValue>) -> bool {
    let Some(host) = host.and_then(|h| h.to_str().ok()) else { return false };
    let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    rest.is_some_and(|rest| rest.eq_ignore_ascii_case(host))
}

/// gzip and Brotli, as the client's `Accept-Encoding` asks (WebSocket upgrades are left alone).
pub fn compress() -> Compress {
    Compress::default()
}

/// The two media types of a GraphQL response (GraphQL over HTTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: errors of a well-formed request are answered 200, as always.
    Json,
    /// `application/graphql-response+json`: request errors (parse, validation, variable
    /// coercion) are 4xx without `data`.
    GraphqlResponse,
}

pub const JSON: &str = "application/json; charset=utf-8";
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json; charset=utf-8";

impl Media {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => JSON,
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        }
    }
}

/// The response's media type by the request's `Accept`: the highest `q` wins; on a tie an
/// exact type beats a wildcard, and `application/graphql-response+json` beats
/// `application/json`. No `Accept`: `application/json` (the spec's rule for legacy clients).
/// `None`: neither is acceptable (406).
pub fn negotiate(req: &HttpRequest) -> Option<Media> {
    let values: Vec<&str> = req.headers().get_all(header::ACCEPT).filter_map(|v| v.to_str().ok()).collect();
    if values.iter().all(|v| v.trim().is_empty()) {
        return Some(Media::Json);
    }
    let mut best: Option<(u16, u8, Media)> = None;
    for range in values.iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u16;
        let (rank, media) = match essence.as_str() {
            "application/graphql-response+json" => (3, Media::GraphqlResponse),
            "application/json" => (2, Media::Json),
            "application/*" | "*/*" => (1, Media::Json),
            _ => continue,
        };
        if q == 0 {
            continue;
        }
        if best.is_none_or(|(bq, brank, _)| (q, rank) > (bq, brank)) {
            best = Some((q, rank, media));
        }
    }
    best.map(|(_, _, media)| media)
}

/// What a POST's body is, by its `Content-Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A GraphQL request in JSON (UTF-8).
    Json,
    /// The GraphQL multipart request spec (file uploads), with its boundary.
    Multipart(String),
}

/// What a POST's `Content-Type` allows: JSON in UTF-8 (charset absent or `utf-8`), or
/// `multipart/form-data` with a boundary (the GraphQL multipart request spec); else the
/// message of a 415.
pub fn check_content_type(req: &HttpRequest) -> Result<Body, String> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err("a POST needs `Content-Type: application/json`".into());
    };
    let value = value.to_str().map_err(|_| "the Content-Type header is not readable".to_string())?;
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "multipart/form-data" {
        return multer::parse_boundary(value)
            .map(Body::Multipart)
            .map_err(|_| "multipart/form-data needs a boundary".to_string());
    }
    if essence != "application/json" && essence != "application/graphql-response+json" {
        return Err(format!(
            "Content-Type {essence} is not accepted; send application/json (or multipart/form-data to upload files)"
        ));
    }
    for param in parts {
        if let Some((name, charset)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = charset.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
                return Err(format!("charset {charset} is not accepted; send UTF-8"));
            }
        }
    }
    Ok(Body::Json)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn accept(value: Option<&str>) -> Option<Media> {
        let req = match value {
            Some(v) => TestRequest::default().insert_header((header::ACCEPT, v)),
            None => TestRequest::default(),
        };
        negotiate(&req.to_http_request())
    }

    #[test]
    fn accept_picks_the_media_type() {
        assert_eq!(accept(None), Some(Media::Json));
        assert_eq!(accept(Some("*/*")), Some(Media::Json));
        assert_eq!(accept(Some("application/json")), Some(Media::Json));
        assert_eq!(accept(Some("application/graphql-response+json")), Some(Media::GraphqlResponse));
        assert_eq!(
            accept(Some("application/graphql-response+json, application/json;q=0.9")),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(accept(Some("application/json, application/graphql-response+json;q=0.5")), Some(Media::Json));
        assert_eq!(accept(Some("text/html,application/xhtml+xml,*/*;q=0.8")), Some(Media::Json));
        assert_eq!(accept(Some("text/html")), None);
        assert_eq!(accept(Some("application/json;q=0")), None);
    }

    #[test]
    fn content_type_must_be_json_in_utf8() {
        let check = |v: Option<&str>| {
            let req = match v {
                Some(v) => TestRequest::default().insert_header((header::CONTENT_TYPE, v)),
                None => TestRequest::default(),
            };
            check_content_type(&req.to_http_request()).is_ok()
        };
        assert!(check(Some("application/json")));
        assert!(check(Some("application/json; charset=UTF-8")));
        assert!(!check(Some("application/json; charset=latin1")));
        assert!(!check(Some("text/plain")));
        assert!(!check(None));
        assert!(!check(Some("multipart/form-data")), "a multipart body needs its boundary");
        let multipart = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, "multipart/form-data; boundary=xyz"))
            .to_http_request();
        assert_eq!(check_content_type(&multipart), Ok(Body::Multipart("xyz".into())));
    }

    #[test]
    fn same_host_origins() {
        let host = HeaderValue::from_static("127.0.0.1:8080");
        assert!(is_same_host("http://127.0.0.1:8080", Some(&host)));
        assert!(!is_same_host("http://evil.example", Some(&host)));
        assert!(!is_same_host("http://127.0.0.1:8080", None));
    }
}
