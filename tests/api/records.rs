//! `submitRecord` / `submitRecords` (R11): the hash chain, idempotent retries, who may
//! submit, validation, all-or-nothing batches and concurrent submissions.

use std::collections::HashSet;

use chrono::{Duration, SecondsFormat, Utc};
use entity::enums::CaseEventKind;
use entity::{audit_log, case_event, record};
use futures_util::future::join_all;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field};

const SUBMIT: &str = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) {
  id seq hash previousHash kind content recordedAt submittedAt
  attachment { sha256 mediaType sizeBytes uri } corrects { id content hash } } }"#;

const SUBMIT_MANY: &str = r#"mutation($inputs: [SubmitRecordInput!]!) { submitRecords(inputs: $inputs) {
  id seq hash previousHash content } }"#;

const CHAIN: &str = r#"query($id: ID!) { case(id: $id) { version
  records(first: 100) { totalCount edges { node { id seq hash previousHash content } } } } }"#;

const VERIFY: &str = r#"query($id: ID!) { verifyRecordChain(caseId: $id) { intact length firstBrokenRecordId } }"#;

/// An hour ago, to the second: well inside "not in the future" however slow the run.
fn an_hour_ago() -> String {
    (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn note(case_id: &str, key: &str, content: &str) -> Value {
    json!({ "idempotencyKey": key, "caseId": case_id, "kind": "NOTE", "content": content, "recordedAt": an_hour_ago() })
}

fn photo(case_id: &str, key: &str) -> Value {
    json!({
        "idempotencyKey": key, "caseId": case_id, "kind": "PHOTO", "content": "现场照片：占道经营摊位",
        "recordedAt": an_hour_ago(),
        "attachment": { "sha256": "AB".repeat(32), "mediaType": "image/jpeg", "sizeBytes": 123456,
                        "uri": "https://evidence.dongtou.example/x/1.jpg" }
    })
}

/// The first case `login` sees that matches `filter`.
async fn a_case(app: &TestApp, login: &str, filter: Value) -> String {
    let q = "query($f: CaseFilter) { cases(first: 1, filter: $f) { edges { node { id } } } }";
    let data = app.data(login, q, json!({ "f": filter })).await;
    data["cases"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{login} sees no case: {data}"))
        .to_string()
}

/// The case's records in chain order, as the admin reads them.
async fn chain(app: &TestApp, case_id: &str) -> Vec<Value> {
    let data = app.data("admin", CHAIN, json!({ "id": case_id })).await;
    data["case"]["records"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

async fn verify(app: &TestApp, case_id: &str) -> Value {
    app.data("admin", VERIFY, json!({ "id": case_id })).await["verifyRecordChain"].clone()
}

async fn submit(app: &TestApp, login: &str, input: Value) -> Value {
    app.gql(Some(login), SUBMIT, json!({ "input": input })).await
}

async fn submit_ok(app: &TestApp, login: &str, input: Value) -> Value {
    app.data(login, SUBMIT, json!({ "input": input })).await["submitRecord"].clone()
}

/// Rows a submission writes: records, RECORD_SUBMITTED events, audit rows.
async fn written(app: &TestApp) -> (u64, u64, u64) {
    let records = record::Entity::find().count(&app.db).await.expect("count records");
    let events = case_event::Entity::find()
        .filter(case_event::Column::Kind.eq(CaseEventKind::RecordSubmitted))
        .count(&app.db)
        .await
        .expect("count events");
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("mutation:submitRecord"))
        .count(&app.db)
        .await
        .expect("count audit");
    (records, events, audits)
}

fn key(id: &Value) -> uuid::Uuid {
    casebridge::graphql::ids::decode(id.as_str().expect("id"), casebridge::graphql::ids::Kind::Record, "id")
        .expect("record id")
}

/// Asserts that `records` are numbered 1..n and each carries the hash of the one before.
fn assert_linked(records: &[Value]) {
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], i as i64 + 1, "seq of {r}");
        let previous = if i == 0 { Value::Null } else { records[i - 1]["hash"].clone() };
        assert_eq!(r["previousHash"], previous, "link of {r}");
    }
}

#[actix_rt::test]
async fn an_officers_records_chain_and_a_tampered_record_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "bureau.officer", json!({})).await;
    let before = chain(&app, &case_id).await;
    let version = app.data("admin", CHAIN, json!({ "id": case_id })).await["case"]["version"].clone();
    let (records0, events0, audits0) = written(&app).await;

    let mut made = Vec::new();
    for i in 0..3 {
        made.push(
            submit_ok(&app, "bureau.officer", note(&case_id, &format!("chain-{i}"), &format!("第{i}次检查"))).await,
        );
    }
    let p = submit_ok(&app, "bureau.officer", photo(&case_id, "chain-photo")).await;
    assert_eq!(p["kind"], "PHOTO");
    assert_eq!(p["attachment"]["sha256"], "ab".repeat(32), "the digest is stored in lower case");
    assert_eq!(p["attachment"]["sizeBytes"], 123456);
    made.push(p);

    for (i, r) in made.iter().enumerate() {
        assert_eq!(r["seq"], before.len() as i64 + i as i64 + 1);
        let previous =
            if i == 0 { before.last().map_or(Value::Null, |r| r["hash"].clone()) } else { made[i - 1]["hash"].clone() };
        assert_eq!(r["previousHash"], previous);
        assert_eq!(r["hash"].as_str().expect("hash").len(), 64);
    }
    let after = chain(&app, &case_id).await;
    assert_eq!(after.len(), before.len() + 4);
    assert_linked(&after);
    let check = verify(&app, &case_id).await;
    assert_eq!(check, json!({ "intact": true, "length": after.len(), "firstBrokenRecordId": null }));

    // Each record appended one RECORD_SUBMITTED event and one audit row; the case's version
    // is unchanged (a record adds to the file, it does not change the case).
    assert_eq!(written(&app).await, (records0 + 4, events0 + 4, audits0 + 4));
    let event = case_event::Entity::find()
        .filter(case_event::Column::RecordId.eq(key(&made[0]["id"])))
        .one(&app.db)
        .await
        .expect("event")
        .expect("an event names the record");
    assert_eq!(event.kind, CaseEventKind::RecordSubmitted);
    assert_eq!(app.data("admin", CHAIN, json!({ "id": case_id })).await["case"]["version"], version);

    // Editing a stored record behind the API's back breaks the chain at that record.
    let victim = &made[1];
    record::Entity::update_many()
        .col_expr(record::Column::Content, Expr::value("改过的内容"))
        .filter(record::Column::Id.eq(key(&victim["id"])))
        .exec(&app.db)
        .await
        .expect("tamper");
    let check = verify(&app, &case_id).await;
    assert_eq!(check["intact"], false);
    assert_eq!(check["firstBrokenRecordId"], victim["id"]);
}

