//! The timeline's `detail` for a court trainee: one typed shape per event kind, anonymised
//! field by field, so every detail is valid JSON with no party data, and the ids of records
//! and transfers and the amounts stay whole (issue 10).

use chrono::{Duration, SecondsFormat, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::support::TestApp;

const NAME: &str = "钱多多";
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13805770001";
const ADDRESS: &str = "北岙街道中心街12号";

const TIMELINE: &str = r#"query($id: ID!) { case(id: $id) { caseNo party { name idNumber creditCode phone address }
  timeline { kind detail } } }"#;

const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {
  transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) { id version } }"#;

/// Free text an officer might well write, quoting the party's data.
fn gossip(what: &str) -> String {
    format!("{what}:{NAME}(身份证{ID_NUMBER},电话{PHONE},住{ADDRESS})")
}

async fn user_id(app: &TestApp, login: &str) -> Value {
    let q = r#"query($s: String) { users(first: 5, filter: {search: $s}) { edges { node { id login } } } }"#;
    let data = app.data("admin", q, json!({"s": login})).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["login"] == login).map(|e| e["node"]["id"].clone()).expect("user")
}

async fn department_id(app: &TestApp, code: &str) -> Value {
    let data = app.data("admin", "{ departments { id code } }", json!({})).await;
    let all = data["departments"].as_array().expect("departments");
    all.iter().find(|d| d["code"] == code).map(|d| d["id"].clone()).expect("department")
}

async fn two_certified_bureau_officers(app: &TestApp) -> Vec<Value> {
    let q = r#"{ users(first: 100, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id department { code } } } } }"#;
    let data = app.data("bureau.officer", q, json!({})).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges
        .iter()
        .filter(|e| e["node"]["department"]["code"] == "bureau")
        .take(2)
        .map(|e| e["node"]["id"].clone())
        .collect()
}

/// A transition that must succeed; returns the case's new version.
async fn step(app: &TestApp, id: &Value, version: i64, action: &str, input: Value) -> i64 {
    let body =
        app.gql(Some("bureau.officer"), MOVE, json!({"id": id, "v": version, "action": action, "input": input})).await;
    assert!(body.get("errors").is_none(), "{action}: {body}");
    body["data"]["transitionCase"]["version"].as_i64().expect("version")
}

/// A bureau case that went through every kind of event, its notes and the transfer's reason
/// full of the party's data; returns its id.
async fn a_case_with_every_kind_of_event(app: &TestApp) -> Value {
    let q = r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#;
    let matter = app.data("bureau.officer", q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone();
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id version } }"#;
    let input = json!({
        "title": "占道经营案", "procedure": "GENERAL", "matterCode": matter,
        "party": { "kind": "PERSON", "name": NAME, "idNumber": ID_NUMBER, "phone": PHONE, "address": ADDRESS },
        "occurredAt": (Utc::now() - Duration::days(3)).to_rfc3339(),
        "facts": "当事人在北岙街道中心街占道经营,经劝导拒不改正。",
        "officerIds": two_certified_bureau_officers(app).await,
    });
    let filed = app.data("bureau.officer", file, json!({"input": input})).await["fileCase"].clone();
    let id = filed["id"].clone();

    let update = r#"mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version } }"#;
    let input = json!({"location": "北岙街道中心街", "note": gossip("当事人要求更正地点")});
    let v =
        app.data("bureau.officer", update, json!({"id": id, "v": 1, "input": input})).await["updateCase"]["version"]
            .as_i64()
            .expect("version");
    let v = step(app, &id, v, "INVESTIGATE", json!({"note": gossip("立案调查")})).await;

    let submit = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id } }"#;
    let recorded_at = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let record = json!({ "idempotencyKey": "event-detail-1", "caseId": id, "kind": "NOTE",
                         "content": gossip("询问"), "recordedAt": recorded_at });
    app.data("bureau.officer", submit, json!({"input": record})).await;

    // Handed to the town, which sends it back with a reason naming the party.
    let request = r#"mutation($input: RequestTransferInput!) { requestTransfer(input: $input) { id } }"#;
    let input = json!({ "toDepartmentId": department_id(app, "town-beiao").await, "category": "OTHER",
                        "subject": "占道经营（属地移交）", "facts": "属街道赋权事项,移交属地处理。", "caseId": id });
    let transfer = app.data("bureau.officer", request, json!({"input": input})).await["requestTransfer"]["id"].clone();
    let reject = r#"mutation($id: ID!, $reason: String!) { rejectTransfer(id: $id, reason: $reason) { status } }"#;
    app.data("town.beiao", reject, json!({"id": transfer, "reason": gossip("非本街道管辖")})).await;

    let v = step(app, &id, v, "SERVE_NOTICE", json!({"fineAmount": "5000", "note": gossip("送达告知书")})).await;
    let v = step(app, &id, v, "RECORD_STATEMENT", json!({"note": gossip("陈述申辩")})).await;
    step(app, &id, v, "DECIDE", json!({"fineAmount": "4800.50"})).await;
    id
}

