//! Evidence files (issue 14, part 1): a resumable upload over tus 1.0.0 at `/files/uploads`,
//! a record that references the kept file, and the download at `/files/{sha256}` (who may,
//! ranges, the sniffed type, the audit), on both backends: a directory, and a real
//! S3-compatible server started in-process by the test (s3s + s3s-fs, a dev-dependency, so
//! no extra install is needed).

use std::path::{Path, PathBuf};

use awc::http::Method;
use awc::http::header::HeaderMap;
use casebridge::config::{FileLimits, Files};
use casebridge::files::store::{Backend, S3Settings};
use chrono::{Duration, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::follow_case::{ENROLL, user_id};
use crate::support::{TestApp, postgres_only};

const SUBMIT: &str = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) {
  id attachment { sha256 mediaType sizeBytes uri } } }"#;

const LOG: &str = r#"query($filter: AuditFilter, $first: Int) {
  auditLog(filter: $filter, first: $first) { totalCount edges { node { action targetId detail user { login } } } } }"#;

const S3_KEY: &str = "casebridge-test";
const S3_SECRET: &str = "casebridge-test-secret";
const BUCKET: &str = "evidence";

/// An S3-compatible server (s3s over s3s-fs) on a random port, in a thread and runtime of its
/// own, keeping the objects under `root/<bucket>/…`; it runs until the test process ends.
fn start_s3(root: &Path) -> String {
    std::fs::create_dir_all(root.join(BUCKET)).expect("bucket directory");
    let root = root.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        runtime.block_on(async move {
            use hyper_util::rt::{TokioExecutor, TokioIo};
            use hyper_util::server::conn::auto::Builder;
            let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs");
            let mut builder = s3s::service::S3ServiceBuilder::new(fs);
            builder.set_auth(s3s::auth::SimpleAuth::from_single(S3_KEY, S3_SECRET));
            let service = builder.build();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr").port()).expect("port");
            let http = Builder::new(TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else { continue };
                let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
    });
    let port = rx.recv().expect("the S3 server starts");
    format!("http://127.0.0.1:{port}")
}

fn s3_files(endpoint: &str, staging: &Path) -> Files {
    Files {
        backend: Backend::S3(S3Settings {
            bucket: BUCKET.into(),
            prefix: "casebridge".into(),
            endpoint: Some(endpoint.to_string()),
            region: "us-east-1".into(),
            access_key_id: Some(S3_KEY.into()),
            secret_access_key: Some(S3_SECRET.into()),
            allow_http: true,
        }),
        staging: Some(staging.to_path_buf()),
        limits: FileLimits::default(),
    }
}

/// Where the bytes of the store end up on disk, and the server over it.
pub(crate) struct Fixture {
    pub(crate) app: TestApp,
    /// The directory that holds the store's objects (the files dir, or the S3 server's bucket).
    objects: PathBuf,
    _dirs: Vec<tempfile::TempDir>,
}

pub(crate) async fn with_directory() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let files =
        Files { backend: Backend::Directory(dir.path().to_path_buf()), staging: None, limits: FileLimits::default() };
    let app = TestApp::spawn_with(move |s| s.files = files).await;
    Fixture { app, objects: dir.path().to_path_buf(), _dirs: vec![dir] }
}

