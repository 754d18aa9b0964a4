//! `exportCases`, `exportTransfers`, `exportStatistics` and `GET /exports/{id}`: the files are
//! opened with real readers (calamine for XLSX, `csv` for CSV) and their cells compared with
//! what the API answers the same caller; the link opens with its key or the exporter's token
//! only, never after expiry; every export and download is audited; dashboards export
//! statistics only.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field};

const EXPORT_CASES: &str = r#"query($f: CaseFilter, $format: ExportFormat!) {
  exportCases(filter: $f, format: $format) { url expiresAt rows } }"#;
const EXPORT_TRANSFERS: &str = r#"query($f: TransferFilter, $format: ExportFormat!) {
  exportTransfers(filter: $f, format: $format) { url expiresAt rows } }"#;
const EXPORT_STATISTICS: &str = r#"query($y: Int!, $format: ExportFormat!) {
  exportStatistics(year: $y, format: $format) { url expiresAt rows } }"#;
const CASES: &str = r#"query($first: Int, $after: String) { cases(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { caseNo title procedure fineAmount paidAmount filedAt town party { name idNumber creditCode } } } } }"#;

struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    cache_control: String,
    body: Vec<u8>,
}

/// GETs an export's `url` (or any path), with a bearer token when given.
async fn download(app: &TestApp, url: &str, login: Option<&str>) -> Download {
    let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
    let mut req = client.get(format!("{}{}", app.address, url));
    if let Some(login) = login {
        req = req.insert_header(("Authorization", format!("Bearer {}", app.token(login))));
    }
    let mut resp = req.send().await.expect("send");
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (content_type, disposition, cache_control) =
        (header("content-type"), header("content-disposition"), header("cache-control"));
    let body = resp.body().limit(256 << 20).await.expect("body").to_vec();
    Download { status: resp.status().as_u16(), content_type, disposition, cache_control, body }
}

/// The url without its `?key=…`.
fn without_key(url: &str) -> &str {
    url.split('?').next().expect("path")
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// Every row of the XLSX's sheet `sheet`, as text (numbers with two decimals).
fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = book.worksheet_range(sheet).expect("the sheet");
    range.rows().map(|r| r.iter().map(cell).collect()).collect()
}

/// Every record of a CSV export, after checking its UTF-8 byte order mark and CRLF line ends.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a CSV export starts with the UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF line ends");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

