//! Evidence files sent with their record: the GraphQL multipart request spec on
//! `POST /graphql` (bodies built by hand here, as the spec lays them out) and
//! `SubmitRecordInput.file`. The bytes decide the attachment (their SHA-256, the type they
//! show, their size); a declared hash they do not match writes nothing; the same bytes are
//! kept once; each kind has its limit; an upload needs a token; the request body limit still
//! guards `operations` but not the files; sizes past 32 bits travel as `byteSize`.

use std::time::Duration;

use casebridge::files::store::Backend;
use entity::{blob, record};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{TestApp, code, field};

/// A real 1×1 PNG.
const PNG: &str = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154\
                   78da63f8ffff3f0005fe02fea7d6a4a40000000049454e44ae426082";
const BOUNDARY: &str = "casebridge-test-boundary-7MA4YWxkTrZu0gW";
const SUBMIT: &str = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) {
    id hash attachment { sha256 mediaType sizeBytes byteSize uri downloadUrl personal } } }"#;
const VERIFY: &str = r#"query($id: ID!) { verifyRecordChain(caseId: $id) { intact firstBrokenRecordId } }"#;

fn png() -> Vec<u8> {
    hex::decode(PNG).expect("png")
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn an_hour_ago() -> String {
    (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A record input with its file to come (`file: null`, the spec's placeholder).
fn photo(case_id: &str, key: &str) -> Value {
    json!({ "idempotencyKey": key, "caseId": case_id, "kind": "PHOTO", "content": "现场照片：占道经营摊位",
            "recordedAt": an_hour_ago(), "file": null })
}

/// A multipart body: `operations`, `map` sending part `0` to `variables.input.file`, and
/// the file as part `0`.
fn body(operations: &Value, file: &[u8]) -> Vec<u8> {
    body_mapped(operations, &json!({ "0": ["variables.input.file"] }), file)
}

/// A multipart body with its own `map` of part `0`.
fn body_mapped(operations: &Value, map: &Value, file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut text = |s: String| out.extend_from_slice(s.as_bytes());
    text(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n"));
    text(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n"));
    text(format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"photo.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    ));
    out.extend_from_slice(file);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// POSTs a multipart body as `login` (None: no token): the status and the JSON answer.
async fn post(app: &TestApp, login: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
    let mut req = client
        .post(format!("{}/graphql", app.address))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")));
    if let Some(login) = login {
        req = req.insert_header(("authorization", format!("Bearer {}", app.token(login))));
    }
    let mut resp = req.send_body(body).await.expect("send");
    let bytes = resp.body().limit(16 << 20).await.expect("body");
    (resp.status().as_u16(), serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Uploads `file` with `input` (whose `file` is null) through `submitRecord`.
pub(crate) async fn upload(app: &TestApp, login: &str, input: Value, file: &[u8]) -> (u16, Value) {
    post(app, Some(login), body(&json!({ "query": SUBMIT, "variables": { "input": input } }), file)).await
}

pub(crate) async fn a_case(app: &TestApp, login: &str) -> String {
    let data = app.data(login, "{ cases(first: 1) { edges { node { id } } } }", json!({})).await;
    data["cases"]["edges"][0]["node"]["id"].as_str().expect("a case").to_string()
}

async fn blobs(app: &TestApp, sha256: &str) -> u64 {
    blob::Entity::find().filter(blob::Column::Sha256.eq(sha256)).count(&app.db).await.expect("blobs")
}

async fn records(app: &TestApp) -> u64 {
    record::Entity::find().count(&app.db).await.expect("records")
}

/// A server keeping its files in a directory of its own.
async fn spawn(dir: &tempfile::TempDir, change: impl FnOnce(&mut casebridge::config::Settings)) -> TestApp {
    let path = dir.path().to_path_buf();
    TestApp::spawn_with(move |s| {
        s.files.backend = Backend::Directory(path);
        change(s);
    })
    .await
}

#[actix_rt::test]
async fn a_photo_sent_with_its_record_is_kept_once_and_described_by_its_bytes() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |_| {}).await;
    let case_id = a_case(&app, "town.beiao").await;
    let bytes = png();
    let digest = sha(&bytes);

    // The client claims a JPEG (in the attachment and the part's type); the bytes are a PNG.
    let mut input = photo(&case_id, "upload-1");
    input["attachment"] = json!({ "sha256": digest.to_uppercase(), "mediaType": "image/jpeg",
                                  "sizeBytes": bytes.len(), "uri": "phone://DCIM/1.jpg" });
    let (status, answer) = upload(&app, "town.beiao", input.clone(), &bytes).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    let first = answer["data"]["submitRecord"].clone();
    let url = format!("/files/{digest}");
    assert_eq!(
        first["attachment"],
        json!({ "sha256": digest, "mediaType": "image/png", "sizeBytes": bytes.len(), "byteSize": bytes.len(),
                "uri": url, "downloadUrl": url, "personal": true })
    );
    assert_eq!(blobs(&app, &digest).await, 1);
    let kept = dir.path().join("blobs").join(&digest[..2]).join(&digest);
    assert_eq!(std::fs::read(&kept).expect("the kept file"), bytes);

    // The same request again (a phone's retry): the stored record, nothing written.
    let n = records(&app).await;
    let (_, again) = upload(&app, "town.beiao", input, &bytes).await;
    assert_eq!(again["data"]["submitRecord"]["id"], first["id"], "{again}");
    assert_eq!(records(&app).await, n);

    // The same bytes with another record, marked as showing no person: one blob still.
    let mut input = photo(&case_id, "upload-2");
    input["attachmentShowsNoPerson"] = json!(true);
    let (_, second) = upload(&app, "town.beiao", input, &bytes).await;
    let second = &second["data"]["submitRecord"];
    assert_eq!(second["attachment"]["sha256"], digest, "{second}");
    assert_eq!(second["attachment"]["personal"], false);
    assert_eq!(blobs(&app, &digest).await, 1);

    // A record naming the held file by its fingerprint: its size must be the bytes', and
    // its type and URI become the held file's.
    let by_hash = |size: usize| {
        json!({ "idempotencyKey": format!("by-hash-{size}"), "caseId": case_id, "kind": "PHOTO",
                "content": "同一张照片", "recordedAt": an_hour_ago(),
                "attachment": { "sha256": digest, "mediaType": "application/pdf", "sizeBytes": size,
                                "uri": "https://elsewhere.example/1.pdf" } })
    };
    let refused = app.gql(Some("town.beiao"), SUBMIT, json!({ "input": by_hash(bytes.len() + 1) })).await;
    assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "attachment.sizeBytes"), "{refused}");
    let held = app.data("town.beiao", SUBMIT, json!({ "input": by_hash(bytes.len()) })).await;
    assert_eq!(held["submitRecord"]["attachment"]["mediaType"], "image/png");
    assert_eq!(held["submitRecord"]["attachment"]["uri"], url);

    // The chain covers the file's hash: intact, until the record's hash of it changes.
    let check = app.data("admin", VERIFY, json!({ "id": case_id })).await;
    assert_eq!(check["verifyRecordChain"]["intact"], true, "{check}");
    let gid = first["id"].as_str().expect("id").to_string();
    let id = casebridge::graphql::ids::decode(&gid, casebridge::graphql::ids::Kind::Record, "id").expect("record id");
    record::Entity::update_many()
        .col_expr(record::Column::AttachmentSha256, Expr::value(sha(b"other bytes")))
        .filter(record::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("tamper");
    let check = app.data("admin", VERIFY, json!({ "id": case_id })).await;
    assert_eq!(check["verifyRecordChain"], json!({ "intact": false, "firstBrokenRecordId": gid }));
}

#[actix_rt::test]
async fn a_declared_hash_the_bytes_do_not_have_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |_| {}).await;
    let case_id = a_case(&app, "town.beiao").await;
    let bytes = png();
    let n = records(&app).await;
    let mut input = photo(&case_id, "mismatch");
    input["attachment"] = json!({ "sha256": sha(b"something else"), "mediaType": "image/png",
                                  "sizeBytes": bytes.len(), "uri": "phone://1.png" });
    let (_, answer) = upload(&app, "town.beiao", input, &bytes).await;
    assert_eq!((code(&answer), field(&answer)), ("BAD_USER_INPUT", "attachment.sha256"), "{answer}");
    assert_eq!(records(&app).await, n);
    assert_eq!(blobs(&app, &sha(&bytes)).await, 0);
    assert!(!dir.path().join("blobs").join(&sha(&bytes)[..2]).join(sha(&bytes)).exists());
}

#[actix_rt::test]
async fn each_kind_of_file_has_its_limit() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |s| s.files.limits.photo = 32).await;
    let case_id = a_case(&app, "town.beiao").await;
    let n = records(&app).await;
    let (_, answer) = upload(&app, "town.beiao", photo(&case_id, "big-photo"), &png()).await;
    assert_eq!((code(&answer), field(&answer)), ("BAD_USER_INPUT", "file"), "{answer}");
    assert_eq!(records(&app).await, n);
    assert_eq!(blobs(&app, &sha(&png())).await, 0);
    // A document of the same size is within its own limit.
    let text = "现场笔录：当事人在店外占道经营。".repeat(4);
    let mut input = photo(&case_id, "document");
    input["kind"] = json!("DOCUMENT");
    let (_, answer) = upload(&app, "town.beiao", input, text.as_bytes()).await;
    let attachment = &answer["data"]["submitRecord"]["attachment"];
    assert_eq!(attachment["mediaType"], "text/plain", "{answer}");
    assert_eq!(attachment["byteSize"], text.len());
}

#[actix_rt::test]
async fn uploads_need_a_token_and_the_body_limit_guards_operations_not_files() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |s| s.max_body_bytes = 4096).await;
    let case_id = a_case(&app, "town.beiao").await;
    let n = records(&app).await;

    let ops = json!({ "query": SUBMIT, "variables": { "input": photo(&case_id, "anonymous") } });
    let (_, answer) = post(&app, None, body(&ops, &png())).await;
    assert_eq!(code(&answer), "UNAUTHENTICATED", "{answer}");
    assert_eq!(records(&app).await, n);

    // `operations` past the body limit: 413, naming the part.
    let mut long = photo(&case_id, "long");
    long["content"] = json!("长".repeat(2000));
    let ops = json!({ "query": SUBMIT, "variables": { "input": long } });
    let (status, answer) = post(&app, Some("town.beiao"), body(&ops, &png())).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!((code(&answer), field(&answer)), ("BAD_USER_INPUT", "operations"), "{answer}");
    assert_eq!(records(&app).await, n);

    // A file past the body limit is within the file limits.
    let big = "执法记录。".repeat(1000);
    assert!(big.len() > 4096);
    let mut input = photo(&case_id, "big-file");
    input["kind"] = json!("DOCUMENT");
    let (status, answer) = upload(&app, "town.beiao", input, big.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["submitRecord"]["attachment"]["byteSize"], big.len(), "{answer}");

    // A map naming a part that never came, and a JSON variable posing as a file, are refused.
    let ops = json!({ "query": SUBMIT, "variables": { "input": photo(&case_id, "no-such-variable") } });
    let mut wrong = body(&ops, &png());
    let at = wrong.windows(22).position(|w| w == b"variables.input.file\"]").expect("map");
    wrong[at..at + 20].copy_from_slice(b"variables.input.fill");
    let (status, answer) = post(&app, Some("town.beiao"), wrong).await;
    assert_eq!((status, field(&answer)), (400, "map"), "{answer}");
    let mut posing = photo(&case_id, "posing");
    posing["file"] = json!("#__graphql_file__:7");
    let answer = app.gql(Some("town.beiao"), SUBMIT, json!({ "input": posing })).await;
    assert_eq!((code(&answer), field(&answer)), ("BAD_USER_INPUT", "file"), "{answer}");
}

#[actix_rt::test]
async fn sizes_past_32_bits_travel_as_byte_size() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "town.beiao").await;
    let six_gib: u64 = 6 << 30;
    // One time for all: the same key is sent twice below, and a retry must be the same record.
    let recorded_at = an_hour_ago();
    let video = |key: &str, attachment: Value| {
        json!({ "idempotencyKey": key, "caseId": case_id, "kind": "VIDEO", "content": "执法记录仪视频",
                "recordedAt": recorded_at, "attachment": attachment })
    };
    let fingerprint = json!({ "sha256": "ef".repeat(32), "mediaType": "video/mp4", "sizeBytes": six_gib,
                              "uri": "https://evidence.dongtou.example/v/1.mp4" });
    let refused = app.gql(Some("town.beiao"), SUBMIT, json!({ "input": video("v-int", fingerprint.clone()) })).await;
    assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "attachment.sizeBytes"), "{refused}");

    let mut sized = fingerprint;
    sized["sizeBytes"] = json!(0);
    sized["byteSize"] = json!(six_gib);
    let query = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) {
        attachment { byteSize downloadUrl } } }"#;
    let done = app.data("town.beiao", query, json!({ "input": video("v-size", sized.clone()) })).await;
    assert_eq!(done["submitRecord"]["attachment"]["byteSize"], six_gib);
    assert_eq!(done["submitRecord"]["attachment"]["downloadUrl"], format!("/files/{}", "ef".repeat(32)));
    // The deprecated 32-bit field cannot say it: an error naming it.
    let old = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { attachment { sizeBytes } } }"#;
    let body = app.gql(Some("town.beiao"), old, json!({ "input": video("v-size", sized.clone()) })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "sizeBytes"), "{body}");
    assert_eq!(body["data"]["submitRecord"]["attachment"], Value::Null);

    let mut negative = sized;
    negative["byteSize"] = json!(-1);
    let body = app.gql(Some("town.beiao"), SUBMIT, json!({ "input": video("v-neg", negative) })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "attachment.byteSize"), "{body}");
}

