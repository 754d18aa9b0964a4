//! Transfers: request, accept, reject, return, withdraw; who may do each; R8; T7's overdue list.

use entity::enums::CaseEventKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field};

const TRANSFER: &str = "id status category subject facts matterCode reason note answerDue overdue requestedAt
    answeredAt fromDepartment { code } toDepartment { code } case { id status version }
    resultingCase { id caseNo status procedure title town matterCode department { code } officers { login } }";

fn request_mutation() -> String {
    format!("mutation($input: RequestTransferInput!) {{ requestTransfer(input: $input) {{ {TRANSFER} }} }}")
}

fn accept_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: AcceptTransferInput) {{ acceptTransfer(id: $id, input: $input) {{ {TRANSFER} }} }}"
    )
}

fn reject_mutation() -> String {
    format!("mutation($id: ID!, $reason: String!) {{ rejectTransfer(id: $id, reason: $reason) {{ {TRANSFER} }} }}")
}

fn return_mutation() -> String {
    format!("mutation($id: ID!, $reason: String!) {{ returnTransfer(id: $id, reason: $reason) {{ {TRANSFER} }} }}")
}

fn withdraw_mutation() -> String {
    format!("mutation($id: ID!) {{ withdrawTransfer(id: $id) {{ {TRANSFER} }} }}")
}

/// A valid GB 11643 ID number (check character 0).
const ID_NUMBER: &str = "330322199001011230";

async fn department_id(app: &TestApp, code: &str) -> Value {
    let data = app.data("admin", "{ departments { id code } }", json!({})).await;
    data["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no department {code}"))["id"]
        .clone()
}

/// A forestry lead from natural resources to the bureau, with its party.
async fn forestry_input(app: &TestApp) -> Value {
    json!({
        "toDepartmentId": department_id(app, "bureau").await,
        "category": "FORESTRY",
        "subject": "林业督查图斑核查：大门镇观音礁村疑似擅自改变林地用途",
        "facts": "经林业督查遥感图斑核查，当事人陈某平在大门镇观音礁村擅自改变林地用途约300平方米，现将线索移交贵局依法查处。",
        "party": { "kind": "PERSON", "name": "陈某平", "idNumber": ID_NUMBER, "phone": "13800000000" },
        "matterCode": "LY-001",
    })
}

/// nr.liaison requests a forestry transfer; returns the transfer.
async fn request_forestry(app: &TestApp) -> Value {
    let input = forestry_input(app).await;
    app.data("nr.liaison", &request_mutation(), json!({ "input": input })).await["requestTransfer"].clone()
}

async fn accept(app: &TestApp, login: &str, id: &Value, input: Value) -> Value {
    app.gql(Some(login), &accept_mutation(), json!({ "id": id, "input": input })).await
}

async fn case_of(app: &TestApp, login: &str, id: &Value) -> Value {
    let q =
        "query($id: ID!) { case(id: $id) { id caseNo status version department { code } transfers { id status } } }";
    app.data(login, q, json!({ "id": id })).await["case"].clone()
}

fn number_of(case_no: &str) -> (String, i32, u32) {
    let (prefix, rest) = case_no.split_once("罚〔").unwrap_or_else(|| panic!("case number {case_no}"));
    let (year, rest) = rest.split_once('〕').expect("year");
    let n = rest.trim_end_matches('号');
    (prefix.to_string(), year.parse().expect("year"), n.parse().expect("number"))
}

/// Every case number of a department (admin's view).
async fn case_numbers(app: &TestApp, department: &Value) -> Vec<String> {
    let q = r#"query($first: Int, $after: String, $filter: CaseFilter) {
        cases(first: $first, after: $after, filter: $filter) {
            pageInfo { hasNextPage endCursor } edges { node { caseNo } } } }"#;
    let nodes = app.all_nodes("admin", q, "cases", json!({ "filter": { "departmentId": department } }), 100).await;
    nodes.iter().map(|n| n["caseNo"].as_str().expect("caseNo").to_string()).collect()
}

