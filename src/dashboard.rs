//! `/dashboard`: the live statistics page (实时看板) for dashboards and supervisors.
//!
//! The page, its script and its style are compiled into the binary: nothing is fetched from
//! anywhere but this server, and nothing is built at run time. The script signs in with a
//! token, reads `statistics` through the `statisticsUpdated` subscription on `/graphql/ws`,
//! and redraws its figures and SVG charts on every update.
//!
//! `/dashboard?mode=screen` is the cockpit (数据驾驶舱) for a 1920×1080 wall screen: dark, no
//! scrolling, the headline figures, the six towns ranked, this year against last by month, a
//! schematic map of Dongtou's towns (an SVG drawn for it, inlined into the page), the live feed
//! (`cockpitFeed`) and the overdue timers. It renews its token (`POST /auth/renew`) before
//! expiry and keeps the last figures (in `localStorage` too) through outages.
//!
//! Asset URLs carry a fingerprint of their content (computed at compile time), so browsers
//! keep them for good and a new build is fetched at once; the page itself is revalidated on
//! every load.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Route, guard, web};

use crate::http::embedded::respond;

const PAGE: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/dashboard.js");
const STYLE: &str = include_str!("dashboard/dashboard.css");
const ICON: &str = include_str!("dashboard/favicon.svg");
const SCREEN_PAGE: &str = include_str!("dashboard/screen.html");
const SCREEN_SCRIPT: &str = include_str!("dashboard/screen.js");
const SCREEN_STYLE: &str = include_str!("dashboard/screen.css");
/// The schematic map of Dongtou's six towns, one `<path>`/`<g>` per town with `data-town`.
const MAP: &str = include_str!("dashboard/dongtou.svg");

const PAGE_TAG: u64 = fingerprint(PAGE.as_bytes());
const SCRIPT_TAG: u64 = fingerprint(SCRIPT.as_bytes());
const STYLE_TAG: u64 = fingerprint(STYLE.as_bytes());
const ICON_TAG: u64 = fingerprint(ICON.as_bytes());
const SCREEN_PAGE_TAG: u64 = fingerprint(SCREEN_PAGE.as_bytes());
const SCREEN_SCRIPT_TAG: u64 = fingerprint(SCREEN_SCRIPT.as_bytes());
const SCREEN_STYLE_TAG: u64 = fingerprint(SCREEN_STYLE.as_bytes());
const MAP_TAG: u64 = fingerprint(MAP.as_bytes());

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// An asset whose URL names its content never changes: a year, and no revalidation.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// The page names the current assets, so it is revalidated (cheaply, by ETag) on every load.
const REVALIDATE: &str = "no-cache";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", read().to(page))
        .route("/dashboard/", read().to(page))
        .route("/dashboard/assets/{tag}/{file}", read().to(asset));
}

/// GET, and HEAD for monitors and caches (actix sends the headers without the body).
fn read() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// FNV-1a, 64 bits: enough to tell one build's asset from another's, and usable in a const.
const fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

fn tag(value: u64) -> String {
    format!("{value:016x}")
}

fn asset_path(value: u64, file: &str) -> String {
    format!("/dashboard/assets/{}/{file}", tag(value))
}

/// The page's policy: its own script and style only, no inline code, no frames, no form
/// submissions (a token must never end up in a query string), and network access to this host
/// alone (`/graphql` over HTTP, `/graphql/ws` over `ws:`/`wss:`).
fn content_security_policy(req: &HttpRequest) -> String {
    // `'self'` covers ws:/wss: to the same host in CSP 3; older browsers need the host spelt out.
    let info = req.connection_info();
    let host = info.host();
    let sockets = if is_plain_host(host) { format!(" ws://{host} wss://{host}") } else { String::new() };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// A Host header fit to be written into a policy: a name or address and a port, nothing else.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

fn etag(value: u64) -> String {
    format!("\"{}\"", tag(value))
}

/// `?mode=screen`: the cockpit; anything else: the dashboard.
#[derive(serde::Deserialize)]
struct Mode {
    mode: Option<String>,
}

async fn page(req: HttpRequest) -> HttpResponse {
    let screen = web::Query::<Mode>::from_query(req.query_string()).is_ok_and(|q| q.mode.as_deref() == Some("screen"));
    let (html, version) = if screen { screen_page() } else { dashboard_page() };
    let mut response = respond(&req, HTML, REVALIDATE, &etag(version), html);
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&req)) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn screen_page() -> (String, u64) {
    let html = SCREEN_PAGE
        .replace("{{script}}", &asset_path(SCREEN_SCRIPT_TAG, "screen.js"))
        .replace("{{style}}", &asset_path(SCREEN_STYLE_TAG, "screen.css"))
        .replace("{{icon}}", &asset_path(ICON_TAG, "favicon.svg"))
        .replace("{{map}}", MAP);
    let version = SCREEN_PAGE_TAG
        ^ SCREEN_SCRIPT_TAG.rotate_left(13)
        ^ SCREEN_STYLE_TAG.rotate_left(29)
        ^ ICON_TAG.rotate_left(41)
        ^ MAP_TAG.rotate_left(53);
    (html, version)
}