#[actix_rt::test]
async fn a_retry_returns_the_first_record_and_a_reused_key_is_a_conflict() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "bureau.officer", json!({})).await;
    let input = note(&case_id, "retry-1", "询问笔录：当事人承认占道");
    let first = submit_ok(&app, "bureau.officer", input.clone()).await;
    let rows = written(&app).await;

    let again = submit_ok(&app, "bureau.officer", input.clone()).await;
    assert_eq!(again, first, "the retry returns the stored record");
    assert_eq!(written(&app).await, rows, "and writes nothing: no record, event or audit row");

    let mut changed = input.clone();
    changed["content"] = json!("询问笔录：当事人否认");
    let body = submit(&app, "bureau.officer", changed).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let mut kind = input.clone();
    kind["kind"] = json!("INTERVIEW");
    assert_eq!(code(&submit(&app, "bureau.officer", kind).await), "CONFLICT");
    let other_case =
        app.data("bureau.officer", "{ cases(first: 2) { edges { node { id } } } }", json!({})).await["cases"]["edges"]
            [1]["node"]["id"]
            .clone();
    let mut moved = input.clone();
    moved["caseId"] = other_case;
    assert_eq!(code(&submit(&app, "bureau.officer", moved).await), "CONFLICT");
    assert_eq!(written(&app).await, rows);

    // Keys are per user: another officer may use the same key.
    let mut theirs = input.clone();
    theirs["caseId"] = json!(a_case(&app, "town.beiao", json!({})).await);
    let town = submit_ok(&app, "town.beiao", theirs).await;
    assert_ne!(town["id"], first["id"]);
}

