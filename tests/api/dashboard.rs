//! The `/dashboard` page in headless Chromium (Debian's `chromium`), driven over the Chrome
//! DevTools Protocol: it loads, signs in with the token of its URL fragment, shows the figures
//! `statistics` gives, and updates without a reload when a case is filed through the API. On
//! PostgreSQL, pages on two instances of one database both update when a case is filed on
//! either.
//!
//! Without Chromium these tests fail (CI installs it); `CASEBRIDGE_SKIP_BROWSER=1` skips them,
//! each saying `SKIPPED: …` on the test output. The two-instance test is PostgreSQL only
//! (`#[ignore]`d, run with `--include-ignored`).

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::Datelike;
use serde_json::{Value, json};

use crate::support::browser::{Browser, Page};
use crate::support::{self, TestApp, shanghai_today};

const STATISTICS: &str = r#"query($year: Int!, $departmentId: ID, $town: String) {
  statistics(year: $year, departmentId: $departmentId, town: $town) {
    cases { total simple general } finesTotal townCases { total simple general }
    implementationRate { numerator denominator } certificateRate { numerator denominator }
    rectificationNotices penaltyPublications legalReviews fileChecks
    transfersReceived { category count } transfersByStatus { status count }
    overdue { cases transfers rectificationNotices publicationWithdrawals } } }"#;

/// What the test reads of the page: the figures by `data-figure`, and the page's state.
const STATE: &str = r#"(() => {
  const board = document.getElementById('board');
  const error = document.getElementById('error');
  const figures = {};
  for (const el of document.querySelectorAll('[data-figure]')) figures[el.dataset.figure] = el.dataset.value ?? null;
  let stored = null;
  try { stored = sessionStorage.getItem('casebridge.dashboard.token'); } catch (e) { stored = null; }
  return {
    updates: Number(board?.dataset.updates ?? 0),
    receivedAt: Number(board?.dataset.receivedAt ?? 0),
    stale: board?.dataset.stale ?? null,
    boardShown: board ? !board.hidden : false,
    signInShown: !document.getElementById('signin')?.hidden,
    live: document.getElementById('live')?.dataset.state ?? null,
    who: document.getElementById('who')?.dataset.login ?? null,
    error: error && !error.hidden ? error.textContent : null,
    url: location.href,
    tokenStored: stored !== null && stored.length > 0,
    scope: {
      year: document.getElementById('year')?.value ?? null,
      department: document.getElementById('department')?.value ?? null,
      town: document.getElementById('town')?.value ?? null,
    },
    figures,
  };
})()"#;

fn figure<'a>(state: &'a Value, name: &str) -> Option<&'a str> {
    state["figures"][name].as_str()
}

/// Exact fen of a `Decimal` string ("3842500.00").
fn fen(decimal: &str) -> i64 {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, "0"));
    whole.parse::<i64>().expect("yuan") * 100 + format!("{frac:0<2}")[..2].parse::<i64>().expect("fen")
}