pub(crate) async fn with_s3() -> Fixture {
    let (root, staging) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let files = s3_files(&start_s3(root.path()), staging.path());
    let app = TestApp::spawn_with(move |s| s.files = files).await;
    Fixture { app, objects: root.path().join(BUCKET).join("casebridge"), _dirs: vec![root, staging] }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A JPEG by its magic number (what the sniffing reads), `len` bytes, different per `seed`.
fn photo(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    bytes.extend((0..len - bytes.len()).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

/// Files named `name` anywhere under `dir`.
fn count_named(dir: &Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let path = e.path();
            if path.is_dir() { count_named(&path, name) } else { usize::from(e.file_name().to_string_lossy() == name) }
        })
        .sum()
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    login: Option<&str>,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Reply {
    let client = awc::Client::builder().timeout(std::time::Duration::from_secs(60)).finish();
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(method, format!("{}{}", app.address, path));
    if let Some(login) = login {
        req = req.insert_header(("Authorization", format!("Bearer {}", app.token(login))));
    }
    for (name, value) in headers {
        req = req.insert_header((*name, value.as_str()));
    }
    let mut resp = req.send_body(body).await.expect("send");
    let body = resp.body().limit(64 << 20).await.expect("body").to_vec();
    Reply { status: resp.status().as_u16(), headers: resp.headers().clone(), body }
}

fn tus() -> (&'static str, String) {
    ("Tus-Resumable", "1.0.0".to_string())
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `POST /files/uploads`: the upload's path.
async fn create(app: &TestApp, login: &str, len: usize, declared: &str) -> String {
    let metadata = format!("sha256 {},filename {}", b64(declared), b64("现场照片.jpg"));
    let headers = [tus(), ("Upload-Length", len.to_string()), ("Upload-Metadata", metadata)];
    let reply = call(app, "POST", "/files/uploads", Some(login), &headers, vec![]).await;
    assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
    let location = reply.header("Location").expect("Location").to_string();
    assert!(location.starts_with("/files/uploads/"), "{location}");
    location
}

async fn patch(app: &TestApp, login: &str, path: &str, offset: usize, bytes: &[u8]) -> Reply {
    let headers =
        [tus(), ("Content-Type", "application/offset+octet-stream".to_string()), ("Upload-Offset", offset.to_string())];
    call(app, "PATCH", path, Some(login), &headers, bytes.to_vec()).await
}

async fn offset(app: &TestApp, login: &str, path: &str) -> usize {
    let reply = call(app, "HEAD", path, Some(login), &[tus()], vec![]).await;
    assert_eq!(reply.status, 200);
    reply.header("Upload-Offset").expect("Upload-Offset").parse().expect("offset")
}

/// Uploads `bytes` in `parts` PATCHes through `apps` in turn, resuming once from HEAD's
/// offset; returns the last reply.
async fn upload(apps: &[&TestApp], login: &str, bytes: &[u8], parts: usize) -> Reply {
    let path = create(apps[0], login, bytes.len(), &sha(bytes)).await;
    let step = bytes.len().div_ceil(parts);
    let mut at = 0;
    let mut n = 0;
    loop {
        let app = apps[n % apps.len()];
        if n == 1 {
            // A client that lost its connection asks where to go on.
            assert_eq!(offset(app, login, &path).await, at);
        }
        let end = (at + step).min(bytes.len());
        let reply = patch(app, login, &path, at, &bytes[at..end]).await;
        n += 1;
        if end == bytes.len() {
            return reply;
        }
        assert_eq!(reply.status, 204, "{}", String::from_utf8_lossy(&reply.body));
        assert_eq!(reply.header("Upload-Offset"), Some(end.to_string().as_str()));
        at = end;
    }
}

fn an_hour_ago() -> String {
    (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A bureau case the bureau officer may submit to and town.beiao may not read.
async fn bureau_case(app: &TestApp) -> String {
    let q = "{ cases(first: 30) { edges { node { id } } } }";
    let data = app.data("bureau.officer", q, json!({})).await;
    for edge in data["cases"]["edges"].as_array().expect("edges") {
        let id = edge["node"]["id"].as_str().expect("id").to_string();
        let seen = app.gql(Some("town.beiao"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": id})).await;
        if seen["data"]["case"].is_null() {
            return id;
        }
    }
    panic!("no bureau case hidden from town.beiao")
}

async fn submit_photo(app: &TestApp, case_id: &str, bytes: &[u8], key: &str) -> Value {
    let input = json!({
        "idempotencyKey": key, "caseId": case_id, "kind": "PHOTO", "content": "现场照片", "recordedAt": an_hour_ago(),
        // The client's claim of the type is not what the download sends.
        "attachment": { "sha256": sha(bytes), "mediaType": "application/pdf", "sizeBytes": bytes.len(),
                        "uri": format!("/files/{}", sha(bytes)) }
    });
    app.data("bureau.officer", SUBMIT, json!({ "input": input })).await["submitRecord"].clone()
}

async fn downloads(app: &TestApp, sha256: &str) -> Vec<Value> {
    let data = app.data("admin", LOG, json!({"filter": {"action": "download:file"}, "first": 100})).await;
    data["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["detail"].as_str().is_some_and(|d| d.contains(sha256)))
        .collect()
}

/// The whole story on one backend.
async fn upload_submit_and_download(fx: Fixture) {
    let app = &fx.app;
    let bytes = photo(300_000, 7);
    let sha256 = sha(&bytes);
    let last = upload(&[app], "bureau.officer", &bytes, 4).await;
    assert_eq!(last.status, 204, "{}", String::from_utf8_lossy(&last.body));
    assert_eq!(last.header("Upload-Sha256"), Some(sha256.as_str()));
    assert_eq!(last.header("Location"), Some(format!("/files/{sha256}").as_str()));
    assert_eq!(count_named(&fx.objects, &sha256), 1, "kept once");
    assert_eq!(uploads_left(&fx.objects), 0, "the parts are gone");

    let case_id = bureau_case(app).await;
    let record = submit_photo(app, &case_id, &bytes, "files-photo-1").await;
    assert_eq!(record["attachment"]["sha256"], sha256);

    // A reviewer of the bureau reads the case: the bytes, their sniffed type, the headers.
    let path = format!("/files/{sha256}");
    let whole = call(app, "GET", &path, Some("bureau.reviewer"), &[], vec![]).await;
    assert_eq!(whole.status, 200);
    assert_eq!(sha(&whole.body), sha256);
    assert_eq!(whole.header("Content-Type"), Some("image/jpeg"), "sniffed, not the claimed PDF");
    assert_eq!(whole.header("Content-Length"), Some(bytes.len().to_string().as_str()));
    assert_eq!(
        whole.header("Content-Disposition"),
        Some(format!("attachment; filename=\"{}.jpg\"", &sha256[..16]).as_str())
    );
    assert_eq!(whole.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(whole.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(whole.header("Cache-Control"), Some("private"));
    let etag = format!("\"{sha256}\"");
    assert_eq!(whole.header("ETag"), Some(etag.as_str()));

    let part = call(app, "GET", &path, Some("bureau.reviewer"), &[("Range", "bytes=1000-1999".into())], vec![]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, bytes[1000..2000].to_vec());
    assert_eq!(part.header("Content-Range"), Some(format!("bytes 1000-1999/{}", bytes.len()).as_str()));
    let tail = call(app, "GET", &path, Some("bureau.reviewer"), &[("Range", "bytes=-10".into())], vec![]).await;
    assert_eq!((tail.status, tail.body.clone()), (206, bytes[bytes.len() - 10..].to_vec()));
    let past = call(app, "GET", &path, Some("bureau.reviewer"), &[("Range", "bytes=999999-".into())], vec![]).await;
    assert_eq!(past.status, 416);
    assert_eq!(past.header("Content-Range"), Some(format!("bytes */{}", bytes.len()).as_str()));
    let cached = call(app, "GET", &path, Some("bureau.reviewer"), &[("If-None-Match", etag.clone())], vec![]).await;
    assert_eq!(cached.status, 304);
    let head = call(app, "HEAD", &path, Some("bureau.reviewer"), &[], vec![]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), Some(bytes.len().to_string().as_str()));

    // Every GET that sent bytes is audited, with the case (HEAD and 304 send none).
    let audited = downloads(app, &sha256).await;
    assert_eq!(audited.len(), 3, "{audited:?}");
    assert!(audited.iter().all(|a| a["user"]["login"] == "bureau.reviewer"));
    assert!(audited.iter().any(|a| a["detail"].as_str().is_some_and(|d| d.contains("1000-1999"))));

    // No token: 401; another town's officer and a dashboard: 404, as for a file that is not there.
    assert_eq!(call(app, "GET", &path, None, &[], vec![]).await.status, 401);
    assert_eq!(call(app, "GET", &path, Some("town.beiao"), &[], vec![]).await.status, 404);
    assert_eq!(call(app, "GET", &path, Some("dashboard"), &[], vec![]).await.status, 404);
    let nothing = format!("/files/{}", "0".repeat(64));
    assert_eq!(call(app, "GET", &nothing, Some("admin"), &[], vec![]).await.status, 404);
    assert_eq!(call(app, "GET", "/files/not-a-hash", Some("admin"), &[], vec![]).await.status, 404);

    // A court trainee on the case: no photo of a person, until the record says it shows none.
    let trainee = user_id(app, "court.trainee").await;
    app.data("admin", ENROLL, json!({"caseId": case_id, "traineeId": trainee})).await;
    assert_eq!(call(app, "GET", &path, Some("court.trainee"), &[], vec![]).await.status, 404);
    let (_, record_key) = casebridge::graphql::ids::decode_any(record["id"].as_str().expect("id"), "id").expect("id");
    mark_not_personal(app, &record_key.to_string()).await;
    let seen = call(app, "GET", &path, Some("court.trainee"), &[], vec![]).await;
    assert_eq!((seen.status, sha(&seen.body)), (200, sha256.clone()));

    // The same bytes again: one object, one row.
    let again = upload(&[app], "town.beiao", &bytes, 2).await;
    assert_eq!(again.header("Upload-Sha256"), Some(sha256.as_str()));
    assert_eq!(count_named(&fx.objects, &sha256), 1, "the same bytes are stored once");
    let rows = entity::blob::Entity::find().filter(entity::blob::Column::Sha256.eq(&sha256)).count(&app.db).await;
    assert_eq!(rows.expect("count"), 1);
}

/// Uploads in progress under the store's `named/uploads/`.
fn uploads_left(objects: &Path) -> usize {
    fn files(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
        entries.filter_map(Result::ok).map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 }).sum()
    }
    files(&objects.join("named").join("uploads"))
}

async fn mark_not_personal(app: &TestApp, record_id: &str) {
    use sea_orm::sea_query::Expr;
    let id = uuid::Uuid::parse_str(record_id).expect("uuid");
    entity::record::Entity::update_many()
        .col_expr(entity::record::Column::AttachmentPersonal, Expr::value(false))
        .filter(entity::record::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("mark");
}

/// A declared hash the bytes do not have: refused at the last PATCH, nothing kept, the upload
/// gone.
async fn a_wrong_hash_keeps_nothing(fx: Fixture) {
    let app = &fx.app;
    let bytes = photo(50_000, 9);
    let other = sha(b"something else");
    let path = create(app, "bureau.officer", bytes.len(), &other).await;
    assert_eq!(patch(app, "bureau.officer", &path, 0, &bytes[..20_000]).await.status, 204);
    // A PATCH at the wrong offset is 409, and changes nothing.
    assert_eq!(patch(app, "bureau.officer", &path, 10, &bytes[10..]).await.status, 409);
    // Another caller does not see the upload.
    assert_eq!(patch(app, "town.beiao", &path, 20_000, &bytes[20_000..]).await.status, 404);
    let last = patch(app, "bureau.officer", &path, 20_000, &bytes[20_000..]).await;
    assert_eq!(last.status, 400, "{}", String::from_utf8_lossy(&last.body));
    let body: Value = serde_json::from_slice(&last.body).expect("json");
    assert_eq!(body["errors"][0]["extensions"]["field"], "sha256");
    assert_eq!(count_named(&fx.objects, &sha(&bytes)), 0, "nothing kept");
    assert_eq!(uploads_left(&fx.objects), 0, "the parts are gone");
    assert!(entity::blob::Entity::find_by_id(sha(&bytes)).one(&app.db).await.expect("find").is_none());
    assert_eq!(call(app, "HEAD", &path, Some("bureau.officer"), &[tus()], vec![]).await.status, 410);
}

/// What the protocol refuses before any bytes arrive.
async fn refusals(fx: Fixture) {
    let app = &fx.app;
    let options = call(app, "OPTIONS", "/files/uploads", None, &[], vec![]).await;
    assert_eq!(options.status, 204);
    assert_eq!(options.header("Tus-Version"), Some("1.0.0"));
    assert!(options.header("Tus-Extension").is_some_and(|e| e.contains("creation") && e.contains("termination")));
    let largest = FileLimits::default().largest();
    assert_eq!(options.header("Tus-Max-Size"), Some(largest.to_string().as_str()));
    let meta = format!("sha256 {}", b64(&"a".repeat(64)));
    let post = |login: Option<&'static str>, headers: Vec<(&'static str, String)>| async move {
        call(app, "POST", "/files/uploads", login, &headers, vec![]).await.status
    };
    let ok = |len: u64| vec![tus(), ("Upload-Length", len.to_string()), ("Upload-Metadata", meta.clone())];
    assert_eq!(post(None, ok(10)).await, 401);
    assert_eq!(post(Some("court.trainee"), ok(10)).await, 403);
    assert_eq!(post(Some("dashboard"), ok(10)).await, 403);
    assert_eq!(post(Some("bureau.officer"), ok(largest + 1)).await, 413);
    assert_eq!(post(Some("bureau.officer"), vec![tus(), ("Upload-Length", "10".into())]).await, 400, "no sha256");
    assert_eq!(post(Some("bureau.officer"), ok(10)[1..].to_vec()).await, 412, "no Tus-Resumable");
    // Termination: the upload is gone.
    let path = create(app, "bureau.officer", 100, &"b".repeat(64)).await;
    assert_eq!(patch(app, "bureau.officer", &path, 0, &[1u8; 40]).await.status, 204);
    assert_eq!(call(app, "DELETE", &path, Some("bureau.officer"), &[tus()], vec![]).await.status, 204);
    assert_eq!(call(app, "HEAD", &path, Some("bureau.officer"), &[tus()], vec![]).await.status, 404);
    assert_eq!(uploads_left(&fx.objects), 0);
}

#[actix_rt::test]
async fn a_directory_keeps_uploaded_files_and_serves_them_to_who_may_read_them() {
    upload_submit_and_download(with_directory().await).await;
}

#[actix_rt::test]
async fn s3_keeps_uploaded_files_and_serves_them_to_who_may_read_them() {
    upload_submit_and_download(with_s3().await).await;
}

#[actix_rt::test]
async fn a_wrong_hash_keeps_nothing_in_a_directory() {
    a_wrong_hash_keeps_nothing(with_directory().await).await;
}

#[actix_rt::test]
async fn a_wrong_hash_keeps_nothing_in_s3() {
    a_wrong_hash_keeps_nothing(with_s3().await).await;
}

#[actix_rt::test]
async fn uploads_refuse_what_the_protocol_and_the_roles_refuse() {
    refusals(with_directory().await).await;
}

/// Two instances on one PostgreSQL and one S3 bucket: the parts of one upload go through
/// both in turn, and either serves the file.
#[actix_rt::test]
#[ignore = "PostgreSQL only: two instances share uploads through the database"]
async fn two_instances_share_an_upload_through_postgresql_and_s3() {
    postgres_only();
    let (root, staging_a, staging_b) =
        (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let endpoint = start_s3(root.path());
    let (files_a, files_b) = (s3_files(&endpoint, staging_a.path()), s3_files(&endpoint, staging_b.path()));
    let a = TestApp::spawn_with(move |s| s.files = files_a).await;
    let b = TestApp::attach_with(&a.database_url, move |s| s.files = files_b).await;
    let bytes = photo(400_000, 3);
    let sha256 = sha(&bytes);
    let last = upload(&[&a, &b], "bureau.officer", &bytes, 5).await;
    assert_eq!(last.status, 204, "{}", String::from_utf8_lossy(&last.body));
    assert_eq!(last.header("Upload-Sha256"), Some(sha256.as_str()));
    assert_eq!(count_named(&root.path().join(BUCKET), &sha256), 1);
    let case_id = bureau_case(&a).await;
    submit_photo(&b, &case_id, &bytes, "files-two-instances").await;
    for app in [&a, &b] {
        let got = call(app, "GET", &format!("/files/{sha256}"), Some("bureau.reviewer"), &[], vec![]).await;
        assert_eq!((got.status, sha(&got.body)), (200, sha256.clone()));
    }
    assert_eq!(downloads(&a, &sha256).await.len(), 2);
}