fn dashboard_page() -> (String, u64) {
    let html = PAGE
        .replace("{{script}}", &asset_path(SCRIPT_TAG, "dashboard.js"))
        .replace("{{style}}", &asset_path(STYLE_TAG, "dashboard.css"))
        .replace("{{icon}}", &asset_path(ICON_TAG, "favicon.svg"));
    // The page's ETag covers the assets it names, since it changes when they do.
    let version = PAGE_TAG ^ SCRIPT_TAG.rotate_left(16) ^ STYLE_TAG.rotate_left(32) ^ ICON_TAG.rotate_left(48);
    (html, version)
}

async fn asset(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (requested, file) = path.into_inner();
    let (body, content_type, current) = match file.as_str() {
        "dashboard.js" => (SCRIPT, JAVASCRIPT, SCRIPT_TAG),
        "dashboard.css" => (STYLE, CSS, STYLE_TAG),
        "favicon.svg" => (ICON, SVG, ICON_TAG),
        "screen.js" => (SCREEN_SCRIPT, JAVASCRIPT, SCREEN_SCRIPT_TAG),
        "screen.css" => (SCREEN_STYLE, CSS, SCREEN_STYLE_TAG),
        _ => return HttpResponse::NotFound().content_type("text/plain").body("not found\n"),
    };
    // A page from another build (two versions behind one balancer during a deploy) asks for a
    // fingerprint this build does not have: it gets this build's asset, never cached.
    let cache = if requested == tag(current) { FOREVER } else { "no-store" };
    let mut response = respond(&req, content_type, cache, &etag(current), body.to_string());
    // Opened on its own (the icon is SVG), an asset may do nothing at all.
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_assets_by_fingerprint_and_loads_nothing_from_elsewhere() {
        assert!(PAGE.contains("{{script}}") && PAGE.contains("{{style}}") && PAGE.contains("{{icon}}"));
        assert!(
            SCREEN_PAGE.contains("{{script}}") && SCREEN_PAGE.contains("{{style}}") && SCREEN_PAGE.contains("{{map}}")
        );
        for text in [PAGE, SCRIPT, STYLE, ICON, SCREEN_PAGE, SCREEN_SCRIPT, SCREEN_STYLE, MAP] {
            // The SVG namespace is a name, not a fetch.
            let text = text.replace("'http://www.w3.org/2000/svg'", "").replace("\"http://www.w3.org/2000/svg\"", "");
            assert!(!text.contains("http://") && !text.contains("https://"), "no external URL in an asset");
        }
        assert_ne!(SCRIPT_TAG, STYLE_TAG);
        assert_eq!(tag(SCRIPT_TAG).len(), 16);
    }

    #[test]
    fn the_cockpit_map_has_one_area_per_town_and_nothing_inline_the_policy_refuses() {
        for town in ["北岙街道", "东屏街道", "元觉街道", "霓屿街道", "大门镇", "鹿西乡"] {
            assert!(MAP.contains(&format!("data-town=\"{town}\"")), "{town} on the map");
        }
        for text in [SCREEN_PAGE, MAP] {
            assert!(!text.contains("style=") && !text.contains("<style") && !text.contains("<script>"));
            assert!(!text.contains(" onload=") && !text.contains(" onclick="), "no inline handlers");
        }
    }

    #[test]
    fn only_a_plain_host_is_written_into_the_policy() {
        assert!(is_plain_host("127.0.0.1:8080"));
        assert!(is_plain_host("[::1]:8080"));
        assert!(is_plain_host("casebridge.dongtou.gov.cn"));
        assert!(!is_plain_host("evil; script-src *"));
        assert!(!is_plain_host(""));
    }
}