#[actix_rt::test]
async fn a_correction_points_at_the_old_record_which_stays_unchanged() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "bureau.officer", json!({})).await;
    let old = submit_ok(&app, "bureau.officer", note(&case_id, "fix-old", "摊位面积约 3 平方米")).await;
    let mut fix = note(&case_id, "fix-new", "更正：摊位面积约 5 平方米");
    fix["correctsRecordId"] = old["id"].clone();
    let new = submit_ok(&app, "bureau.officer", fix).await;
    assert_eq!(new["corrects"]["id"], old["id"]);
    assert_eq!(new["corrects"]["content"], old["content"]);
    assert_eq!(new["corrects"]["hash"], old["hash"]);
    assert_eq!(new["previousHash"], old["hash"], "the correction is appended, not inserted");
    let stored = chain(&app, &case_id).await;
    let again = stored.iter().find(|r| r["id"] == old["id"]).expect("old record kept");
    assert_eq!((&again["content"], &again["hash"]), (&old["content"], &old["hash"]));
    assert_eq!(verify(&app, &case_id).await["intact"], true);

    // Only a record of the same case can be corrected.
    let other_case = a_case(&app, "town.beiao", json!({})).await;
    let mut wrong = note(&other_case, "fix-wrong", "更正");
    wrong["correctsRecordId"] = old["id"].clone();
    let body = submit(&app, "town.beiao", wrong).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "correctsRecordId"), "{body}");
}

#[actix_rt::test]
async fn who_may_submit_follows_rules_md() {
    let app = TestApp::spawn().await;
    let n0 = written(&app).await.0;

    // A town officer submits field records to a case of its town.
    let beiao = a_case(&app, "town.beiao", json!({})).await;
    submit_ok(&app, "town.beiao", note(&beiao, "who-town", "北岙现场检查")).await;

    // … and to a bureau case in its town, which its officers do not own.
    let matter = app.data("bureau.officer", "{ matters(first: 1) { edges { node { code } } } }", json!({})).await;
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id town department { code } } }"#;
    let filed = app
        .data(
            "bureau.officer",
            file,
            json!({ "input": {
                "title": "北岙街道某店占道经营", "procedure": "GENERAL",
                "matterCode": matter["matters"]["edges"][0]["node"]["code"],
                "party": { "kind": "PERSON", "name": "李某某" }, "town": "北岙街道",
                "occurredAt": an_hour_ago(), "facts": "店外占道经营"
            } }),
        )
        .await;
    assert_eq!(filed["fileCase"]["department"]["code"], "bureau");
    let bureau_in_beiao = filed["fileCase"]["id"].as_str().expect("id").to_string();
    submit_ok(&app, "town.beiao", note(&bureau_in_beiao, "who-town-bureau", "协助现场检查")).await;
    let body = submit(&app, "town.dongping", note(&bureau_in_beiao, "who-town-other", "越界")).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // A liaison submits materials to a case its department's transfer became.
    let nr = a_case(&app, "nr.liaison", json!({})).await;
    submit_ok(&app, "nr.liaison", note(&nr, "who-nr", "补充材料：林地权属证明")).await;

    // Those who see a case but only read it are refused; those who do not see it find nothing.
    let enrolled = a_case(&app, "court.trainee", json!({})).await;
    let body = submit(&app, "court.trainee", note(&enrolled, "who-trainee", "旁听记录")).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let bureau = a_case(&app, "bureau.officer", json!({})).await;
    assert_eq!(code(&submit(&app, "bureau.reviewer", note(&bureau, "who-reviewer", "审核意见")).await), "FORBIDDEN");
    assert_eq!(code(&submit(&app, "dashboard", note(&bureau, "who-dash", "看板")).await), "NOT_FOUND");
    let dongping = a_case(&app, "town.dongping", json!({})).await;
    let body = submit(&app, "town.beiao", note(&dongping, "who-other-town", "越界")).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(code(&submit(&app, "nr.liaison", note(&bureau, "who-nr-bureau", "越界")).await), "NOT_FOUND");
    let body = app.gql(None, SUBMIT, json!({ "input": note(&bureau, "who-anon", "匿名") })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");

    assert_eq!(written(&app).await.0, n0 + 3);
}