#[actix_rt::test]
async fn a_batch_may_send_one_file_for_several_records() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |_| {}).await;
    let case_id = a_case(&app, "town.beiao").await;
    let bytes = png();
    let query = r#"mutation($inputs: [SubmitRecordInput!]!) { submitRecords(inputs: $inputs) {
        seq attachment { sha256 mediaType byteSize } } }"#;
    let inputs = json!([photo(&case_id, "batch-1"), photo(&case_id, "batch-2")]);
    let map = json!({ "0": ["variables.inputs.0.file", "variables.inputs.1.file"] });
    let ops = json!({ "query": query, "variables": { "inputs": inputs } });
    let (status, answer) = post(&app, Some("town.beiao"), body_mapped(&ops, &map, &bytes)).await;
    assert_eq!(status, 200, "{answer}");
    let records = answer["data"]["submitRecords"].as_array().expect("records").clone();
    assert_eq!(records.len(), 2, "{answer}");
    for r in &records {
        assert_eq!(
            r["attachment"],
            json!({ "sha256": sha(&bytes), "mediaType": "image/png", "byteSize": bytes.len() })
        );
    }
    assert_eq!(blobs(&app, &sha(&bytes)).await, 1);

    // A refused file names its input; nothing of the batch is written.
    let n = self::records(&app).await;
    let mut wrong = photo(&case_id, "batch-4");
    wrong["attachment"] =
        json!({ "sha256": sha(b"x"), "mediaType": "image/png", "sizeBytes": bytes.len(), "uri": "u" });
    let ops = json!({ "query": query, "variables": { "inputs": [photo(&case_id, "batch-3"), wrong] } });
    let (_, answer) = post(&app, Some("town.beiao"), body_mapped(&ops, &map, &bytes)).await;
    assert_eq!((code(&answer), field(&answer)), ("BAD_USER_INPUT", "inputs.1.attachment.sha256"), "{answer}");
    assert_eq!(self::records(&app).await, n);
}