fn local_minute(at: &Value) -> String {
    let at: DateTime<Utc> = at.as_str().expect("a time").parse().expect("RFC 3339");
    at.with_timezone(&casebridge::calendar::shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// Every case `login` lists, in the list's order.
async fn listed_cases(app: &TestApp, login: &str) -> Vec<Value> {
    app.all_nodes(login, CASES, "cases", json!({}), 100).await
}

/// Checks the case rows of a file (after the header) against the list, cell by cell.
fn assert_case_rows(rows: &[Vec<String>], cases: &[Value]) {
    let header: Vec<&str> = rows[0].iter().map(String::as_str).collect();
    assert_eq!(header, casebridge::exports::service::CASE_COLUMNS);
    assert_eq!(rows.len() - 1, cases.len(), "one row per listed case");
    for (row, case) in rows[1..].iter().zip(cases) {
        assert_eq!(row[0], case["caseNo"].as_str().expect("caseNo"));
        assert_eq!(row[1], case["title"].as_str().expect("title"), "{}", row[0]);
        let procedure = if case["procedure"] == "SIMPLE" { "简易程序" } else { "一般程序" };
        assert_eq!(row[2], procedure);
        assert_eq!(row[4], case["party"]["name"].as_str().expect("party"), "{}", row[0]);
        let identifier = case["party"]["idNumber"].as_str().or(case["party"]["creditCode"].as_str()).unwrap_or("");
        assert_eq!(row[6], identifier, "{}", row[0]);
        assert_eq!(row[8], case["town"].as_str().unwrap_or(""), "{}", row[0]);
        assert_eq!(row[12], case["fineAmount"].as_str().unwrap_or(""), "{}", row[0]);
        assert_eq!(row[14], case["paidAmount"].as_str().expect("paidAmount"), "{}", row[0]);
    }
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    let q = r#"query($f: AuditFilter) { auditLog(filter: $f, first: 1) { totalCount } }"#;
    app.data("admin", q, json!({"f": {"action": action}})).await["auditLog"]["totalCount"].as_i64().expect("count")
}

#[actix_rt::test]
async fn a_case_export_holds_every_page_of_the_list_in_both_formats() {
    let app = TestApp::spawn().await;
    let cases = listed_cases(&app, "admin").await;
    assert!(cases.len() > 100, "more cases than one page: {} (keyset paging across pages)", cases.len());

    let xlsx = app.data("admin", EXPORT_CASES, json!({"format": "XLSX"})).await["exportCases"].clone();
    assert_eq!(xlsx["rows"], json!(cases.len()));
    let url = xlsx["url"].as_str().expect("url");
    assert!(url.starts_with("/exports/") && url.contains("?key="), "{url}");
    let expires: DateTime<Utc> = xlsx["expiresAt"].as_str().expect("expiresAt").parse().expect("time");
    assert!(expires > Utc::now() + chrono::Duration::minutes(5), "ten minutes by default");
    let got = download(&app, url, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(got.disposition.starts_with("attachment; filename=\"cases-") && got.disposition.ends_with(".xlsx\""));
    assert_eq!(got.cache_control, "no-store");
    let rows = xlsx_rows(&got.body, "案件");
    assert_case_rows(&rows, &cases);

    let csv = app.data("admin", EXPORT_CASES, json!({"format": "CSV"})).await["exportCases"].clone();
    assert_eq!(csv["rows"], json!(cases.len()));
    let got = download(&app, csv["url"].as_str().expect("url"), None).await;
    assert_eq!((got.status, got.content_type.as_str()), (200, "text/csv; charset=utf-8"));
    let rows = csv_rows(&got.body);
    assert_case_rows(&rows, &cases);
    // Times are Shanghai's, to the minute, as a clerk reads them.
    for (row, case) in rows[1..].iter().zip(&cases) {
        assert_eq!(row[10], local_minute(&case["filedAt"]));
    }

    // A filter narrows the file as it narrows the list.
    let filter = json!({"procedure": "GENERAL"});
    let general = cases.iter().filter(|c| c["procedure"] == "GENERAL").count();
    let narrowed = app.data("admin", EXPORT_CASES, json!({"f": filter, "format": "CSV"})).await["exportCases"].clone();
    assert_eq!(narrowed["rows"], json!(general));

    assert_eq!(audit_count(&app, "export:cases").await, 3, "every export is audited");
    assert_eq!(audit_count(&app, "export:download").await, 2, "every download is audited");
}

#[actix_rt::test]
async fn a_court_trainee_exports_its_enrolled_cases_masked_as_it_reads_them() {
    let app = TestApp::spawn().await;
    let cases = listed_cases(&app, "court.trainee").await;
    assert!(!cases.is_empty(), "the demo enrols court.trainee");
    let before = audit_count(&app, "read:case").await;
    let export = app.data("court.trainee", EXPORT_CASES, json!({"format": "XLSX"})).await["exportCases"].clone();
    assert_eq!(export["rows"], json!(cases.len()));
    let got = download(&app, export["url"].as_str().expect("url"), None).await;
    let rows = xlsx_rows(&got.body, "案件");
    assert_case_rows(&rows, &cases);
    for row in &rows[1..] {
        assert!(row[4].contains('某'), "a masked party name: {}", row[4]);
        assert_eq!(row[6], "", "no identifier for a trainee");
    }
    assert!(audit_count(&app, "read:case").await >= before + cases.len() as i64, "each case read is audited");
    assert_eq!(audit_count(&app, "export:cases").await, 1);
}

#[actix_rt::test]
async fn a_transfer_export_opens_with_its_key_or_the_exporters_token_only() {
    let app = TestApp::spawn().await;
    let q = r#"{ transfers(first: 100) { totalCount edges { node { subject status } } } }"#;
    let listed = app.data("bureau.officer", q, json!({})).await["transfers"].clone();
    let export =
        app.data("bureau.officer", EXPORT_TRANSFERS, json!({"format": "XLSX"})).await["exportTransfers"].clone();
    assert_eq!(export["rows"], listed["totalCount"]);
    let url = export["url"].as_str().expect("url");

    let rows = xlsx_rows(&download(&app, url, None).await.body, "移交");
    let header: Vec<&str> = rows[0].iter().map(String::as_str).collect();
    assert_eq!(header, casebridge::exports::service::TRANSFER_COLUMNS);
    let subjects: Vec<&str> = rows[1..].iter().map(|r| r[5].as_str()).collect();
    let listed_subjects: Vec<&str> = listed["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(subjects, listed_subjects);

    let path = without_key(url);
    assert_eq!(download(&app, path, Some("bureau.officer")).await.status, 200, "the exporter's token");
    assert_eq!(download(&app, path, None).await.status, 404, "no key, no token");
    assert_eq!(download(&app, path, Some("admin")).await.status, 404, "another user's token");
    assert_eq!(download(&app, &format!("{path}?key=AAAA"), None).await.status, 404, "a wrong key");
    assert_eq!(download(&app, "/exports/0190a0a0a0a0a0a0a0a0a0a0a0a0a0a0?key=x", None).await.status, 404);
    assert_eq!(download(&app, "/exports/not-an-id", None).await.status, 404);
    assert_eq!(audit_count(&app, "export:transfers").await, 1);
    assert_eq!(audit_count(&app, "export:download").await, 2);
}

#[actix_rt::test]
async fn an_expired_link_is_404_and_an_export_past_the_cap_is_refused() {
    let app = TestApp::spawn_with(|s| {
        s.exports.ttl = Duration::ZERO;
        s.exports.max_rows = 150;
    })
    .await;
    let export =
        app.data("bureau.officer", EXPORT_TRANSFERS, json!({"format": "CSV"})).await["exportTransfers"].clone();
    let url = export["url"].as_str().expect("url");
    assert_eq!(download(&app, url, None).await.status, 404, "expired at once");
    assert_eq!(download(&app, without_key(url), Some("bureau.officer")).await.status, 404);

    let body = app.gql(Some("admin"), EXPORT_CASES, json!({"format": "XLSX"})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "filter");
}

/// An export runs under the export timeout, not the request timeout: with a request timeout
/// of one nanosecond, which no export can meet (it writes a file and keeps it in the store),
/// an export still answers. (Whether a query is cut by such a timeout depends on the timer's
/// resolution, so that side is left to `rate_limit`'s unit tests of `writes_export`.)
#[actix_rt::test]
async fn an_export_runs_under_its_own_timeout() {
    let app = TestApp::spawn_with(|s| s.limits.request_timeout = Duration::from_nanos(1)).await;
    let export = app.gql(Some("admin"), EXPORT_CASES, json!({"format": "CSV"})).await;
    assert!(export["errors"].is_null(), "{export}");
    assert!(export["data"]["exportCases"]["rows"].as_i64().is_some_and(|rows| rows > 0), "{export}");
}

#[actix_rt::test]
async fn the_statistics_workbook_shows_the_figures_of_the_api_and_dashboards_export_nothing_else() {
    let app = TestApp::spawn().await;
    let q = r#"query($y: Int!) { statistics(year: $y) { cases { total simple general } finesTotal
      implementationRate { numerator denominator percent } certificateRate { percent } legalReviews
      transfersReceived { count } byMonth { month simple general total fines } } }"#;
    let s = app.data("dashboard", q, json!({"y": 2023})).await["statistics"].clone();
    assert!(s["cases"]["total"].as_i64().expect("total") > 0, "the demo year has cases");

    for format in ["XLSX", "CSV"] {
        let export =
            app.data("dashboard", EXPORT_STATISTICS, json!({"y": 2023, "format": format})).await["exportStatistics"]
                .clone();
        let got = download(&app, export["url"].as_str().expect("url"), None).await;
        assert_eq!(got.status, 200);
        let rows = if format == "XLSX" { xlsx_rows(&got.body, "统计") } else { csv_rows(&got.body) };
        let data_rows = rows.iter().filter(|r| r.len() > 1 && !r[0].is_empty() && r[0] != "指标").count();
        assert!(export["rows"].as_i64().expect("rows") > 30 && data_rows > 30, "{format}");
        let value = |label: &str| -> String {
            rows.iter().find(|r| r[0] == label).unwrap_or_else(|| panic!("no row {label} in {format}"))[1].clone()
        };
        let int = |v: &Value| v.as_i64().expect("int").to_string();
        let int_cell = |label: &str| value(label).trim_end_matches(".00").to_string();
        assert_eq!(int_cell("行政处罚案件"), int(&s["cases"]["total"]), "{format}");
        assert_eq!(int_cell("其中简易程序"), int(&s["cases"]["simple"]));
        assert_eq!(int_cell("其中一般程序"), int(&s["cases"]["general"]));
        assert_eq!(value("罚没总金额"), s["finesTotal"].as_str().expect("fines"));
        assert_eq!(value("赋权事项实施率"), s["implementationRate"]["percent"].as_str().expect("percent"));
        assert_eq!(value("执法证持证率"), s["certificateRate"]["percent"].as_str().expect("percent"));
        assert_eq!(int_cell("重大案件法制审核"), int(&s["legalReviews"]));
        for m in s["byMonth"].as_array().expect("months") {
            let label = format!("{}月", m["month"]);
            let row = rows.iter().find(|r| r[0] == label).expect("a month row");
            assert_eq!(row[3].trim_end_matches(".00"), int(&m["total"]), "{label}");
            assert_eq!(row[4], m["fines"].as_str().expect("fines"), "{label}");
        }
    }
    assert_eq!(audit_count(&app, "export:statistics").await, 2);

    for export in [EXPORT_CASES, EXPORT_TRANSFERS] {
        let body = app.gql(Some("dashboard"), export, json!({"format": "CSV"})).await;
        assert_eq!(code(&body), "FORBIDDEN", "dashboards see statistics only: {body}");
    }
    let body = app.gql(Some("court.trainee"), EXPORT_STATISTICS, json!({"y": 2023, "format": "CSV"})).await;
    assert_eq!(code(&body), "FORBIDDEN", "the statistics' own roles");
}