async fn enrol(app: &TestApp, case_id: &Value) {
    let enroll = r#"mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }"#;
    app.data("admin", enroll, json!({"c": case_id, "t": user_id(app, "court.trainee").await})).await;
}

/// The trainee's timeline of `case_id` against the admin's: every detail is JSON, names none of
/// the party's data, and keeps ids and amounts as they are. Returns the trainee's details.
async fn check_timeline(app: &TestApp, case_id: &Value) -> Vec<Value> {
    let admin = app.data("admin", TIMELINE, json!({"id": case_id})).await["case"].clone();
    let trainee = app.data("court.trainee", TIMELINE, json!({"id": case_id})).await["case"].clone();
    let party = &admin["party"];
    let secrets: Vec<&str> = ["name", "idNumber", "creditCode", "phone", "address"]
        .iter()
        .filter_map(|k| party[*k].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(!secrets.is_empty());
    let (seen, full) =
        (trainee["timeline"].as_array().expect("timeline"), admin["timeline"].as_array().expect("timeline"));
    assert_eq!(seen.len(), full.len());
    let mut details = Vec::new();
    for (seen, full) in seen.iter().zip(full) {
        let text = seen["detail"].as_str().expect("detail");
        let detail: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        let original: Value = serde_json::from_str(full["detail"].as_str().expect("detail")).expect("admin's is JSON");
        for secret in &secrets {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        for key in [
            "recordId",
            "correctsRecordId",
            "transferId",
            "resultingCaseId",
            "fineAmount",
            "noticeFineAmount",
            "caseNo",
        ] {
            assert_eq!(detail.get(key), original.get(key), "{key} of {text}");
        }
        if let Some(id) = detail["recordId"].as_str() {
            assert!(uuid::Uuid::parse_str(id).is_ok(), "a whole record id: {text}");
        }
        details.push(detail);
    }
    details
}

#[actix_rt::test]
async fn a_court_trainee_reads_every_detail_as_json_without_the_party() {
    let app = TestApp::spawn().await;
    let id = a_case_with_every_kind_of_event(&app).await;
    enrol(&app, &id).await;

    let details = check_timeline(&app, &id).await;
    let kinds: Vec<&str> = details
        .iter()
        .map(|d| {
            if d.get("action").is_some() {
                "T"
            } else if d.get("recordId").is_some() {
                "R"
            } else {
                "O"
            }
        })
        .collect();
    assert!(kinds.contains(&"T") && kinds.contains(&"R"), "{details:?}");
    // Free text is anonymised, not dropped; amounts are yuan strings.
    let notes: Vec<&str> = details.iter().filter_map(|d| d["note"].as_str().or(d["reason"].as_str())).collect();
    assert_eq!(
        notes.len(),
        5,
        "update, investigation, rejection, notice and statement (the decision has none): {details:?}"
    );
    assert!(notes.iter().all(|n| n.contains("钱某")), "{notes:?}");
    let decided = details.iter().find(|d| d["action"] == "DECIDE").expect("DECIDE");
    assert_eq!(decided["fineAmount"], "4800.50");
    let notice = details.iter().find(|d| d["action"] == "SERVE_NOTICE").expect("SERVE_NOTICE");
    assert_eq!(notice["noticeFineAmount"], "5000.00");
    assert!(details.iter().any(|d| d["status"] == "REJECTED" && d["transferId"].is_string()));
}

#[actix_rt::test]
async fn the_demo_cases_a_trainee_follows_read_as_json_with_whole_record_ids() {
    let app = TestApp::spawn().await;
    let q = "{ cases(first: 100) { edges { node { id } } } }";
    let followed = app.data("court.trainee", q, json!({})).await["cases"]["edges"].clone();
    let followed = followed.as_array().expect("edges");
    assert!(!followed.is_empty(), "the demo enrols the trainee");
    for case in followed {
        let details = check_timeline(&app, &case["node"]["id"]).await;
        assert!(details.iter().any(|d| d["recordId"].is_string()), "demo cases have records: {details:?}");
        assert!(details.iter().any(|d| d["fineAmount"].is_string()), "and decided fines: {details:?}");
    }

    // A row stored before the one shape (the demo once wrote fen) still reads, as yuan.
    let case_no = app.data("admin", TIMELINE, json!({"id": followed[0]["node"]["id"]})).await["case"]["caseNo"].clone();
    let case = entity::case::Entity::find()
        .filter(entity::case::Column::CaseNo.eq(case_no.as_str().expect("caseNo")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("case");
    entity::case_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        case_id: Set(case.id),
        kind: Set(entity::enums::CaseEventKind::Transitioned),
        at: Set(Utc::now()),
        actor_id: Set(None),
        transfer_id: Set(None),
        record_id: Set(None),
        case_version: Set(case.version),
        detail: Set(
            r#"{"action":"SERVE_NOTICE","from":"INVESTIGATING","to":"NOTICE_SERVED","noticeFineFen":123456789}"#.into(),
        ),
    }
    .insert(&app.db)
    .await
    .expect("insert an old row");
    let details = check_timeline(&app, &followed[0]["node"]["id"]).await;
    let old = details.last().expect("the old row");
    assert_eq!(old["noticeFineAmount"], "1234567.89", "{old}");
}