#[actix_rt::test]
async fn malformed_input_is_bad_user_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "bureau.officer", json!({})).await;
    let n0 = written(&app).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("recordedAt", json!("yesterday"), "recordedAt"),
        ("recordedAt", json!((Utc::now() + Duration::days(1)).to_rfc3339()), "recordedAt"),
        ("content", json!("   "), "content"),
        ("content", json!("字".repeat(100_001)), "content"),
        ("idempotencyKey", json!(""), "idempotencyKey"),
        ("idempotencyKey", json!("k".repeat(201)), "idempotencyKey"),
        ("caseId", json!("not-an-id"), "caseId"),
        ("correctsRecordId", json!(case_id), "correctsRecordId"),
    ];
    for (name, value, want) in cases {
        let mut input = note(&case_id, "bad", "内容");
        input[name] = value;
        let body = submit(&app, "bureau.officer", input).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", want), "{name}: {body}");
    }
    let attachment: Vec<(&str, Value, &str)> = vec![
        ("sha256", json!("abc"), "attachment.sha256"),
        ("sha256", json!("g".repeat(64)), "attachment.sha256"),
        ("mediaType", json!(""), "attachment.mediaType"),
        ("sizeBytes", json!(-1), "attachment.sizeBytes"),
        ("uri", json!(" "), "attachment.uri"),
    ];
    for (name, value, want) in attachment {
        let mut input = photo(&case_id, "bad-attachment");
        input["attachment"][name] = value;
        let body = submit(&app, "bureau.officer", input).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", want), "{name}: {body}");
    }
    // Four minutes ahead is within the allowed clock skew.
    let mut soon = note(&case_id, "skew", "手机时钟略快");
    soon["recordedAt"] = json!((Utc::now() + Duration::minutes(4)).to_rfc3339());
    submit_ok(&app, "bureau.officer", soon).await;
    assert_eq!(written(&app).await.0, n0.0 + 1);

    // There is no way to change or remove a record.
    let q = r#"{ __type(name: "Mutation") { fields { name } } }"#;
    let names: Vec<String> = app.data("admin", q, json!({})).await["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .filter(|n| n.contains("Record"))
        .collect();
    assert_eq!(names, ["submitRecord", "submitRecords"]);
}

