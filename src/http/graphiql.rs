//! GraphiQL at `/`, offline: React, GraphiQL and its explorer plugin (pinned production
//! builds, see `graphiql/VERSIONS`) are compiled into the binary like the dashboard, so the
//! page works without internet and under a strict Content-Security-Policy (no inline script:
//! the page's own code is `graphiql/page.js`). Headers typed into GraphiQL are kept in the
//! browser's localStorage (`shouldPersistHeaders`).
//!
//! Asset URLs carry a fingerprint of their content (`/graphiql/<tag>/<file>`), so browsers keep
//! them for a year and a new build is fetched at once; the page is revalidated by ETag.
//! Like introspection, the whole of it is off unless `settings.introspection`.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, guard, web};
use sha2::{Digest, Sha256};

use crate::graphql::context::AppState;
use crate::http::embedded::respond;

const PAGE: &str = include_str!("graphiql/index.html");

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The files the page names: name, content type, content.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("react.production.min.js", JAVASCRIPT, include_bytes!("graphiql/react.production.min.js")),
    ("react-dom.production.min.js", JAVASCRIPT, include_bytes!("graphiql/react-dom.production.min.js")),
    ("graphiql.min.js", JAVASCRIPT, include_bytes!("graphiql/graphiql.min.js")),
    ("graphiql.min.css", CSS, include_bytes!("graphiql/graphiql.min.css")),
    ("plugin-explorer.umd.js", JAVASCRIPT, include_bytes!("graphiql/plugin-explorer.umd.js")),
    ("plugin-explorer.css", CSS, include_bytes!("graphiql/plugin-explorer.css")),
    ("page.js", JAVASCRIPT, include_bytes!("graphiql/page.js")),
    ("page.css", CSS, include_bytes!("graphiql/page.css")),
];

/// An asset whose URL names its content never changes: a year, and no revalidation.
const FOREVER: &str = "public, max-age=31536000, immutable";

/// Each asset's fingerprint (the first 16 hex digits of its SHA-256), computed once.
static TAGS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|(_, _, body)| hex::encode(&Sha256::digest(body)[..8])).collect());

/// The page with its assets' URLs filled in, and its ETag (which covers the assets).
static RENDERED: LazyLock<(String, String)> = LazyLock::new(|| {
    let mut html = PAGE.to_string();
    let mut version = Sha256::new();
    version.update(PAGE.as_bytes());
    for ((name, _, _), tag) in ASSETS.iter().zip(TAGS.iter()) {
        html = html.replace(&format!("{{{{{name}}}}}"), &format!("/graphiql/{tag}/{name}"));
        version.update(tag.as_bytes());
    }
    (html, format!("\"{}\"", hex::encode(&version.finalize()[..8])))
});

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", read().to(page)).route("/graphiql/{tag}/{file}", read().to(asset));
}

/// GET, and HEAD for monitors and caches.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Only this server's own scripts and styles (GraphiQL sets inline styles, hence
/// `'unsafe-inline'` for style alone), its fonts and icons as `data:` URLs, and network
/// access to this host alone (`/graphql`, and `/graphql/ws` for subscriptions).
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'; object-src 'none'";

fn off() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain")
        .body("GraphiQL is off on this server (CASEBRIDGE_INTROSPECTION=true turns it on)\n")
}

async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !state.settings.introspection {
        return off();
    }
    let (html, etag) = &*RENDERED;
    let mut response = respond(&req, "text/html; charset=utf-8", "no-cache", etag, html.as_bytes());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn asset(state: web::Data<AppState>, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    if !state.settings.introspection {
        return off();
    }
    let (requested, file) = path.into_inner();
    let Some(i) = ASSETS.iter().position(|(name, _, _)| *name == file) else {
        return HttpResponse::NotFound().content_type("text/plain").body("not found\n");
    };
    let (_, content_type, body) = ASSETS[i];
    let current = &TAGS[i];
    // A page of another build (two versions behind one balancer during a deploy) asks for a
    // fingerprint this build does not have: it gets this build's file, never cached.
    let cache = if &requested == current { FOREVER } else { "no-store" };
    respond(&req, content_type, cache, &format!("\"{current}\""), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_fingerprint_and_has_no_inline_script() {
        let (html, _) = &*RENDERED;
        assert!(!html.contains("{{"), "every placeholder filled: {html}");
        for ((name, _, _), tag) in ASSETS.iter().zip(TAGS.iter()) {
            assert!(html.contains(&format!("/graphiql/{tag}/{name}")), "{name} named");
        }
        assert_eq!(html.matches("<script").count(), html.matches("<script src=").count());
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