#[actix_rt::test]
async fn a_transfer_material_naming_a_held_file_takes_its_type_and_url() {
    let dir = tempfile::tempdir().expect("dir");
    let app = spawn(&dir, |_| {}).await;
    let case_id = a_case(&app, "town.beiao").await;
    let bytes = png();
    let (status, answer) = upload(&app, "town.beiao", photo(&case_id, "held"), &bytes).await;
    assert_eq!(status, 200, "{answer}");

    let bureau = app.data("admin", r#"{ departments { id code } }"#, json!({})).await["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["code"] == "bureau")
        .expect("bureau")["id"]
        .clone();
    let request = r#"mutation($input: RequestTransferInput!) { requestTransfer(input: $input) { id } }"#;
    let input = json!({"toDepartmentId": bureau, "category": "FORESTRY", "subject": "林业线索",
        "facts": "卫片发现疑似毁林。", "party": {"kind": "PERSON", "name": "林某"}});
    let transfer = app.data("nr.liaison", request, json!({ "input": input })).await["requestTransfer"]["id"].clone();
    let material = r#"mutation($t: ID!, $input: TransferMaterialInput!) {
        addTransferMaterial(transferId: $t, input: $input) { attachment { mediaType uri byteSize } } }"#;
    let input = |size: usize| {
        json!({ "idempotencyKey": format!("material-{size}"), "kind": "PHOTO", "content": "卫片比对图",
                "recordedAt": an_hour_ago(),
                "attachment": { "sha256": sha(&bytes), "mediaType": "image/jpeg", "sizeBytes": size, "uri": "x" } })
    };
    let refused = app.gql(Some("nr.liaison"), material, json!({ "t": transfer, "input": input(1) })).await;
    assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "attachment.sizeBytes"), "{refused}");
    let added = app.data("nr.liaison", material, json!({ "t": transfer, "input": input(bytes.len()) })).await;
    assert_eq!(
        added["addTransferMaterial"]["attachment"],
        json!({ "mediaType": "image/png", "uri": format!("/files/{}", sha(&bytes)), "byteSize": bytes.len() })
    );
}
