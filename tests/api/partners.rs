//! The partners' side of the procedure: a transfer's sender is told of every answer live
//! (also when no case exists), act dates and R6 at acceptance (R6+), resubmission of a
//! returned request, materials that travel into the case's record chain (R11), a town's
//! hearing-level case handed to the bureau from NOTICE_SERVED (R7+), and the party search
//! and a case's prior cases, refused to court trainees and dashboards.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::ws::{self, Socket, next, send};
use crate::support::{TestApp, code, field};

const TRANSFER: &str = "id status reason occurredAt replaces { id status } case { id status }
    resultingCase { id status occurredAt endedAt records(first: 50) { totalCount edges { node { id seq hash previousHash content } } } }
    materials { id seq kind content hash previousHash }";

fn request_mutation() -> String {
    format!("mutation($input: RequestTransferInput!) {{ requestTransfer(input: $input) {{ {TRANSFER} }} }}")
}

const ADD_MATERIAL: &str = "mutation($t: ID!, $input: TransferMaterialInput!) {
    addTransferMaterial(transferId: $t, input: $input) { id seq kind content hash previousHash } }";

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

fn ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339()
}

/// A fresh forestry referral (no case) from natural resources to the bureau.
async fn referral(app: &TestApp, extra: Value) -> Value {
    let mut input = json!({
        "toDepartmentId": department_id(app, "bureau").await,
        "category": "FORESTRY",
        "subject": "林业督查图斑核查：疑似擅自改变林地用途",
        "facts": "经林业督查遥感图斑核查，当事人陈某平擅自改变林地用途约300平方米。",
        "party": { "kind": "PERSON", "name": "陈某平", "idNumber": ID_NUMBER },
        "matterCode": "LY-001",
    });
    for (k, v) in extra.as_object().expect("object").clone() {
        input[k] = v;
    }
    let body = app.gql(Some("nr.liaison"), &request_mutation(), json!({ "input": input })).await;
    assert!(body.get("errors").is_none(), "requestTransfer: {body}");
    body["data"]["requestTransfer"].clone()
}

async fn answer(app: &TestApp, verb: &str, id: &Value, input: Value) -> Value {
    let q = match verb {
        "accept" => format!(
            "mutation($id: ID!, $input: AcceptTransferInput) {{ acceptTransfer(id: $id, input: $input) {{ {TRANSFER} }} }}"
        ),
        "reject" => {
            format!("mutation($id: ID!) {{ rejectTransfer(id: $id, reason: \"不属本局职权\") {{ {TRANSFER} }} }}")
        }
        "return" => format!("mutation($id: ID!) {{ returnTransfer(id: $id, reason: \"材料不全\") {{ {TRANSFER} }} }}"),
        other => panic!("{other}"),
    };
    let vars = if verb == "accept" { json!({ "id": id, "input": input }) } else { json!({ "id": id }) };
    app.gql(Some("bureau.officer"), &q, vars).await
}

async fn subscribe(app: &TestApp, login: &str, query: &str) -> Socket {
    let mut ws = ws::connect(app, &app.token(login), "graphql-transport-ws").await;
    send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": query}})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws
}

const ANSWERS: &str = "subscription { caseEvents(filter: { kinds: [TRANSFER_ANSWERED] }) { kind case { id } transfer { id status reason } } }";

