//! Issue 12, finding 7: what a court trainee reads of a followed case holds none of the
//! personal data written into its notes and records, in any spacing or width, nor a
//! witness's name, while an admin reads it all; record ids in the timeline stay whole.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;

const NAME: &str = "朱福";
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13812345678";

/// What the finding saw reach the trainee.
const LEAKS: &[&str] = &[
    "138-1234-5678",
    "138 1234 5678",
    "１１０１０５１９４９１２３１００２Ｘ",
    "朱 福",
    "王小明",
    "某路1号",
    "1101 0519 4912 3100 2X",
];

fn note(what: &str) -> String {
    format!(
        "{what}:当事人朱 福(电话138-1234-5678,又称138 1234 5678,身份证１１０１０５１９４９１２３１００２Ｘ,\
         另写作1101 0519 4912 3100 2X),住址北岙街道某路1号;证人王小明在场。"
    )
}

const READ: &str = r#"query($id: ID!) { case(id: $id) { title facts timeline { kind detail }
  records(first: 20) { edges { node { id content } } } } }"#;

async fn user_id(app: &TestApp, login: &str) -> Value {
    let q = r#"query($s: String) { users(first: 5, filter: {search: $s}) { edges { node { id login } } } }"#;
    let data = app.data("admin", q, json!({"s": login})).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["login"] == login).map(|e| e["node"]["id"].clone()).expect("user")
}

async fn followed_case(app: &TestApp) -> Value {
    let q = r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#;
    let matter = app.data("bureau.officer", q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone();
    let q = r#"{ users(first: 100, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id department { code } } } } }"#;
    let data = app.data("bureau.officer", q, json!({})).await;
    let officers: Vec<Value> = data["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["department"]["code"] == "bureau")
        .take(2)
        .map(|e| e["node"]["id"].clone())
        .collect();
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id version } }"#;
    let input = json!({
        "title": "占道经营案", "procedure": "GENERAL", "matterCode": matter,
        "party": { "kind": "PERSON", "name": NAME, "idNumber": ID_NUMBER, "phone": PHONE, "address": "北岙街道中心街12号" },
        "occurredAt": (Utc::now() - Duration::days(3)).to_rfc3339(),
        "facts": note("事实"),
        "officerIds": officers,
    });
    let id = app.data("bureau.officer", file, json!({"input": input})).await["fileCase"]["id"].clone();
    let update = r#"mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version } }"#;
    app.data("bureau.officer", update, json!({"id": id, "v": 1, "input": {"note": note("更正")}})).await;
    let submit = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id } }"#;
    for (k, text) in [note("询问笔录"), note("现场检查")].into_iter().enumerate() {
        let recorded_at = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let record = json!({ "idempotencyKey": format!("masking-{k}"), "caseId": id, "kind": "NOTE",
                             "content": text, "recordedAt": recorded_at });
        app.data("bureau.officer", submit, json!({"input": record})).await;
    }
    let enroll = r#"mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }"#;
    app.data("admin", enroll, json!({"c": id, "t": user_id(app, "court.trainee").await})).await;
    id
}

/// UUIDs (8-4-4-4-12 hex) in `text`.
fn uuids(text: &str) -> Vec<String> {
    let cs: Vec<char> = text.chars().collect();
    (0..cs.len().saturating_sub(35))
        .map(|i| cs[i..i + 36].iter().collect::<String>())
        .filter(|s| uuid::Uuid::parse_str(s).is_ok() && s.chars().filter(|c| *c == '-').count() == 4)
        .collect()
}

#[actix_rt::test]
async fn a_trainee_reads_none_of_the_personal_data_an_admin_reads_in_full() {
    let app = TestApp::spawn().await;
    let id = followed_case(&app).await;

    let admin = app.data("admin", READ, json!({"id": id})).await.to_string();
    for leak in LEAKS {
        assert!(admin.contains(leak), "the admin reads {leak} in full: {admin}");
    }
    let trainee = app.data("court.trainee", READ, json!({"id": id})).await;
    let seen = trainee.to_string();
    for leak in LEAKS.iter().chain(&[NAME, PHONE, ID_NUMBER, "1234", "5678"]) {
        assert!(!seen.contains(leak), "the trainee reads {leak}: {seen}");
    }
    assert!(seen.contains("北岙街道"), "the street stays: {seen}");
    let records = trainee["case"]["records"]["edges"].as_array().expect("records");
    assert_eq!(records.len(), 2, "{seen}");
    let timeline = trainee["case"]["timeline"].to_string();
    let admin_ids = uuids(&app.data("admin", READ, json!({"id": id})).await["case"]["timeline"].to_string());
    assert!(!admin_ids.is_empty(), "the timeline names records");
    for uuid in admin_ids {
        assert!(timeline.contains(&uuid), "record id {uuid} whole in the trainee's timeline: {timeline}");
    }
}

/// The same pass over `caseEvents`: an update's note reaches the trainee's socket anonymised
/// and the admin's whole, through a real `graphql-transport-ws` client.
#[actix_rt::test]
async fn a_trainee_subscribed_to_case_events_reads_the_notes_anonymised() {
    use crate::support::ws;

    let app = TestApp::spawn().await;
    let id = followed_case(&app).await;
    let subscription = r#"subscription($id: ID!) { caseEvents(filter: {caseId: $id}) { kind detail } }"#;
    let mut sockets = Vec::new();
    for login in ["court.trainee", "admin"] {
        let mut socket = ws::connect(&app, &app.token(login), "graphql-transport-ws").await;
        let start =
            json!({"id": "1", "type": "subscribe", "payload": {"query": subscription, "variables": {"id": id}}});
        ws::send(&mut socket, start).await;
        sockets.push(socket);
    }
    // A subscription registers a moment after its `subscribe`: update until each socket has
    // received an update's event (every update carries the same kind of note).
    let update = r#"mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version } }"#;
    let mut received: Vec<Option<String>> = vec![None, None];
    for _ in 0..20 {
        let read = app.data("admin", "query($id: ID!) { case(id: $id) { version } }", json!({"id": id})).await;
        let v = read["case"]["version"].clone();
        app.data("bureau.officer", update, json!({"id": id, "v": v, "input": {"note": note("补充")}})).await;
        for (socket, got) in sockets.iter_mut().zip(received.iter_mut()) {
            while let Some(msg) = ws::next(socket, 1).await {
                if got.is_none() && msg["id"] == "1" && msg["type"] == "next" {
                    let event = &msg["payload"]["data"]["caseEvents"];
                    assert_eq!(event["kind"], "UPDATED", "{event}");
                    *got = Some(event["detail"].to_string());
                }
            }
        }
        if received.iter().all(Option::is_some) {
            break;
        }
    }
    let received: Vec<String> = received.into_iter().map(|r| r.expect("an update's event on each socket")).collect();
    let (trainee, admin) = (&received[0], &received[1]);
    for leak in LEAKS {
        assert!(admin.contains(leak), "the admin reads {leak} in full: {admin}");
        assert!(!trainee.contains(leak), "the trainee's socket carries {leak}: {trainee}");
    }
    for leak in [NAME, PHONE, ID_NUMBER, "1234", "5678"] {
        assert!(!trainee.contains(leak), "the trainee's socket carries {leak}: {trainee}");
    }
    assert!(trainee.contains("北岙街道"), "the street stays: {trainee}");
}