fn decimal(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn millis_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn count_of(list: &Value, key: &str, value: &str) -> i64 {
    list.as_array()
        .expect("list")
        .iter()
        .find(|x| x[key] == value)
        .map(|x| x["count"].as_i64().expect("count"))
        .unwrap_or(0)
}

/// What the page must show for statistics `s` (the bureau's scope, as the API gives it).
fn expected_figures(s: &Value) -> Vec<(&'static str, String)> {
    let ratio = |r: &Value| format!("{}/{}", r["numerator"], r["denominator"]);
    let o = &s["overdue"];
    vec![
        ("cases-total", s["cases"]["total"].to_string()),
        ("cases-simple", s["cases"]["simple"].to_string()),
        ("cases-general", s["cases"]["general"].to_string()),
        ("fines-total", s["finesTotal"].as_str().expect("finesTotal").to_string()),
        ("town-cases-total", s["townCases"]["total"].to_string()),
        ("implementation-count", ratio(&s["implementationRate"])),
        ("certificate-count", ratio(&s["certificateRate"])),
        ("rectification-notices", s["rectificationNotices"].to_string()),
        ("penalty-publications", s["penaltyPublications"].to_string()),
        ("legal-reviews", s["legalReviews"].to_string()),
        ("file-checks", s["fileChecks"].to_string()),
        ("transfers-forestry", count_of(&s["transfersReceived"], "category", "FORESTRY").to_string()),
        ("transfer-status-pending", count_of(&s["transfersByStatus"], "status", "PENDING").to_string()),
        ("overdue-cases", o["cases"].to_string()),
        ("overdue-transfers", o["transfers"].to_string()),
        ("overdue-rectification-notices", o["rectificationNotices"].to_string()),
        ("overdue-publication-withdrawals", o["publicationWithdrawals"].to_string()),
    ]
}

fn shows(state: &Value, expected: &[(&str, String)]) -> bool {
    expected.iter().all(|(name, value)| figure(state, name) == Some(value.as_str()))
}

async fn statistics(app: &TestApp, year: i32) -> Value {
    app.data("dashboard", STATISTICS, json!({ "year": year })).await["statistics"].clone()
}

/// A simple-procedure case (decided on the spot, so it counts at once) with a ¥200 fine.
async fn file_simple_case(app: &TestApp, title: &str) -> Value {
    let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
    let matter = app.data("bureau.officer", q, json!({ "f": { "domain": "市容" } })).await["matters"]["edges"][0]
        ["node"]["code"]
        .clone();
    let input = json!({
        "title": title, "procedure": "SIMPLE", "matterCode": matter, "fineAmount": "200",
        "party": { "kind": "PERSON", "name": "李四" },
        "occurredAt": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
        "facts": "李四在中心街占道经营,当场处罚。"
    });
    let q = "mutation($input: FileCaseInput!) { fileCase(input: $input) { caseNo status } }";
    let filed = app.data("bureau.officer", q, json!({ "input": input })).await["fileCase"].clone();
    assert_eq!(filed["status"], "DECIDED", "a simple case is decided on the spot: {filed}");
    filed
}

fn dashboard_url(app: &TestApp, year: i32) -> String {
    format!("{}/dashboard#token={}&year={year}", app.address, app.token("dashboard"))
}

/// Waits until `page` shows `expected`, live and signed in as the dashboard user.
async fn showing(browser: &mut Browser, page: &Page, expected: &[(&str, String)], what: &str) -> Value {
    browser
        .wait_for(page, STATE, what, |s| {
            s["who"] == "dashboard" && s["live"] == "live" && s["stale"] == "false" && shows(s, expected)
        })
        .await
}

/// The figures after one more ¥200 simple case of the bureau.
fn plus_one_simple_case(before: &Value) -> Vec<(&'static str, String)> {
    let fines = fen(before["finesTotal"].as_str().expect("finesTotal")) + 20_000;
    vec![
        ("cases-total", (before["cases"]["total"].as_i64().expect("total") + 1).to_string()),
        ("cases-simple", (before["cases"]["simple"].as_i64().expect("simple") + 1).to_string()),
        ("fines-total", decimal(fines)),
    ]
}

/// GET `path` with optional `If-None-Match`: status, the named headers, and the body.
async fn fetch(app: &TestApp, path: &str, if_none_match: Option<&str>) -> (u16, Vec<String>, String) {
    let mut req = awc::Client::new().get(format!("{}{path}", app.address));
    if let Some(tag) = if_none_match {
        req = req.insert_header(("If-None-Match", tag));
    }
    let mut resp = req.send().await.expect("send");
    let headers = ["content-type", "cache-control", "etag", "content-security-policy"]
        .iter()
        .map(|h| resp.headers().get(*h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string())
        .collect();
    let body = resp.body().await.expect("body");
    (resp.status().as_u16(), headers, String::from_utf8_lossy(&body).into_owned())
}

#[actix_rt::test]
async fn the_page_and_its_assets_come_from_the_binary_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let (status, headers, page) = fetch(&app, "/dashboard", None).await;
    assert_eq!(status, 200);
    assert_eq!(headers[0], "text/html; charset=utf-8");
    assert_eq!(headers[1], "no-cache", "the page is revalidated, so it always names the current assets");
    let csp = &headers[3];
    let host = app.address.trim_start_matches("http://");
    for part in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(csp.contains(&format!("connect-src 'self' ws://{host} wss://{host}")), "{csp}");
    assert!(page.contains("洞头区综合行政执法 · 实时看板"));
    let (status, _, _) = fetch(&app, "/dashboard", Some(&headers[2])).await;
    assert_eq!(status, 304, "an unchanged page is not sent again");

    for (file, content_type) in
        [("dashboard.js", "text/javascript; charset=utf-8"), ("dashboard.css", "text/css; charset=utf-8")]
    {
        let path = page
            .split('"')
            .find(|p| p.starts_with("/dashboard/assets/") && p.ends_with(file))
            .expect("the asset's URL in the page");
        let (status, headers, body) = fetch(&app, path, None).await;
        assert_eq!((status, headers[0].as_str()), (200, content_type), "{path}");
        assert_eq!(headers[1], "public, max-age=31536000, immutable", "a fingerprinted asset is kept for good");
        assert!(!body.is_empty());
        // Another build's fingerprint gets this build's asset, never cached under that name.
        let stale = format!("/dashboard/assets/0000000000000000/{file}");
        let (status, headers, _) = fetch(&app, &stale, None).await;
        assert_eq!((status, headers[1].as_str()), (200, "no-store"));
    }
    let (status, _, _) = fetch(&app, "/dashboard/assets/0000000000000000/secrets.txt", None).await;
    assert_eq!(status, 404);
}

#[actix_rt::test]
async fn the_dashboard_signs_in_shows_the_figures_and_updates_when_a_case_is_filed() {
    let test = "dashboard::the_dashboard_signs_in_shows_the_figures_and_updates_when_a_case_is_filed";
    let Some(mut browser) = Browser::launch(test).await else { return };
    let app = TestApp::spawn().await;
    let year = shanghai_today().year();
    let before = statistics(&app, year).await;

    // It loads, takes the token out of the address, and shows who is signed in and the figures.
    let page = browser.open("dashboard", &dashboard_url(&app, year)).await;
    let shown = showing(&mut browser, &page, &expected_figures(&before), "the figures of `statistics`").await;
    let url = shown["url"].as_str().expect("url");
    assert!(!url.contains("token="), "the token leaves the address bar: {url}");
    assert!(url.contains(&format!("year={year}")), "the scope stays in the fragment: {url}");
    assert_eq!(shown["tokenStored"], true, "the token is kept in sessionStorage");
    assert_eq!(shown["error"], Value::Null);
    let updates = shown["updates"].as_i64().expect("updates");

    // A case filed through the API shows up without a reload.
    let filed_at = millis_now();
    file_simple_case(&app, "看板实时更新").await;
    let after = plus_one_simple_case(&before);
    let updated = browser.wait_for(&page, STATE, "the new case on the page", |s| shows(s, &after)).await;
    assert!(updated["updates"].as_i64().expect("updates") > updates, "{updated}");
    let latency = updated["receivedAt"].as_i64().expect("receivedAt") - filed_at;
    eprintln!("dashboard: the page showed the new case {latency} ms after fileCase was sent");
    assert_eq!(statistics(&app, year).await["cases"]["total"].to_string(), after[0].1, "the page agrees with the API");

    // A town team's page opens on its own town; another town is refused, in Chinese.
    let beiao = app.token("town.beiao");
    let town = browser.open("town team", &format!("{}/dashboard#token={beiao}&year={year}", app.address)).await;
    let own = app.data("town.beiao", STATISTICS, json!({ "year": year, "town": "北岙街道" })).await;
    let own_cases = own["statistics"]["cases"]["total"].to_string();
    let state = browser
        .wait_for(&town, STATE, "the town team's own figures", |s| {
            s["who"] == "town.beiao" && s["stale"] == "false" && figure(s, "cases-total") == Some(own_cases.as_str())
        })
        .await;
    assert_eq!(state["scope"]["town"], "北岙街道", "{state}");
    let url = format!("{}/dashboard#token={beiao}&year={year}&town=东屏街道", app.address);
    let forbidden = browser.open("another town", &url).await;
    let state =
        browser.wait_for(&forbidden, STATE, "a refusal", |s| s["who"] == "town.beiao" && !s["error"].is_null()).await;
    assert_eq!(state["error"], "无权查看该范围统计。", "{state}");
    assert_eq!(state["stale"], "true", "no figures are shown for a scope the reader may not see");

    // A bad token is refused in Chinese and the sign-in form comes back.
    let refused = browser.open("bad token", &format!("{}/dashboard#token=nonsense", app.address)).await;
    let state = browser
        .wait_for(&refused, STATE, "the sign-in form with an error", |s| {
            s["signInShown"] == true && !s["error"].is_null()
        })
        .await;
    assert_eq!(state["error"], "令牌无效或已过期,请重新登录。", "{state}");
    assert_eq!(state["boardShown"], false);

    assert!(browser.faults().is_empty(), "the page broke: {:#?}", browser.faults());
}

/// PostgreSQL only: the issue's "done when": two instances on one database, a dashboard open
/// on each, a case filed on either, and both dashboards update. (One instance, on either
/// backend, is the test above.)
#[actix_rt::test]
#[ignore = "PostgreSQL only (two instances on one database): TEST_DATABASE_URL=postgres://… cargo test -- --include-ignored"]
async fn dashboards_on_two_instances_both_update_when_a_case_is_filed_on_either() {
    support::postgres_only();
    let test = "dashboard::dashboards_on_two_instances_both_update_when_a_case_is_filed_on_either";
    let Some(mut browser) = Browser::launch(test).await else { return };
    let app = TestApp::spawn().await;
    let other = TestApp::attach(&app.database_url).await;
    let year = shanghai_today().year();
    let before = statistics(&app, year).await;

    let first = browser.open("dashboard on instance 1", &dashboard_url(&app, year)).await;
    let second = browser.open("dashboard on instance 2", &dashboard_url(&other, year)).await;
    for page in [&first, &second] {
        showing(&mut browser, page, &expected_figures(&before), "the figures of `statistics`").await;
    }

    let mut current = before;
    for (filer, name) in [(&app, "instance 1"), (&other, "instance 2")] {
        let filed_at = millis_now();
        file_simple_case(filer, &format!("在{name}立案")).await;
        let after = plus_one_simple_case(&current);
        for page in [&first, &second] {
            let state = browser.wait_for(page, STATE, &format!("the case filed on {name}"), |s| shows(s, &after)).await;
            let latency = state["receivedAt"].as_i64().expect("receivedAt") - filed_at;
            eprintln!("dashboard: {} showed the case filed on {name} {latency} ms after fileCase", page.name);
        }
        current = statistics(&other, year).await;
        assert_eq!(current["cases"]["total"].to_string(), after[0].1, "both instances count the same");
    }
    assert!(browser.faults().is_empty(), "the pages broke: {:#?}", browser.faults());
}