#[actix_rt::test]
async fn the_sender_is_told_live_of_a_rejection_a_return_and_an_acceptance_of_a_referral() {
    let app = TestApp::spawn().await;
    let mut liaison = subscribe(&app, "nr.liaison", ANSWERS).await;
    let mut other = subscribe(&app, "housing.liaison", ANSWERS).await;
    let mut trainee = subscribe(&app, "court.trainee", ANSWERS).await;

    let rejected = referral(&app, json!({})).await;
    assert!(rejected["case"].is_null());
    let body = answer(&app, "reject", &rejected["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let got = next(&mut liaison, 10).await.expect("the liaison hears of the rejection");
    let event = &got["payload"]["data"]["caseEvents"];
    assert_eq!(event["kind"], "TRANSFER_ANSWERED", "{got}");
    assert!(event["case"].is_null(), "no case exists: {got}");
    assert_eq!(event["transfer"]["id"], rejected["id"]);
    assert_eq!(event["transfer"]["status"], "REJECTED");
    assert_eq!(event["transfer"]["reason"], "不属本局职权");

    let returned = referral(&app, json!({})).await;
    let body = answer(&app, "return", &returned["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let got = next(&mut liaison, 10).await.expect("the liaison hears of the return");
    assert_eq!(got["payload"]["data"]["caseEvents"]["transfer"]["status"], "RETURNED", "{got}");
    assert_eq!(got["payload"]["data"]["caseEvents"]["transfer"]["id"], returned["id"]);

    // An acceptance reaches it on the case the transfer became.
    let accepted = referral(&app, json!({})).await;
    let body = answer(&app, "accept", &accepted["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let got = next(&mut liaison, 10).await.expect("the liaison hears of the acceptance");
    let event = &got["payload"]["data"]["caseEvents"];
    assert_eq!(event["transfer"]["status"], "ACCEPTED", "{got}");
    assert_eq!(event["case"]["id"], body["data"]["acceptTransfer"]["resultingCase"]["id"]);

    // Who may not read the transfers heard nothing.
    assert!(next(&mut other, 2).await.is_none(), "another department's liaison");
    assert!(next(&mut trainee, 1).await.is_none(), "a court trainee");
}

/// On PostgreSQL an answer to a caseless transfer reaches a subscriber of another instance
/// (`NOTIFY` on the transfer channel), also after the listener connection was lost (replay).
#[actix_rt::test]
#[ignore = "PostgreSQL only (two instances on one database): TEST_DATABASE_URL=postgres://… cargo test -- --include-ignored"]
async fn on_postgresql_an_answer_reaches_the_sender_on_another_instance() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    let other = TestApp::attach(&app.database_url).await;
    let mut liaison = subscribe(&other, "nr.liaison", ANSWERS).await;
    let t = referral(&app, json!({})).await;
    answer(&app, "reject", &t["id"], json!({})).await;
    let got = next(&mut liaison, 15).await.expect("the answer from the other instance");
    assert_eq!(got["payload"]["data"]["caseEvents"]["transfer"]["id"], t["id"], "{got}");

    use sea_orm::ConnectionTrait;
    let t = referral(&app, json!({})).await;
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        )
        .await
        .expect("terminate listeners");
    answer(&app, "return", &t["id"], json!({})).await;
    let got = next(&mut liaison, 30).await.expect("the answer after the listener recovered");
    assert_eq!(got["payload"]["data"]["caseEvents"]["transfer"]["status"], "RETURNED", "{got}");
}

#[actix_rt::test]
async fn a_returned_request_is_resubmitted_and_linked_and_nothing_else_can_be_replaced() {
    let app = TestApp::spawn().await;
    let first = referral(&app, json!({})).await;
    let body = answer(&app, "return", &first["id"], json!({})).await;
    assert_eq!(body["data"]["returnTransfer"]["status"], "RETURNED", "{body}");
    let again = referral(&app, json!({ "replacesTransferId": first["id"] })).await;
    assert_eq!(again["replaces"]["id"], first["id"]);
    assert_eq!(again["replaces"]["status"], "RETURNED");
    assert_eq!(again["status"], "PENDING");

    // A PENDING, a REJECTED, or another department's transfer cannot be replaced.
    let pending = again["id"].clone();
    let rejected = referral(&app, json!({})).await;
    answer(&app, "reject", &rejected["id"], json!({})).await;
    for old in [pending, rejected["id"].clone()] {
        let mut input = json!({
            "toDepartmentId": department_id(&app, "bureau").await, "category": "FORESTRY",
            "subject": "补充材料后重新移送", "facts": "补充材料。",
            "party": { "kind": "PERSON", "name": "陈某平" }, "replacesTransferId": old,
        });
        let body = app.gql(Some("nr.liaison"), &request_mutation(), json!({ "input": input.clone() })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "replacesTransferId"), "{body}");
        input["replacesTransferId"] = first["id"].clone();
        input["category"] = json!("BID_RIGGING");
        let body = app.gql(Some("housing.liaison"), &request_mutation(), json!({ "input": input })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "replacesTransferId"), "{body}");
    }
}

#[actix_rt::test]
async fn act_dates_travel_into_the_case_and_r6_is_checked_at_acceptance() {
    let app = TestApp::spawn().await;
    // Three years ago, without serious harm: past the 2-year limitation at acceptance.
    let stale = referral(&app, json!({ "occurredAt": ago(3 * 366) })).await;
    assert!(stale["occurredAt"].is_string());
    let body = answer(&app, "accept", &stale["id"], json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "occurredAt"), "{body}");

    // A continuing act within the period: the case keeps both dates, not the acceptance time.
    let (occurred, ended) = (ago(400), ago(30));
    let fresh = referral(&app, json!({ "occurredAt": occurred, "endedAt": ended })).await;
    let body = answer(&app, "accept", &fresh["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let case = &body["data"]["acceptTransfer"]["resultingCase"];
    let same = |a: &Value, b: &str| {
        let a = chrono::DateTime::parse_from_rfc3339(a.as_str().expect("time")).expect("rfc3339");
        let b = chrono::DateTime::parse_from_rfc3339(b).expect("rfc3339");
        (a - b).num_milliseconds().abs() < 1
    };
    assert!(same(&case["occurredAt"], &occurred), "{case}");
    assert!(same(&case["endedAt"], &ended), "{case}");

    // Dates in the future, or an end before the beginning, are refused at once.
    let mut input = json!({ "occurredAt": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339() });
    let app = &app;
    let req = |input: Value| async move {
        let mut full = json!({
            "toDepartmentId": department_id(app, "bureau").await, "category": "FORESTRY",
            "subject": "s", "facts": "f", "party": { "kind": "PERSON", "name": "陈某平" },
        });
        for (k, v) in input.as_object().expect("object").clone() {
            full[k] = v;
        }
        app.gql(Some("nr.liaison"), &request_mutation(), json!({ "input": full })).await
    };
    let body = req(input.clone()).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "occurredAt"), "{body}");
    input = json!({ "occurredAt": ago(10), "endedAt": ago(20) });
    let body = req(input).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "endedAt"), "{body}");
}