#[actix_rt::test]
async fn a_batch_is_all_or_nothing_and_reports_every_bad_item() {
    let app = TestApp::spawn().await;
    let cases = app.data("bureau.officer", "{ cases(first: 2) { edges { node { id } } } }", json!({})).await;
    let a = cases["cases"]["edges"][0]["node"]["id"].as_str().expect("a").to_string();
    let b = cases["cases"]["edges"][1]["node"]["id"].as_str().expect("b").to_string();
    let earlier = submit_ok(&app, "bureau.officer", note(&a, "batch-earlier", "离线前已提交")).await;
    let (chain_a, chain_b) = (chain(&app, &a).await, chain(&app, &b).await);
    let rows = written(&app).await;

    // Items 1 and 3 are malformed: nothing is written, and both are reported.
    let mut bad_sha = photo(&b, "batch-3");
    bad_sha["attachment"]["sha256"] = json!("not-a-digest");
    let inputs = json!([note(&a, "batch-0", "一"), note(&a, "batch-1", ""), note(&b, "batch-2", "三"), bad_sha]);
    let body = app.gql(Some("bureau.officer"), SUBMIT_MANY, json!({ "inputs": inputs })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "inputs.1.content"), "{body}");
    let errors = body["errors"][0]["extensions"]["errors"].as_array().expect("per-item errors");
    let reported: Vec<(i64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["index"].as_i64().expect("index"),
                e["field"].as_str().expect("field"),
                e["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [(1, "inputs.1.content", "BAD_USER_INPUT"), (3, "inputs.3.attachment.sha256", "BAD_USER_INPUT")]
    );
    assert!(errors.iter().all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
    assert_eq!(written(&app).await, rows);

    // A case the caller cannot see, found only in the database: still nothing written.
    let dongping = a_case(&app, "town.dongping", json!({})).await;
    let inputs = json!([note(&a, "batch-0", "一"), note(&dongping, "batch-x", "越界")]);
    let body = app.gql(Some("bureau.officer"), SUBMIT_MANY, json!({ "inputs": inputs })).await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "inputs.1.caseId"), "{body}");
    assert_eq!(written(&app).await, rows);

    // More than 100 is refused as a whole.
    let many: Vec<Value> = (0..101).map(|i| note(&a, &format!("many-{i}"), "多")).collect();
    let body = app.gql(Some("bureau.officer"), SUBMIT_MANY, json!({ "inputs": many })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "inputs"), "{body}");

    // A good batch writes every new item; an item submitted before returns its record.
    let mut repeat = note(&a, "batch-earlier", "离线前已提交");
    repeat["recordedAt"] = earlier["recordedAt"].clone();
    let inputs = json!([note(&a, "batch-0", "一"), note(&b, "batch-2", "三"), repeat, note(&a, "batch-4", "五")]);
    let got = app.data("bureau.officer", SUBMIT_MANY, json!({ "inputs": inputs })).await["submitRecords"].clone();
    let got = got.as_array().expect("records");
    assert_eq!(got.len(), 4);
    assert_eq!(got[2]["id"], earlier["id"], "the earlier submission is returned, not repeated");
    assert_eq!(written(&app).await, (rows.0 + 3, rows.1 + 3, rows.2 + 3));
    // Each case's chain takes its records in input order.
    assert_eq!(got[0]["seq"], chain_a.len() as i64 + 1);
    assert_eq!(got[3]["seq"], chain_a.len() as i64 + 2);
    assert_eq!(got[3]["previousHash"], got[0]["hash"]);
    assert_eq!(got[1]["seq"], chain_b.len() as i64 + 1);
    for c in [&a, &b] {
        assert_linked(&chain(&app, c).await);
        assert_eq!(verify(&app, c).await["intact"], true);
    }

    // The whole batch again is a pure retry.
    let rows = written(&app).await;
    let again = app.data("bureau.officer", SUBMIT_MANY, json!({ "inputs": inputs })).await["submitRecords"].clone();
    assert_eq!(&again.as_array().expect("records")[..], got);
    assert_eq!(written(&app).await, rows);
}