#[actix_rt::test]
async fn a_forestry_lead_accepted_by_the_bureau_files_a_bureau_case_the_sender_can_read() {
    let app = TestApp::spawn().await;
    let t = request_forestry(&app).await;
    assert_eq!(t["status"], "PENDING");
    assert_eq!(t["fromDepartment"]["code"], "natural-resources");
    assert_eq!(t["toDepartment"]["code"], "bureau");
    assert_eq!(t["matterCode"], "LY-001");
    assert!(t["answerDue"].is_string() && t["overdue"] == false && t["resultingCase"].is_null(), "{t}");

    let body = accept(&app, "bureau.officer", &t["id"], json!({ "note": "已受理，立案查处" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let done = &body["data"]["acceptTransfer"];
    assert_eq!(done["status"], "ACCEPTED");
    assert_eq!(done["note"], "已受理，立案查处");
    assert!(done["answeredAt"].is_string());
    let case = &done["resultingCase"];
    assert_eq!(case["status"], "FILED");
    assert_eq!(case["procedure"], "GENERAL");
    assert_eq!(case["department"]["code"], "bureau");
    assert_eq!(case["title"], t["subject"]);
    assert_eq!(case["matterCode"], "LY-001");
    assert_eq!(case["officers"], json!([{ "login": "bureau.officer" }]));

    // The next number of the bureau's own series for the year: no gap, no duplicate.
    let (prefix, year, n) = number_of(case["caseNo"].as_str().expect("caseNo"));
    let bureau = department_id(&app, "bureau").await;
    let numbers = case_numbers(&app, &bureau).await;
    let same_year: Vec<(String, i32, u32)> =
        numbers.iter().map(|no| number_of(no)).filter(|(_, y, m)| *y == year && *m != n).collect();
    assert!(same_year.iter().all(|(p, _, _)| *p == prefix), "the bureau's prefix");
    assert_eq!(n, same_year.iter().map(|(_, _, m)| *m).max().unwrap_or(0) + 1);
    assert_eq!(numbers.iter().filter(|no| **no == case["caseNo"]).count(), 1);

    // The sender keeps read access to the transfer and the case it became.
    let seen = case_of(&app, "nr.liaison", &case["id"]).await;
    assert_eq!(seen["status"], "FILED");
    assert_eq!(seen["transfers"], json!([{ "id": t["id"], "status": "ACCEPTED" }]));
    let q = "query($id: ID!) { node(id: $id) { ... on Transfer { status resultingCase { id status } } } }";
    let node = app.data("nr.liaison", q, json!({ "id": t["id"] })).await;
    assert_eq!(node["node"]["resultingCase"]["id"], case["id"]);

    // The timeline of the new case: filed from the transfer, and the answer.
    let case_key = transfer_case_key(&app, &t["id"]).await;
    let kinds: Vec<(CaseEventKind, bool)> = entity::case_event::Entity::find()
        .filter(entity::case_event::Column::CaseId.eq(case_key))
        .order_by_asc(entity::case_event::Column::Id)
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.kind, e.transfer_id.is_some()))
        .collect();
    assert_eq!(kinds, vec![(CaseEventKind::Filed, true), (CaseEventKind::TransferAnswered, true)]);
}

/// The resulting case's key, read from the database.
async fn transfer_case_key(app: &TestApp, id: &Value) -> uuid::Uuid {
    let key = decode(id);
    let t = entity::transfer::Entity::find_by_id(key).one(&app.db).await.expect("query").expect("transfer");
    t.resulting_case_id.expect("resulting case")
}

fn decode(id: &Value) -> uuid::Uuid {
    let (_, key) = casebridge::graphql::ids::decode_any(id.as_str().expect("id"), "id").expect("an ID");
    key
}

#[actix_rt::test]
async fn reject_and_return_need_a_reason_and_end_the_transfer() {
    let app = TestApp::spawn().await;
    let first = request_forestry(&app).await;
    let second = request_forestry(&app).await;

    for reason in ["", "   "] {
        let body =
            app.gql(Some("bureau.officer"), &reject_mutation(), json!({ "id": first["id"], "reason": reason })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "reason"), "{body}");
        let body =
            app.gql(Some("bureau.officer"), &return_mutation(), json!({ "id": first["id"], "reason": reason })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "reason"), "{body}");
    }

    let reason = "不属于本局管辖，请移送森林公安";
    let rejected = app.data("bureau.officer", &reject_mutation(), json!({ "id": first["id"], "reason": reason })).await;
    assert_eq!(rejected["rejectTransfer"]["status"], "REJECTED");
    assert_eq!(rejected["rejectTransfer"]["reason"], reason);
    assert!(rejected["rejectTransfer"]["resultingCase"].is_null());

    let returned = app
        .data("bureau.officer", &return_mutation(), json!({ "id": second["id"], "reason": "缺少现场勘验照片" }))
        .await;
    assert_eq!(returned["returnTransfer"]["status"], "RETURNED");
    assert_eq!(returned["returnTransfer"]["reason"], "缺少现场勘验照片");

    // All four end states are final: every further move is CONFLICT.
    for t in [&first, &second] {
        let body = accept(&app, "bureau.officer", &t["id"], json!({})).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
        let body =
            app.gql(Some("bureau.officer"), &reject_mutation(), json!({ "id": t["id"], "reason": "再拒" })).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
        let body =
            app.gql(Some("bureau.officer"), &return_mutation(), json!({ "id": t["id"], "reason": "再退" })).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
        let body = app.gql(Some("nr.liaison"), &withdraw_mutation(), json!({ "id": t["id"] })).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
    }

    // The sender may send a new request after a return.
    let again = request_forestry(&app).await;
    assert_eq!(again["status"], "PENDING");
}