fn material(key: &str, content: &str) -> Value {
    json!({
        "idempotencyKey": key, "kind": "DOCUMENT", "content": content, "recordedAt": "2026-01-05T09:30:00+08:00",
        "attachment": { "sha256": "ab".repeat(32), "mediaType": "application/pdf", "sizeBytes": 1024,
                        "uri": "https://evidence.example/nr/1.pdf" },
    })
}

#[actix_rt::test]
async fn materials_are_added_by_the_sender_while_pending_and_travel_into_the_case_chain() {
    let app = TestApp::spawn().await;
    let t = referral(&app, json!({ "occurredAt": ago(20) })).await;
    let add = |login: &'static str, input: Value| {
        let app = &app;
        let t = t["id"].clone();
        async move { app.gql(Some(login), ADD_MATERIAL, json!({ "t": t, "input": input })).await }
    };
    let first = add("nr.liaison", material("m-1", "林业督查图斑核查报告")).await;
    assert!(first.get("errors").is_none(), "{first}");
    let m1 = first["data"]["addTransferMaterial"].clone();
    assert_eq!(m1["seq"], 1);
    assert!(m1["hash"].as_str().is_some_and(|h| h.len() == 64) && m1["previousHash"].is_null(), "{m1}");
    // A retry returns the first material and writes nothing; the key with other content is CONFLICT.
    let retry = add("nr.liaison", material("m-1", "林业督查图斑核查报告")).await;
    assert_eq!(retry["data"]["addTransferMaterial"]["id"], m1["id"], "{retry}");
    let clash = add("nr.liaison", material("m-1", "别的内容")).await;
    assert_eq!(code(&clash), "CONFLICT", "{clash}");
    let second = add("nr.liaison", material("m-2", "现场照片说明")).await;
    let m2 = second["data"]["addTransferMaterial"].clone();
    assert_eq!(m2["seq"], 2, "{second}");

    // Only the sender adds: the receiver is FORBIDDEN, another department does not see it.
    let body = add("bureau.officer", material("b-1", "局方材料")).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = add("housing.liaison", material("h-1", "他方材料")).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on Transfer {{ {TRANSFER} }} }} }}");
    let seen = app.data("nr.liaison", &q, json!({ "id": t["id"] })).await;
    let ids: Vec<&Value> = seen["node"]["materials"].as_array().expect("materials").iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, [&m1["id"], &m2["id"]]);

    // Accepted: the materials are the first records of the new case's chain, same ids, chained.
    let body = answer(&app, "accept", &t["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let done = &body["data"]["acceptTransfer"];
    let records = done["resultingCase"]["records"]["edges"].as_array().expect("records");
    let ids: Vec<&Value> = records.iter().map(|e| &e["node"]["id"]).collect();
    assert_eq!(ids, [&m1["id"], &m2["id"]], "{done}");
    assert!(records[0]["node"]["previousHash"].is_null());
    assert_eq!(records[1]["node"]["previousHash"], records[0]["node"]["hash"]);
    assert_eq!(done["materials"][1]["hash"], records[1]["node"]["hash"], "materials show the records now");
    let check = app
        .data(
            "bureau.officer",
            "query($c: ID!) { verifyRecordChain(caseId: $c) { intact length firstBrokenRecordId } }",
            json!({ "c": done["resultingCase"]["id"] }),
        )
        .await;
    assert_eq!(check["verifyRecordChain"], json!({ "intact": true, "length": 2, "firstBrokenRecordId": null }));

    // No more materials once answered; a retry of an old key still returns its record.
    let late = add("nr.liaison", material("m-3", "迟到的材料")).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    let retry = add("nr.liaison", material("m-2", "现场照片说明")).await;
    assert_eq!(retry["data"]["addTransferMaterial"]["id"], m2["id"], "{retry}");
}

/// 北岙's certified officers, for a general town case.
async fn town_officers(app: &TestApp) -> Vec<Value> {
    let q = r#"{ users(first: 100, filter: {certified: true}) { edges { node { id department { code } } } } }"#;
    let users = app.data("town.beiao", q, json!({})).await;
    users["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["department"]["code"] == "town-beiao")
        .map(|e| e["node"]["id"].clone())
        .collect()
}

const MOVE: &str = "mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {
    transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) { id status version } }";

