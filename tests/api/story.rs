//! The forestry story of the 2023 report, run through the API as the people involved would:
//! natural resources transfers 37 forestry cases; the bureau accepts, investigates, serves
//! notice, has the major ones legally reviewed, decides and delivers; natural resources
//! watches each result; a court trainee follows two of them, anonymised.

use serde_json::{Value, json};

use crate::support::{TestApp, code};

const REQUEST: &str =
    r#"mutation($input: RequestTransferInput!) { requestTransfer(input: $input) { id status answerDue } }"#;
const ACCEPT: &str = r#"mutation($id: ID!, $input: AcceptTransferInput) { acceptTransfer(id: $id, input: $input) {
  status resultingCase { id version status caseNo } } }"#;
const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {
  transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) { id version status major } }"#;
const RECORD: &str = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id hash } }"#;

async fn step(app: &TestApp, login: &str, case: &mut Value, action: &str, input: Value) {
    let body = app
        .gql(Some(login), MOVE, json!({"id": case["id"], "v": case["version"], "action": action, "input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{action}: {body}");
    *case = body["data"]["transitionCase"].clone();
}

#[actix_rt::test]
async fn the_forestry_transfers_of_2023_from_request_to_delivered_decision() {
    let app = TestApp::spawn().await;
    let forestry = app
        .data(
            "nr.liaison",
            r#"{ matters(first: 5, filter: {domain: "林业"}) { edges { node { code name } } } }"#,
            json!({}),
        )
        .await;
    let matter = forestry["matters"]["edges"][0]["node"]["code"].as_str().expect("a forestry matter").to_string();
    let bureau = app.data("nr.liaison", "{ departments { id code } }", json!({})).await["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["code"] == "bureau")
        .expect("the bureau")["id"]
        .clone();
    let officers: Vec<Value> = app
        .data(
            "bureau.officer",
            "{ users(first: 100, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id } } } }",
            json!({}),
        )
        .await["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .take(2)
        .map(|e| e["node"]["id"].clone())
        .collect();

    // 1. Natural resources transfers 37 forestry cases (林业督查).
    let mut transfers = Vec::new();
    for i in 0..37 {
        let party = if i % 3 == 0 {
            json!({"kind": "ORGANIZATION", "name": format!("洞头{i}号林场有限公司")})
        } else {
            json!({"kind": "PERSON", "name": format!("林{i}")})
        };
        let input = json!({
            "toDepartmentId": bureau, "category": "FORESTRY", "matterCode": matter,
            "subject": format!("林业督查图斑{i:02}:擅自改变林地用途"), "facts": "卫片执法发现林地被硬化,面积约0.2亩。",
            "party": party
        });
        let body = app.gql(Some("nr.liaison"), REQUEST, json!({"input": input})).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["requestTransfer"]["status"], "PENDING");
        transfers.push(body["data"]["requestTransfer"]["id"].clone());
    }

    // 2. The bureau accepts each: its own case is filed in the same transaction.
    let mut cases = Vec::new();
    for t in &transfers {
        let body = app
            .gql(
                Some("bureau.officer"),
                ACCEPT,
                json!({"id": t, "input": {"officerIds": officers, "note": "予以受理"}}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let accepted = &body["data"]["acceptTransfer"];
        assert_eq!(accepted["status"], "ACCEPTED");
        assert_eq!(accepted["resultingCase"]["status"], "FILED");
        cases.push(accepted["resultingCase"].clone());
    }

    // 3. Investigation, field records, notice, review of the major ones, decision, delivery.
    for (i, case) in cases.iter_mut().enumerate() {
        step(&app, "bureau.officer", case, "INVESTIGATE", json!({})).await;
        let record = json!({"input": {
            "idempotencyKey": format!("forestry-{i}-inspection"), "caseId": case["id"], "kind": "INSPECTION",
            "content": "现场勘验:林地被硬化约0.2亩,拍照取证。", "recordedAt": chrono::Utc::now().to_rfc3339()
        }});
        let body = app.gql(Some("bureau.officer"), RECORD, record).await;
        assert!(body.get("errors").is_none(), "{body}");
        let case_version = app
            .data("bureau.officer", "query($id: ID!) { case(id: $id) { version } }", json!({"id": case["id"]}))
            .await;
        case["version"] = case_version["case"]["version"].clone();

        // Every sixth case is major: a hearing-level fine, hearing waived, legal review.
        let major = i % 6 == 0;
        let fine = if major { "120000" } else { "3000" };
        step(&app, "bureau.officer", case, "SERVE_NOTICE", json!({"fineAmount": fine})).await;
        // R3+: the party's statement and defence, recorded so the decision need not wait.
        step(&app, "bureau.officer", case, "RECORD_STATEMENT", json!({"note": "当事人陈述申辩,无新证据"})).await;
        if major {
            assert_eq!(case["major"], true);
            step(&app, "bureau.officer", case, "WAIVE_HEARING", json!({"note": "当事人放弃听证"})).await;
            step(&app, "bureau.officer", case, "SUBMIT_FOR_REVIEW", json!({})).await;
            step(&app, "bureau.reviewer", case, "APPROVE_REVIEW", json!({"note": "事实清楚,证据确凿"})).await;
        }
        step(&app, "bureau.officer", case, "DECIDE", json!({"fineAmount": fine})).await;
        step(&app, "bureau.officer", case, "DELIVER", json!({})).await;
        assert_eq!(case["status"], "DELIVERED");
    }

    // 4. Natural resources sees every result without a phone call.
    let q = r#"query($after: String) { transfers(first: 100, after: $after, filter: {category: FORESTRY, status: [ACCEPTED]}) {
        edges { node { id resultingCase { status fineAmount decidedAt timeline { kind } } } } } }"#;
    let seen = app.data("nr.liaison", q, json!({})).await;
    let ours: Vec<&Value> = seen["transfers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| transfers.contains(&e["node"]["id"]))
        .collect();
    assert_eq!(ours.len(), 37);
    for e in ours {
        let c = &e["node"]["resultingCase"];
        assert_eq!(c["status"], "DELIVERED", "{c}");
        assert!(c["fineAmount"].is_string() && c["decidedAt"].is_string());
        let kinds: Vec<&str> =
            c["timeline"].as_array().expect("timeline").iter().map(|k| k["kind"].as_str().expect("kind")).collect();
        assert!(
            kinds.contains(&"FILED") && kinds.contains(&"RECORD_SUBMITTED") && kinds.contains(&"TRANSITIONED"),
            "{kinds:?}"
        );
    }

    // 5. A court trainee follows two of them, anonymised and read-only.
    let trainee = app
        .data("admin", r#"{ users(first: 5, filter: {search: "court.trainee"}) { edges { node { id } } } }"#, json!({}))
        .await["users"]["edges"][0]["node"]["id"]
        .clone();
    let enroll = r#"mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }"#;
    for case in &cases[..2] {
        let body = app.gql(Some("admin"), enroll, json!({"c": case["id"], "t": trainee})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let q = r#"query($id: ID!) { case(id: $id) { title party { name idNumber } records(first: 5) { edges { node { content } } } timeline { kind detail } } }"#;
    for (i, case) in cases[..2].iter().enumerate() {
        let seen = app.data("court.trainee", q, json!({"id": case["id"]})).await;
        let name = seen["case"]["party"]["name"].as_str().expect("name");
        assert!(name.contains('某'), "anonymised: {name}");
        let real = if i % 3 == 0 { format!("洞头{i}号林场有限公司") } else { format!("林{i}") };
        assert!(!seen.to_string().contains(&real), "no real party name anywhere: {seen}");
    }
    let body = app.gql(Some("court.trainee"), MOVE, json!({"id": cases[0]["id"], "v": 1, "action": "CLOSE"})).await;
    assert_eq!(code(&body), "FORBIDDEN", "read-only: {body}");
    let body =
        app.gql(Some("court.trainee"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": cases[5]["id"]})).await;
    assert_eq!(code(&body), "NOT_FOUND", "not enrolled: {body}");
}
