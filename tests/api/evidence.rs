//! The issue's story of evidence, end to end, on both storage backends: a town officer's phone
//! sends a photo with its record (GraphQL multipart, the SHA-256 the phone computed declared
//! beside the bytes and checked on arrival), the record's hash chain covers the file's hash,
//! and a bureau reviewer's browser (headless Chromium) downloads it from `/files/{sha256}` and
//! hashes what it received with the Web Crypto API: the same SHA-256 at every step. A photo
//! whose bytes do not have the phone's hash is refused. Without Chromium the browser step is
//! skipped like the dashboard's (`CASEBRIDGE_SKIP_BROWSER=1`); the rest still runs.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::files::{Fixture, with_directory, with_s3};
use crate::support::TestApp;
use crate::support::browser::Browser;
use crate::uploads::{a_case, upload};

const VERIFY: &str = r#"query($id: ID!) { verifyRecordChain(caseId: $id) { intact length firstBrokenRecordId } }"#;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A phone's JPEG: the format's magic number (what the server's sniffing reads), then bytes.
fn phone_photo(len: usize) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE1\x00\x18Exif\x00\x00".to_vec();
    bytes.extend((0..len - bytes.len()).map(|i| ((i * 7919) % 251) as u8));
    bytes
}

fn record_input(case_id: &str, key: &str, declared: &str, len: usize) -> Value {
    json!({
        "idempotencyKey": key, "caseId": case_id, "kind": "PHOTO", "content": "现场照片：占道经营摊位，已告知整改",
        "recordedAt": (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339(),
        "file": null,
        // What the phone computed before sending; the server checks the bytes against it.
        "attachment": { "sha256": declared, "mediaType": "image/jpeg", "sizeBytes": len, "uri": "phone://DCIM/IMG_0001.jpg" }
    })
}

/// What the reviewer's browser sees of a download, hashed in the page with the Web Crypto API.
fn fetch_and_hash(path: &str, token: &str, range: Option<&str>) -> String {
    let range = range.map(|r| format!(", 'Range': '{r}'")).unwrap_or_default();
    format!(
        r#"(async () => {{
  const r = await fetch('{path}', {{ headers: {{ 'Authorization': 'Bearer {token}'{range} }} }});
  const body = await r.arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', body);
  return {{ status: r.status, type: r.headers.get('content-type'), etag: r.headers.get('etag'),
           disposition: r.headers.get('content-disposition'), size: body.byteLength,
           sha256: [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('') }};
}})()"#
    )
}

async fn story(fx: Fixture, backend: &str) {
    let app: &TestApp = &fx.app;
    let case_id = a_case(app, "town.beiao").await;
    let bytes = phone_photo(180_000);
    let sha256 = sha(&bytes);

    // 1. The phone: one multipart request, the hash it computed declared beside the bytes.
    let (status, answer) =
        upload(app, "town.beiao", record_input(&case_id, &format!("{backend}-photo"), &sha256, bytes.len()), &bytes)
            .await;
    assert_eq!(status, 200, "{answer}");
    let attachment = &answer["data"]["submitRecord"]["attachment"];
    assert_eq!(attachment["sha256"], json!(sha256), "{answer}");
    assert_eq!(attachment["mediaType"], json!("image/jpeg"));
    assert_eq!(attachment["byteSize"], json!(bytes.len()));
    assert_eq!(attachment["downloadUrl"], json!(format!("/files/{sha256}")));

    // A photo whose bytes are not what the phone hashed (damaged on the way) is refused.
    let mut damaged = bytes.clone();
    damaged[90_000] ^= 0xFF;
    let (_, refused) = upload(
        app,
        "town.beiao",
        record_input(&case_id, &format!("{backend}-damaged"), &sha256, damaged.len()),
        &damaged,
    )
    .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], json!("BAD_USER_INPUT"), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], json!("attachment.sha256"), "{refused}");

    // 2. The record: its hash chain covers the file's hash, and verifies.
    let chain = app.data("bureau.reviewer", VERIFY, json!({ "id": case_id })).await;
    assert_eq!(chain["verifyRecordChain"]["intact"], json!(true), "{chain}");
    let records = app
        .data(
            "bureau.reviewer",
            r#"query($id: ID!) { case(id: $id) { records(first: 50) { edges { node { attachment { sha256 downloadUrl } } } } } }"#,
            json!({ "id": case_id }),
        )
        .await;
    let held = records["case"]["records"]["edges"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|e| e["node"]["attachment"]["sha256"] == json!(sha256))
        .count();
    assert_eq!(held, 1, "the reviewer reads exactly one record holding the photo: {records}");

    // 3. The bureau reviewer's browser downloads it and hashes what arrived.
    let Some(mut browser) = Browser::launch(&format!("evidence_{backend}")).await else { return };
    let page = browser.open("reviewer", &format!("{}/dashboard", app.address)).await;
    let token = app.token("bureau.reviewer");
    let path = format!("/files/{sha256}");
    let seen = browser
        .wait_for(&page, &fetch_and_hash(&path, &token, None), "the download", |v| v["status"].is_number())
        .await;
    assert_eq!(seen["status"], json!(200), "{seen}");
    assert_eq!(seen["sha256"], json!(sha256), "{seen}");
    assert_eq!(seen["size"], json!(bytes.len()));
    assert_eq!(seen["type"], json!("image/jpeg"));
    assert!(seen["disposition"].as_str().is_some_and(|d| d.starts_with("attachment")), "{seen}");
    assert!(seen["etag"].as_str().is_some_and(|e| e.contains(&sha256)), "{seen}");
    // A range, as a video player asks for one.
    let part = browser
        .wait_for(&page, &fetch_and_hash(&path, &token, Some("bytes=1000-1999")), "a range", |v| {
            v["status"].is_number()
        })
        .await;
    assert_eq!(part["status"], json!(206), "{part}");
    assert_eq!(part["sha256"], json!(sha(&bytes[1000..2000])), "{part}");
    // Another town's officer may not read the record: the file does not exist for it.
    let other = browser
        .wait_for(&page, &fetch_and_hash(&path, &app.token("town.dongping"), None), "another town's download", |v| {
            v["status"].is_number()
        })
        .await;
    assert_eq!(other["status"], json!(404), "{other}");
}

#[actix_rt::test]
async fn a_town_officers_photo_reaches_a_reviewers_browser_with_its_hash_checked_in_a_directory() {
    story(with_directory().await, "directory").await;
}

#[actix_rt::test]
async fn a_town_officers_photo_reaches_a_reviewers_browser_with_its_hash_checked_in_s3() {
    story(with_s3().await, "s3").await;
}