#[actix_rt::test]
async fn a_town_case_goes_to_the_bureau_from_notice_served_and_becomes_transferred_out() {
    let app = TestApp::spawn().await;
    let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
    let matter =
        app.data("town.beiao", q, json!({"f": {"town": "北岙街道"}})).await["matters"]["edges"][0]["node"]["code"]
            .clone();
    let officers = town_officers(&app).await;
    let input = json!({
        "title": "北岙某海鲜排档占道经营", "procedure": "GENERAL", "matterCode": matter,
        "party": {"kind": "PERSON", "name": "林某某"}, "occurredAt": ago(5),
        "facts": "占道经营，经劝导拒不改正。", "officerIds": officers[..2],
    });
    let body = app
        .gql(
            Some("town.beiao"),
            "mutation($input: FileCaseInput!) { fileCase(input: $input) { id status version } }",
            json!({"input": input}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut case = body["data"]["fileCase"].clone();
    for (action, input) in [("INVESTIGATE", json!({})), ("SERVE_NOTICE", json!({"fineAmount": "9000"}))] {
        let body = app
            .gql(
                Some("town.beiao"),
                MOVE,
                json!({"id": case["id"], "v": case["version"], "action": action, "input": input}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{action}: {body}");
        case = body["data"]["transitionCase"].clone();
    }
    assert_eq!(case["status"], "NOTICE_SERVED");

    let input = json!({
        "toDepartmentId": department_id(&app, "bureau").await, "category": "OTHER",
        "subject": "达到听证标准，移送区局", "facts": "拟处罚款达到听证标准，依赋权规定移送区局。",
        "caseId": case["id"],
    });
    let body = app.gql(Some("town.beiao"), &request_mutation(), json!({"input": input})).await;
    assert!(body.get("errors").is_none(), "requestTransfer from NOTICE_SERVED: {body}");
    let t = body["data"]["requestTransfer"].clone();
    assert_eq!(t["case"]["status"], "NOTICE_SERVED");
    let body = answer(&app, "accept", &t["id"], json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let done = &body["data"]["acceptTransfer"];
    assert_eq!(done["status"], "ACCEPTED");
    assert_eq!(done["resultingCase"]["status"], "FILED");
    // The town team follows both: its own case left its workload, the bureau's was filed.
    let q = "query($id: ID!) { node(id: $id) { ... on Transfer { case { status } resultingCase { status department { code } } } } }";
    let seen = app.data("town.beiao", q, json!({"id": t["id"]})).await;
    assert_eq!(seen["node"]["case"]["status"], "TRANSFERRED_OUT", "{seen}");
    assert_eq!(seen["node"]["resultingCase"]["department"]["code"], "bureau");
}

const FILE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { id filedAt } }";
const CASES: &str = "query($f: CaseFilter, $first: Int) { cases(filter: $f, first: $first) { totalCount edges { node { id party { name } } } } }";

async fn file_for(app: &TestApp, party: Value, title: &str) -> Value {
    let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
    let matter =
        app.data("bureau.officer", q, json!({"f": {"domain": "市容"}})).await["matters"]["edges"][0]["node"]["code"]
            .clone();
    let input = json!({
        "title": title, "procedure": "GENERAL", "matterCode": matter, "party": party,
        "occurredAt": ago(3), "facts": "占用人行道摆放桌椅经营，经劝导拒不改正。",
    });
    let body = app.gql(Some("bureau.officer"), FILE, json!({"input": input})).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["fileCase"].clone()
}

fn ids_of(data: &Value, field: &str) -> Vec<Value> {
    data[field]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect()
}

#[actix_rt::test]
async fn a_party_is_found_by_part_of_its_name_or_its_exact_identifier_with_its_prior_cases() {
    let app = TestApp::spawn().await;
    let code = "91350100M000100Y43";
    let a = file_for(
        &app,
        json!({"kind": "ORGANIZATION", "name": "洞头望潮海鲜楼有限公司", "creditCode": code}),
        "占道经营（一）",
    )
    .await;
    let b = file_for(&app, json!({"kind": "ORGANIZATION", "name": "望潮海鲜楼", "creditCode": code}), "占道经营（二）")
        .await;
    let c =
        file_for(&app, json!({"kind": "PERSON", "name": "王五", "idNumber": "11010519491231002X"}), "乱堆物料").await;

    // Part of the name: both spellings, never the other party; titles do not carry the name.
    let found = app.data("bureau.officer", CASES, json!({"f": {"party": "望潮海鲜楼"}, "first": 100})).await;
    let ids = ids_of(&found, "cases");
    assert!(ids.contains(&a["id"]) && ids.contains(&b["id"]) && !ids.contains(&c["id"]), "{found}");
    for e in found["cases"]["edges"].as_array().expect("edges") {
        assert!(e["node"]["party"]["name"].as_str().expect("name").contains("望潮海鲜楼"), "{e}");
    }
    assert_eq!(found["cases"]["totalCount"], ids.len());
    // An exact credit code (any case) and an exact ID number; a part of one finds nothing.
    let found = app.data("bureau.officer", CASES, json!({"f": {"party": code.to_lowercase()}, "first": 100})).await;
    let ids = ids_of(&found, "cases");
    assert!(ids.contains(&a["id"]) && ids.contains(&b["id"]) && !ids.contains(&c["id"]), "{found}");
    let found = app.data("bureau.officer", CASES, json!({"f": {"party": "11010519491231002x"}, "first": 100})).await;
    assert!(ids_of(&found, "cases").contains(&c["id"]), "{found}");
    let found = app.data("bureau.officer", CASES, json!({"f": {"party": "1101051949"}, "first": 100})).await;
    assert!(!ids_of(&found, "cases").contains(&c["id"]), "{found}");
    // Within what the caller may see: another town's team finds none of the bureau's cases.
    let found = app.data("town.dongping", CASES, json!({"f": {"party": "望潮海鲜楼"}})).await;
    assert_eq!(found["cases"]["totalCount"], 0, "{found}");

    // Prior cases: the other cases of the same credit code, newest first, paged by keyset.
    let q = "query($id: ID!, $first: Int, $after: String) { case(id: $id) { priorCases(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }";
    let prior = app.data("bureau.officer", q, json!({"id": b["id"], "first": 10})).await;
    assert_eq!(ids_of(&prior["case"], "priorCases"), [a["id"].clone()], "{prior}");
    let c2 =
        file_for(&app, json!({"kind": "PERSON", "name": "王五", "idNumber": "11010519491231002X"}), "再次乱堆物料")
            .await;
    let c3 =
        file_for(&app, json!({"kind": "PERSON", "name": "王五", "idNumber": "11010519491231002X"}), "第三次").await;
    let page = app.data("bureau.officer", q, json!({"id": c["id"], "first": 1})).await;
    assert_eq!(ids_of(&page["case"], "priorCases"), [c3["id"].clone()], "newest first: {page}");
    assert_eq!(page["case"]["priorCases"]["totalCount"], 2);
    let after = page["case"]["priorCases"]["pageInfo"]["endCursor"].clone();
    let page = app.data("bureau.officer", q, json!({"id": c["id"], "first": 1, "after": after})).await;
    assert_eq!(ids_of(&page["case"], "priorCases"), [c2["id"].clone()], "{page}");
    assert_eq!(page["case"]["priorCases"]["pageInfo"]["hasNextPage"], false);
}

#[actix_rt::test]
async fn court_trainees_and_dashboards_may_not_search_by_party_nor_read_prior_cases() {
    let app = TestApp::spawn().await;
    let a =
        file_for(&app, json!({"kind": "PERSON", "name": "张海鲜", "idNumber": "11010519491231002X"}), "占道经营").await;
    let trainee = app.data("court.trainee", "{ me { id } }", json!({})).await["me"]["id"].clone();
    let enroll = "mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }";
    app.data("admin", enroll, json!({"c": a["id"], "t": trainee})).await;

    for login in ["court.trainee", "dashboard"] {
        for party in ["张海鲜", "11010519491231002X"] {
            let body = app.gql(Some(login), CASES, json!({"f": {"party": party}})).await;
            assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
        }
    }
    // The trainee reads the case it follows, but not the party's other cases.
    let q = "query($id: ID!) { case(id: $id) { id priorCases { totalCount } } }";
    let body = app.gql(Some("court.trainee"), q, json!({"id": a["id"]})).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(Some("court.trainee"), "query($id: ID!) { case(id: $id) { id } }", json!({"id": a["id"]})).await;
    assert_eq!(body["data"]["case"]["id"], a["id"], "{body}");
}