#[actix_rt::test]
async fn twenty_simultaneous_retries_make_one_record() {
    let app = TestApp::spawn().await;
    let case_id = a_case(&app, "bureau.officer", json!({})).await;
    let rows = written(&app).await;
    let vars = json!({ "input": note(&case_id, "burst", "同一条记录的 20 次重发") });
    let bodies = join_all((0..20).map(|_| app.gql(Some("bureau.officer"), SUBMIT, vars.clone()))).await;
    let ids: HashSet<String> = bodies
        .iter()
        .map(|b| {
            assert!(b.get("errors").is_none(), "every retry succeeds: {b}");
            b["data"]["submitRecord"]["id"].as_str().expect("id").to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every retry returns the same record");
    assert_eq!(written(&app).await, (rows.0 + 1, rows.1 + 1, rows.2 + 1));
    assert_eq!(verify(&app, &case_id).await["intact"], true);
}

#[actix_rt::test]
async fn concurrent_different_records_on_one_case_keep_the_chain_intact() {
    let app = TestApp::spawn().await;
    let app = &app;
    let cases = app.data("bureau.officer", "{ cases(first: 2) { edges { node { id } } } }", json!({})).await;
    let a = cases["cases"]["edges"][0]["node"]["id"].as_str().expect("a").to_string();
    let b = cases["cases"]["edges"][1]["node"]["id"].as_str().expect("b").to_string();
    let (before_a, before_b) = (chain(app, &a).await.len(), chain(app, &b).await.len());
    let singles = (0..12).map(|i| {
        let vars = json!({ "input": note(&a, &format!("par-{i}"), &format!("并发记录 {i}")) });
        async move { app.gql(Some("bureau.officer"), SUBMIT, vars).await }
    });
    // At the same time, a batch over the same case and another one.
    let batch = async {
        let inputs = json!([note(&b, "par-b0", "批量一"), note(&a, "par-b1", "批量二"), note(&b, "par-b2", "批量三")]);
        app.gql(Some("bureau.officer"), SUBMIT_MANY, json!({ "inputs": inputs })).await
    };
    let (bodies, batch_body) = futures_util::future::join(join_all(singles), batch).await;
    for body in bodies.iter().chain([&batch_body]) {
        assert!(body.get("errors").is_none(), "{body}");
    }
    for (case_id, added) in [(&a, before_a + 13), (&b, before_b + 2)] {
        let after = chain(app, case_id).await;
        assert_eq!(after.len(), added);
        assert_linked(&after);
        let check = verify(app, case_id).await;
        assert_eq!(check, json!({ "intact": true, "length": added, "firstBrokenRecordId": null }));
    }
}

#[actix_rt::test]
async fn one_key_sent_for_two_cases_at_once_makes_one_record() {
    let app = TestApp::spawn().await;
    let app = &app;
    let cases = app.data("bureau.officer", "{ cases(first: 2) { edges { node { id } } } }", json!({})).await;
    let a = cases["cases"]["edges"][0]["node"]["id"].as_str().expect("a").to_string();
    let b = cases["cases"]["edges"][1]["node"]["id"].as_str().expect("b").to_string();
    let rows = written(app).await;
    // Different cases do not wait for each other's lock: on PostgreSQL the loser of the race
    // meets the unique key index, rolls back, and then finds the winner's record.
    let recorded_at = an_hour_ago();
    let sends = (0..20).map(|i| {
        let case_id = if i % 2 == 0 { &a } else { &b };
        let mut input = note(case_id, "contested", "同一个键，两个案件");
        input["recordedAt"] = json!(recorded_at);
        async move { app.gql(Some("bureau.officer"), SUBMIT, json!({ "input": input })).await }
    });
    let bodies = join_all(sends).await;
    let ok: HashSet<String> = bodies
        .iter()
        .filter(|b| b.get("errors").is_none())
        .map(|b| b["data"]["submitRecord"]["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ok.len(), 1, "one record wins: {bodies:?}");
    let conflicts =
        bodies.iter().filter(|b| b.get("errors").is_some()).inspect(|b| assert_eq!(code(b), "CONFLICT")).count();
    assert_eq!(conflicts, 10, "the other case's sends are refused");
    assert_eq!(written(app).await, (rows.0 + 1, rows.1 + 1, rows.2 + 1));
}