#[actix_rt::test]
async fn only_the_sender_withdraws_and_an_accepted_transfer_cannot_move_again() {
    let app = TestApp::spawn().await;
    let t = request_forestry(&app).await;

    let body = app.gql(Some("bureau.officer"), &withdraw_mutation(), json!({ "id": t["id"] })).await;
    assert_eq!(code(&body), "FORBIDDEN", "the receiver does not withdraw: {body}");
    let body = app.gql(Some("housing.liaison"), &withdraw_mutation(), json!({ "id": t["id"] })).await;
    assert_eq!(code(&body), "NOT_FOUND", "another department does not even see it: {body}");

    let withdrawn = app.data("nr.liaison", &withdraw_mutation(), json!({ "id": t["id"] })).await;
    assert_eq!(withdrawn["withdrawTransfer"]["status"], "WITHDRAWN");
    let body = app.gql(Some("nr.liaison"), &withdraw_mutation(), json!({ "id": t["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let body = accept(&app, "bureau.officer", &t["id"], json!({})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");

    let other = request_forestry(&app).await;
    let body = accept(&app, "bureau.officer", &other["id"], json!({})).await;
    assert_eq!(body["data"]["acceptTransfer"]["status"], "ACCEPTED", "{body}");
    let body = accept(&app, "bureau.officer", &other["id"], json!({})).await;
    assert_eq!(code(&body), "CONFLICT", "accepting an ACCEPTED transfer: {body}");
    let body = app.gql(Some("nr.liaison"), &withdraw_mutation(), json!({ "id": other["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "withdrawing an ACCEPTED transfer: {body}");
}

#[actix_rt::test]
async fn only_the_receiving_department_answers_and_an_unseen_transfer_is_not_found() {
    let app = TestApp::spawn().await;
    let t = request_forestry(&app).await;

    // Sees it, may not answer it: FORBIDDEN.
    for login in ["nr.liaison", "bureau.reviewer", "admin"] {
        let body = accept(&app, login, &t["id"], json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
        let body = app.gql(Some(login), &reject_mutation(), json!({ "id": t["id"], "reason": "不属于" })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    // Does not see it: NOT_FOUND, never FORBIDDEN.
    for login in ["housing.liaison", "town.beiao", "court.trainee", "dashboard"] {
        let body = accept(&app, login, &t["id"], json!({})).await;
        assert_eq!(code(&body), "NOT_FOUND", "{login}: {body}");
        let body = app.gql(Some(login), &return_mutation(), json!({ "id": t["id"], "reason": "材料不全" })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{login}: {body}");
    }
    let unknown = casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Transfer, uuid::Uuid::new_v4());
    let body = accept(&app, "bureau.officer", &json!(unknown.to_string()), json!({})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // Only liaisons and bureau or town officers request transfers.
    let input = forestry_input(&app).await;
    for login in ["dashboard", "court.trainee", "bureau.reviewer"] {
        let body = app.gql(Some(login), &request_mutation(), json!({ "input": input })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }

    // The transfer is still PENDING after all that.
    let q = "query($id: ID!) { node(id: $id) { ... on Transfer { status } } }";
    assert_eq!(app.data("bureau.officer", q, json!({ "id": t["id"] })).await["node"]["status"], "PENDING");
}

#[actix_rt::test]
async fn a_request_is_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let good = forestry_input(&app).await;
    let bad = |path: &str, value: Value| {
        let mut input = good.clone();
        match path.split_once('.') {
            Some((outer, inner)) => input[outer][inner] = value,
            None if value.is_null() => {
                input.as_object_mut().expect("object").remove(path);
            }
            None => input[path] = value,
        }
        input
    };
    let nr = department_id(&app, "natural-resources").await;
    let nowhere =
        casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Department, uuid::Uuid::new_v4()).to_string();
    let cases = [
        (bad("party.idNumber", json!("330322199001011234")), "party.idNumber"),
        (bad("party.name", json!(" ")), "party.name"),
        (bad("party", Value::Null), "party"),
        (bad("subject", json!("  ")), "subject"),
        (bad("subject", json!("长".repeat(201))), "subject"),
        (bad("facts", json!("")), "facts"),
        (bad("toDepartmentId", nr), "toDepartmentId"),
        (bad("toDepartmentId", json!(nowhere)), "toDepartmentId"),
        (bad("toDepartmentId", json!("garbage")), "toDepartmentId"),
        (bad("matterCode", json!("NO-SUCH")), "matterCode"),
    ];
    for (input, want) in cases {
        let body = app.gql(Some("nr.liaison"), &request_mutation(), json!({ "input": input })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", want), "{body}");
    }
    // Nothing was written by the refused requests: a good one then adds exactly one.
    let before = entity::transfer::Entity::find().count(&app.db).await.expect("count");
    request_forestry(&app).await;
    let after = entity::transfer::Entity::find().count(&app.db).await.expect("count");
    assert_eq!(after, before + 1);
    let parties = entity::party::Entity::find().filter(entity::party::Column::Name.eq("陈某平")).count(&app.db).await;
    assert_eq!(parties.expect("count"), 1, "no party row from a refused request");
}

#[actix_rt::test]
async fn r8_a_case_that_came_by_transfer_is_not_transferred_on() {
    let app = TestApp::spawn().await;
    let t = request_forestry(&app).await;
    let body = accept(&app, "bureau.officer", &t["id"], json!({})).await;
    let received = body["data"]["acceptTransfer"]["resultingCase"].clone();
    assert_eq!(received["status"], "FILED", "{body}");

    let input = json!({
        "toDepartmentId": department_id(&app, "town-beiao").await,
        "category": "OTHER",
        "subject": "移交属地处理",
        "facts": "经核查，该案宜由属地街道处理。",
        "caseId": received["id"],
    });
    let body = app.gql(Some("bureau.officer"), &request_mutation(), json!({ "input": input })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "caseId"), "{body}");
}

/// A matter empowered to 北岙街道 today, so the town team may file in it (R7).
async fn beiao_matter(app: &TestApp) -> String {
    let q = r#"{ matters(first: 1, filter: { town: "北岙街道" }) { edges { node { code } } } }"#;
    let data = app.data("admin", q, json!({})).await;
    data["matters"]["edges"][0]["node"]["code"].as_str().expect("a matter empowered to 北岙街道").to_string()
}

#[actix_rt::test]
async fn the_bureau_transfers_its_own_case_out_and_on_acceptance_it_is_transferred_out() {
    let app = TestApp::spawn().await;
    let matter = beiao_matter(&app).await;
    let occurred = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id status version town } }"#;
    let filed = app
        .data(
            "bureau.officer",
            file,
            json!({ "input": {
                "title": "北岙街道某店铺占道经营",
                "procedure": "GENERAL",
                "matterCode": matter,
                "party": { "kind": "PERSON", "name": "林某华", "idNumber": ID_NUMBER },
                "town": "北岙街道",
                "occurredAt": occurred,
                "facts": "当事人在北岙街道中心街占道经营。",
            } }),
        )
        .await["fileCase"]
        .clone();
    assert_eq!(filed["status"], "FILED");

    let input = json!({
        "toDepartmentId": department_id(&app, "town-beiao").await,
        "category": "OTHER",
        "subject": "北岙街道某店铺占道经营（属地移交）",
        "facts": "当事人在北岙街道中心街占道经营，属街道赋权事项，移交属地处理。",
        "caseId": filed["id"],
    });
    let t = app.data("bureau.officer", &request_mutation(), json!({ "input": input })).await["requestTransfer"].clone();
    assert_eq!(t["status"], "PENDING");
    assert_eq!(t["case"]["id"], filed["id"]);
    assert_eq!(t["matterCode"], json!(matter), "a handed-over case proposes its own matter");

    // One pending transfer per case; a party does not come with a case.
    let body = app.gql(Some("bureau.officer"), &request_mutation(), json!({ "input": input })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let mut with_party = input.clone();
    with_party["party"] = json!({ "kind": "PERSON", "name": "林某华" });
    let body = app.gql(Some("bureau.officer"), &request_mutation(), json!({ "input": with_party })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "party"), "{body}");
    // A town team cannot hand over the bureau's case, even one in its town that it may read.
    let mut up = input.clone();
    up["toDepartmentId"] = department_id(&app, "bureau").await;
    let body = app.gql(Some("town.beiao"), &request_mutation(), json!({ "input": up })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    let body = accept(&app, "town.beiao", &t["id"], json!({ "note": "街道受理" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let done = &body["data"]["acceptTransfer"];
    assert_eq!(done["status"], "ACCEPTED");
    let case = &done["resultingCase"];
    assert_eq!(case["department"]["code"], "town-beiao");
    assert_eq!(case["town"], "北岙街道");
    assert_eq!(case["status"], "FILED");
    assert_eq!(case["officers"], json!([{ "login": "town.beiao" }]));

    // rules.md R8: the bureau's case is TRANSFERRED_OUT, one version on.
    let old = case_of(&app, "bureau.officer", &filed["id"]).await;
    assert_eq!(old["status"], "TRANSFERRED_OUT");
    assert_eq!(old["version"], filed["version"].as_i64().expect("version") + 1);
    assert_eq!(done["case"]["status"], "TRANSFERRED_OUT");

    // The bureau, as sender, reads the case its transfer became (not otherwise a bureau case).
    let seen = case_of(&app, "bureau.officer", &case["id"]).await;
    assert_eq!(seen["department"]["code"], "town-beiao");

    // A TRANSFERRED_OUT case cannot be handed over again.
    let body = app.gql(Some("bureau.officer"), &request_mutation(), json!({ "input": input })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");

    // The bureau's timeline: the request and the answer, both linked to the transfer.
    let kinds: Vec<(CaseEventKind, bool)> = entity::case_event::Entity::find()
        .filter(entity::case_event::Column::CaseId.eq(decode(&filed["id"])))
        .order_by_asc(entity::case_event::Column::Id)
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.kind, e.transfer_id.is_some()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (CaseEventKind::Filed, false),
            (CaseEventKind::TransferRequested, true),
            (CaseEventKind::TransferAnswered, true)
        ]
    );
}

#[actix_rt::test]
async fn accepting_checks_the_matter_and_the_officers() {
    let app = TestApp::spawn().await;
    let mut input = forestry_input(&app).await;
    input.as_object_mut().expect("object").remove("matterCode");
    let t = app.data("nr.liaison", &request_mutation(), json!({ "input": input })).await["requestTransfer"].clone();
    assert!(t["matterCode"].is_null());

    let body = accept(&app, "bureau.officer", &t["id"], json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "matterCode"), "no matter anywhere: {body}");
    let body = accept(&app, "bureau.officer", &t["id"], json!({ "matterCode": "NO-SUCH" })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "matterCode"), "{body}");

    let client = &app;
    let me =
        |login: &'static str| async move { client.data(login, "{ me { id } }", json!({})).await["me"]["id"].clone() };
    let body = accept(
        &app,
        "bureau.officer",
        &t["id"],
        json!({ "matterCode": "LY-001", "officerIds": [me("bureau.officer").await, me("town.beiao").await] }),
    )
    .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "officerIds"),
        "a town officer on a bureau case: {body}"
    );

    let officers = vec![me("bureau.officer").await, me("bureau.reviewer").await];
    let body =
        accept(&app, "bureau.officer", &t["id"], json!({ "matterCode": "LY-001", "officerIds": officers })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let case = &body["data"]["acceptTransfer"]["resultingCase"];
    assert_eq!(case["matterCode"], "LY-001");
    assert_eq!(case["officers"].as_array().expect("officers").len(), officers.len());
    // Nothing from the refused attempts was kept: one case, one number.
    let filed = entity::case::Entity::find()
        .filter(entity::case::Column::SourceTransferId.eq(decode(&t["id"])))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(filed, 1);
}

#[actix_rt::test]
async fn two_simultaneous_accepts_give_one_case_and_one_conflict() {
    let app = TestApp::spawn().await;
    let t = request_forestry(&app).await;
    let (a, b) = futures_util::future::join(
        accept(&app, "bureau.officer", &t["id"], json!({})),
        accept(&app, "bureau.officer", &t["id"], json!({})),
    )
    .await;
    let ok = [&a, &b].iter().filter(|r| r.get("errors").is_none()).count();
    let conflicts = [&a, &b].iter().filter(|r| r.get("errors").is_some() && code(r) == "CONFLICT").count();
    assert_eq!((ok, conflicts), (1, 1), "one success and one CONFLICT: {a} / {b}");
    let filed = entity::case::Entity::find()
        .filter(entity::case::Column::SourceTransferId.eq(decode(&t["id"])))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(filed, 1, "exactly one resulting case");
    let winner = if a.get("errors").is_none() { &a } else { &b };
    let case_no = winner["data"]["acceptTransfer"]["resultingCase"]["caseNo"].as_str().expect("caseNo");
    let (_, year, n) = number_of(case_no);
    let bureau = department_id(&app, "bureau").await;
    let max = case_numbers(&app, &bureau)
        .await
        .iter()
        .map(|no| number_of(no))
        .filter(|(_, y, _)| *y == year)
        .map(|(_, _, m)| m)
        .max();
    assert_eq!(max, Some(n), "the loser took no number");
}

#[actix_rt::test]
async fn the_overdue_filter_lists_pending_transfers_past_t7() {
    let app = TestApp::spawn().await;
    let old = request_forestry(&app).await;
    let fresh = request_forestry(&app).await;
    // Requested a month ago: well past 5 working days whatever the holidays.
    let month_ago = chrono::Utc::now() - chrono::Duration::days(30);
    entity::transfer::Entity::update_many()
        .col_expr(entity::transfer::Column::RequestedAt, sea_orm::sea_query::Expr::value(month_ago))
        .filter(entity::transfer::Column::Id.eq(decode(&old["id"])))
        .exec(&app.db)
        .await
        .expect("backdate");

    let q = r#"query($first: Int, $after: String, $filter: TransferFilter) {
        transfers(first: $first, after: $after, filter: $filter) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { id status overdue answerDue } } } }"#;
    let ids = |nodes: &[Value]| nodes.iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
    let all = app.all_nodes("bureau.officer", q, "transfers", json!({}), 100).await;
    let overdue = app.all_nodes("bureau.officer", q, "transfers", json!({ "filter": { "overdue": true } }), 100).await;
    let on_time = app.all_nodes("bureau.officer", q, "transfers", json!({ "filter": { "overdue": false } }), 100).await;

    assert!(ids(&overdue).contains(&old["id"]), "the old pending transfer is listed");
    assert!(!ids(&overdue).contains(&fresh["id"]));
    assert!(ids(&on_time).contains(&fresh["id"]));
    assert!(overdue.iter().all(|n| n["overdue"] == true && n["status"] == "PENDING"), "{overdue:?}");
    assert!(on_time.iter().all(|n| n["overdue"] == false));
    assert_eq!(overdue.len() + on_time.len(), all.len(), "the two halves make the whole");

    // Once answered, it is no longer overdue.
    let body = accept(&app, "bureau.officer", &old["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let overdue = app.all_nodes("bureau.officer", q, "transfers", json!({ "filter": { "overdue": true } }), 100).await;
    assert!(!ids(&overdue).contains(&old["id"]));
}

#[actix_rt::test]
async fn a_line_department_answers_a_transfer_through_its_liaison() {
    let app = TestApp::spawn().await;
    let forestry = app
        .data(
            "bureau.officer",
            r#"{ matters(first: 1, filter: {domain: "林业"}) { edges { node { code } } } }"#,
            json!({}),
        )
        .await["matters"]["edges"][0]["node"]["code"]
        .clone();
    let input = json!({
        "toDepartmentId": department_id(&app, "natural-resources").await,
        "category": "FORESTRY",
        "subject": "林地权属争议(非本局职权)",
        "facts": "经核查,该线索属林地权属争议,移交自然资源部门处理。",
        "party": { "kind": "PERSON", "name": "陈某林" },
        "matterCode": forestry,
    });
    let t = app.data("bureau.officer", &request_mutation(), json!({ "input": input })).await["requestTransfer"].clone();
    // Another line department's liaison may not answer it.
    let body = accept(&app, "housing.liaison", &t["id"], json!({})).await;
    assert!(matches!(code(&body), "FORBIDDEN" | "NOT_FOUND"), "{body}");
    let body = accept(&app, "nr.liaison", &t["id"], json!({ "note": "予以接收" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["acceptTransfer"]["status"], "ACCEPTED");
    assert_eq!(body["data"]["acceptTransfer"]["resultingCase"]["department"]["code"], "natural-resources");
}
