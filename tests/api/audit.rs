//! `auditLog`: every mutation leaves a row naming who and from where; every read of a case
//! by a court trainee leaves a `read:case` row; only admins read the trail.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::follow_case::{ENROLL, bureau_case_with_named_records, department_id, user_id};
use crate::joint::{REPORT, whistle};
use crate::support::{TestApp, code, field};

const LOG: &str = r#"query($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id at action targetId clientAddr detail user { login } } } } }"#;

/// Every entry matching `filter`, paging `page` at a time.
async fn entries(app: &TestApp, filter: Value, page: i64) -> Vec<Value> {
    app.all_nodes("admin", LOG, "auditLog", json!({"filter": filter}), page).await
}

async fn total(app: &TestApp, filter: &Value) -> i64 {
    let data = app.data("admin", LOG, json!({"filter": filter, "first": 1})).await;
    data["auditLog"]["totalCount"].as_i64().expect("totalCount")
}

fn raw_key(global: &Value) -> String {
    let (_, key) = casebridge::graphql::ids::decode_any(global.as_str().expect("id"), "id").expect("global id");
    key.to_string()
}

/// Files a general case as the bureau officer, changes it, and starts its investigation:
/// the three case mutations.
async fn case_mutations(app: &TestApp) {
    let bureau = department_id(app, "bureau").await;
    let q = r#"query($d: ID) { users(first: 10, filter: {departmentId: $d, certified: true}) { edges { node { id login } } } }"#;
    let users = app.data("bureau.officer", q, json!({"d": bureau})).await;
    let officers: Vec<Value> = users["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|u| u["login"] != "bureau.reviewer")
        .take(2)
        .map(|u| u["id"].clone())
        .collect();
    assert_eq!(officers.len(), 2, "two certified bureau officers");
    let matter = app.data("bureau.officer", "{ matters(first: 1) { edges { node { code } } } }", json!({})).await;
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id version } }"#;
    let input = json!({
        "title": "某餐饮店占道经营案",
        "procedure": "GENERAL",
        "matterCode": matter["matters"]["edges"][0]["node"]["code"],
        "party": {"kind": "ORGANIZATION", "name": "洞头小陈海鲜餐饮店"},
        "occurredAt": (Utc::now() - Duration::hours(2)).to_rfc3339_opts(SecondsFormat::Secs, true),
        "facts": "在店外人行道摆放桌椅经营",
        "officerIds": officers,
    });
    let filed = app.data("bureau.officer", file, json!({"input": input})).await;
    let id = filed["fileCase"]["id"].clone();
    let update = r#"mutation($id: ID!) { updateCase(id: $id, expectedVersion: 1, input: {location: "北岙街道中心街"}) { version } }"#;
    app.data("bureau.officer", update, json!({"id": id})).await;
    let transition =
        r#"mutation($id: ID!) { transitionCase(id: $id, expectedVersion: 2, action: INVESTIGATE) { status } }"#;
    let moved = app.data("bureau.officer", transition, json!({"id": id})).await;
    assert_eq!(moved["transitionCase"]["status"], "INVESTIGATING");
}

/// A transfer of each fate, and records one at a time and in a batch.
async fn transfer_and_record_mutations(app: &TestApp, case_id: &Value) {
    let bureau = department_id(app, "bureau").await;
    let request = r#"mutation($input: RequestTransferInput!) { requestTransfer(input: $input) { id } }"#;
    let mut ids = Vec::new();
    for i in 0..5 {
        let input = json!({"toDepartmentId": bureau, "category": "FORESTRY", "subject": format!("林业线索{i}"),
            "facts": "卫片发现疑似毁林。", "party": {"kind": "PERSON", "name": "林某"}});
        ids.push(app.data("nr.liaison", request, json!({"input": input})).await["requestTransfer"]["id"].clone());
    }
    let matter = app
        .data(
            "bureau.officer",
            r#"{ matters(first: 1, filter: {domain: "林业"}) { edges { node { code } } } }"#,
            json!({}),
        )
        .await;
    // The sender adds a material to a pending request.
    let material = r#"mutation($t: ID!, $input: TransferMaterialInput!) { addTransferMaterial(transferId: $t, input: $input) { id } }"#;
    let input = json!({"idempotencyKey": "audit-material", "kind": "DOCUMENT", "content": "卫片比对图",
        "recordedAt": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)});
    app.data("nr.liaison", material, json!({"t": ids[4], "input": input})).await;
    let accept = r#"mutation($id: ID!, $m: String) { acceptTransfer(id: $id, input: {matterCode: $m}) { status } }"#;
    app.data("bureau.officer", accept, json!({"id": ids[0], "m": matter["matters"]["edges"][0]["node"]["code"]})).await;
    app.data(
        "bureau.officer",
        r#"mutation($id: ID!) { rejectTransfer(id: $id, reason: "非本局职权") { status } }"#,
        json!({"id": ids[1]}),
    )
    .await;
    app.data(
        "bureau.officer",
        r#"mutation($id: ID!) { returnTransfer(id: $id, reason: "材料不全") { status } }"#,
        json!({"id": ids[2]}),
    )
    .await;
    app.data("nr.liaison", r#"mutation($id: ID!) { withdrawTransfer(id: $id) { status } }"#, json!({"id": ids[3]}))
        .await;

    let now = Utc::now().to_rfc3339();
    let one = json!({"idempotencyKey": "audit-1", "caseId": case_id, "kind": "NOTE", "content": "补充说明", "recordedAt": now});
    app.data(
        "bureau.officer",
        "mutation($i: SubmitRecordInput!) { submitRecord(input: $i) { id } }",
        json!({"i": one}),
    )
    .await;
    let two =
        json!({"idempotencyKey": "audit-2", "caseId": case_id, "kind": "NOTE", "content": "再补充", "recordedAt": now});
    app.data(
        "bureau.officer",
        "mutation($i: [SubmitRecordInput!]!) { submitRecords(inputs: $i) { id } }",
        json!({"i": [two]}),
    )
    .await;
}

/// Every oversight mutation once, by the role that owns it.
async fn oversight_mutations(app: &TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let today = crate::support::shanghai_today().to_string();
    let matter = app
        .data(
            "bureau.officer",
            r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#,
            json!({}),
        )
        .await;
    let code = matter["matters"]["edges"][0]["node"]["code"].clone();
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id } }"#;
    let simple = |party: Value| {
        json!({"input": {"title": "占道经营案", "procedure": "SIMPLE", "matterCode": code, "fineAmount": "100",
            "party": party, "occurredAt": Utc::now().to_rfc3339(), "facts": "占道经营。"}})
    };
    let person = app.data("bureau.officer", file, simple(json!({"kind": "PERSON", "name": "郑一"}))).await["fileCase"]
        ["id"]
        .clone();
    let company = app
        .data("bureau.officer", file, simple(json!({"kind": "ORGANIZATION", "name": "洞头海风海鲜餐饮店"})))
        .await["fileCase"]["id"]
        .clone();
    let issue = r#"mutation($d: Date!) { issueRectificationNotice(input: {partyName: "郑一", requirement: "清理", deadline: $d}) { id } }"#;
    let notice = app.data("bureau.officer", issue, json!({"d": today})).await["issueRectificationNotice"]["id"].clone();
    app.data(
        "bureau.officer",
        r#"mutation($id: ID!) { verifyRectification(id: $id, corrected: true) { id } }"#,
        json!({"id": notice}),
    )
    .await;
    app.data("bureau.officer", r#"mutation($id: ID!) { publishDecision(caseId: $id) { id } }"#, json!({"id": person}))
        .await;
    let licence = app
        .data("bureau.officer", r#"mutation { publishLicence(input: {title: "临时占用城市道路许可", holder: "洞头某公司", content: "许可"}) { id } }"#, json!({}))
        .await["publishLicence"]["id"]
        .clone();
    app.data("bureau.officer", r#"mutation($id: ID!) { withdrawPublication(id: $id) { id } }"#, json!({"id": licence}))
        .await;
    let register = r#"mutation($c: ID!, $d: Date!) { registerReconsideration(input: {caseId: $c, kind: RECONSIDERATION,
        applicant: "郑一", body: "洞头区人民政府", receivedOn: $d}) { id } }"#;
    let r =
        app.data("bureau.reviewer", register, json!({"c": person, "d": today})).await["registerReconsideration"]["id"]
            .clone();
    let conclude = r#"mutation($id: ID!, $d: Date!) { concludeReconsideration(id: $id, outcome: SETTLED, concludedOn: $d) { id } }"#;
    app.data("bureau.reviewer", conclude, json!({"id": r, "d": today})).await;
    let evaluate = r#"mutation($c: ID!, $d: Date!) { recordFileEvaluation(input: {caseId: $c, evaluatedOn: $d, scope: "专项检查",
        findings: ["送达日期不规范"]}) { findings { id } } }"#;
    let ev = app.data("bureau.reviewer", evaluate, json!({"c": person, "d": today})).await;
    let finding = ev["recordFileEvaluation"]["findings"][0]["id"].clone();
    app.data(
        "bureau.officer",
        r#"mutation($id: ID!) { rectifyFinding(id: $id, note: "已补正") { id } }"#,
        json!({"id": finding}),
    )
    .await;
    let accept = r#"mutation($d: Date!) { acceptCreditRepair(input: {enterpriseName: "洞头海风海鲜餐饮店",
        creditCode: "91330322MA2AB12340", appliedOn: $d}) { id } }"#;
    let repair = app.data("bureau.officer", accept, json!({"d": today})).await["acceptCreditRepair"]["id"].clone();
    let complete = r#"mutation($id: ID!, $d: Date!) { completeCreditRepair(id: $id, completedOn: $d) { id } }"#;
    app.data("bureau.officer", complete, json!({"id": repair, "d": today})).await;
    let three = r#"mutation($c: ID!) { deliverThreeDocuments(input: {caseId: $c, complianceAdvice: "建立合规制度",
        creditRepairNotice: "可申请信用修复"}) { id } }"#;
    app.data("bureau.officer", three, json!({"c": company})).await;
    // R15: a deferral and a payment of the company's on-the-spot fine.
    let until = (crate::support::shanghai_today() + chrono::Duration::days(30)).to_string();
    let defer =
        r#"mutation($c: ID!, $u: Date!) { grantDeferral(caseId: $c, input: {until: $u, reason: "经营困难"}) { id } }"#;
    app.data("bureau.officer", defer, json!({"c": company, "u": until})).await;
    let pay = r#"mutation($c: ID!, $d: Date!) { recordPayment(caseId: $c, input: {amount: "100", paidOn: $d, receiptNo: "A-1"}) { id } }"#;
    app.data("bureau.officer", pay, json!({"c": company, "d": today})).await;
    let guidance = r#"mutation { addComplianceGuidanceItem(input: {industry: "紫菜", title: "不占道晾晒", guidance: "晾晒不得占道"}) { id } }"#;
    app.data("bureau.officer", guidance, json!({})).await;
    let training = r#"mutation($d: Date!) { recordTraining(input: {title: "文书制作", organiser: BUREAU, heldOn: $d, attendeeIds: []}) { id } }"#;
    app.data("bureau.officer", training, json!({"d": today})).await;
    let patrol = r#"mutation { recordPatrolAction(input: {kind: OPEN_BURNING_STOPPED, town: "大门镇", place: "观音礁村"}) { id } }"#;
    app.data("bureau.officer", patrol, json!({})).await;
    // Claim a matter of 北岙街道 again (the demo year claimed them all).
    let town_matter = app
        .data("town.beiao", r#"{ matters(first: 1, filter: {town: "北岙街道"}) { edges { node { id } } } }"#, json!({}))
        .await["matters"]["edges"][0]["node"]["id"]
        .clone();
    let (_, key) = casebridge::graphql::ids::decode_any(town_matter.as_str().expect("id"), "id").expect("id");
    entity::matter_claim::Entity::delete_many()
        .filter(entity::matter_claim::Column::MatterId.eq(key))
        .filter(entity::matter_claim::Column::Town.eq("北岙街道"))
        .exec(&app.db)
        .await
        .expect("unclaim");
    app.data("town.beiao", r#"mutation($m: ID!) { claimMatter(matterId: $m) { id } }"#, json!({"m": town_matter}))
        .await;
    let again = app
        .gql(Some("town.beiao"), r#"mutation($m: ID!) { claimMatter(matterId: $m) { id } }"#, json!({"m": town_matter}))
        .await;
    assert_eq!(code_of(&again), "CONFLICT", "{again}");
    let meeting = r#"mutation($d: Date!) { recordReviewMeeting(input: {heldOn: $d, topic: "重大案件集体讨论", conclusion: "同意",
        legalReviewIds: []}) { id } }"#;
    app.data("bureau.reviewer", meeting, json!({"d": today})).await;
    let officer = user_id(app, "bureau.officer").await;
    let update = r#"mutation($id: ID!, $d: Date!) { updateOfficer(id: $id, certificateValidUntil: $d) { id } }"#;
    app.data("admin", update, json!({"id": officer, "d": "2030-12-31"})).await;
}

fn code_of(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[actix_rt::test]
async fn every_mutation_is_in_the_audit_log_with_who_and_from_where() {
    let app = TestApp::spawn().await;
    let started = (Utc::now() - Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Micros, true);

    case_mutations(&app).await;
    let trainee = user_id(&app, "court.trainee").await;
    let (case_id, _) = bureau_case_with_named_records(&app).await;
    app.data("admin", ENROLL, json!({"caseId": case_id, "traineeId": trainee})).await;
    let call = whistle(&app).await;
    app.data("nr.liaison", REPORT, json!({"id": call["id"], "sends": "林业执法人员2名"})).await;
    transfer_and_record_mutations(&app, &case_id).await;

    let rows = entries(&app, json!({"action": "mutation:*", "from": started}), 2).await;
    let by_action: HashMap<&str, &Value> = rows.iter().map(|r| (r["action"].as_str().expect("action"), r)).collect();
    let expected = [
        ("mutation:fileCase", "bureau.officer"),
        ("mutation:updateCase", "bureau.officer"),
        ("mutation:transitionCase:INVESTIGATE", "bureau.officer"),
        ("mutation:enrollFollowCase", "admin"),
        ("mutation:callJointEnforcement", "town.beiao"),
        ("mutation:reportToJointCall", "nr.liaison"),
        ("mutation:requestTransfer", "nr.liaison"),
        ("mutation:acceptTransfer", "bureau.officer"),
        ("mutation:rejectTransfer", "bureau.officer"),
        ("mutation:returnTransfer", "bureau.officer"),
        ("mutation:withdrawTransfer", "nr.liaison"),
        ("mutation:addTransferMaterial", "nr.liaison"),
        ("mutation:submitRecord", "bureau.officer"),
        ("mutation:submitRecords", "bureau.officer"),
    ];
    let counted: HashMap<&str, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r["action"].as_str().expect("action")).or_default() += 1;
        m
    });
    assert_eq!(counted["mutation:requestTransfer"], 5, "five requests");
    // Acceptance writes a row for the transfer and one for the case it filed.
    assert_eq!(counted["mutation:acceptTransfer"], 2);
    // A material's row names the transfer and the material.
    assert_eq!(counted["mutation:addTransferMaterial"], 2);
    assert_eq!(rows.len(), expected.len() + 6, "one row per mutation target: {rows:#?}");
    for (action, login) in expected {
        let row = by_action.get(action).unwrap_or_else(|| panic!("no {action} row in {rows:#?}"));
        assert_eq!(row["user"]["login"], login, "{action}");
        assert!(row["clientAddr"].as_str().is_some_and(|a| a.starts_with("127.0.0.1")), "{row}");
        assert!(row["targetId"].is_string(), "{row}");
        assert!(serde_json::from_str::<Value>(row["detail"].as_str().expect("detail")).is_ok(), "{row}");
    }
    assert_eq!(by_action["mutation:enrollFollowCase"]["targetId"], raw_key(&case_id).as_str());

    // Newest first, and paging (2 at a time above) visited every row once.
    let ats: Vec<&str> = rows.iter().map(|r| r["at"].as_str().expect("at")).collect();
    let parsed: Vec<_> = ats.iter().map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("rfc3339")).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first: {ats:?}");
    assert_eq!(rows.iter().map(|r| r["id"].clone()).collect::<HashSet<_>>().len(), rows.len());

    // Every mutation of the schema is covered: a new mutation writes its audit row (through
    // `audit::write`, in its transaction) and is exercised here.
    oversight_mutations(&app).await;
    crate::admin::every_mutation(&app).await;
    let rows = entries(&app, json!({"action": "mutation:*", "from": started}), 5).await;
    let by_action: HashMap<&str, &Value> = rows.iter().map(|r| (r["action"].as_str().expect("action"), r)).collect();
    let schema = app.data("admin", r#"{ __type(name: "Mutation") { fields { name } } }"#, json!({})).await;
    for f in schema["__type"]["fields"].as_array().expect("fields") {
        let name = f["name"].as_str().expect("name");
        let prefix = format!("mutation:{name}");
        assert!(
            by_action.keys().any(|a| *a == prefix || a.starts_with(&format!("{prefix}:"))),
            "mutation {name} left no audit row here: make it call audit::write and exercise it in this test"
        );
    }

    // Filters: by user, by target (a global ID or the raw key), by time.
    let nr = user_id(&app, "nr.liaison").await;
    let mine = entries(&app, json!({"userId": nr}), 10).await;
    let mut actions: Vec<&str> = mine.iter().map(|r| r["action"].as_str().expect("action")).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "mutation:addTransferMaterial",
            "mutation:addTransferMaterial",
            "mutation:reportToJointCall",
            "mutation:requestTransfer",
            "mutation:requestTransfer",
            "mutation:requestTransfer",
            "mutation:requestTransfer",
            "mutation:requestTransfer",
            "mutation:withdrawTransfer"
        ]
    );
    let on_call = entries(&app, json!({"targetId": call["id"]}), 10).await;
    assert_eq!(on_call.len(), 2, "the call and its answer");
    let raw = entries(&app, json!({"targetId": raw_key(&call["id"])}), 10).await;
    assert_eq!(raw.len(), 2);
    let later = (Utc::now() + Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    assert!(entries(&app, json!({"from": later}), 10).await.is_empty());
    assert_eq!(entries(&app, json!({"to": started}), 10).await.len(), 0, "the demo year writes no audit rows");
    let body = app.gql(Some("admin"), LOG, json!({"filter": {"from": "yesterday"}})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "filter.from"), "{body}");
}

#[actix_rt::test]
async fn only_admins_read_the_audit_log() {
    let app = TestApp::spawn().await;
    for login in ["bureau.officer", "bureau.reviewer", "town.beiao", "nr.liaison", "court.trainee", "dashboard"] {
        let body = app.gql(Some(login), LOG, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    let body = app.gql(None, LOG, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
}

#[actix_rt::test]
async fn a_court_trainees_reads_of_cases_are_audited_however_they_come() {
    let app = TestApp::spawn().await;
    let trainee = user_id(&app, "court.trainee").await;
    let reads = json!({"action": "read:case", "userId": trainee});
    assert_eq!(total(&app, &reads).await, 0);

    // The list: one row per case read.
    let listed = app.data("court.trainee", "{ cases(first: 100) { edges { node { id } } } }", json!({})).await;
    let followed: Vec<Value> =
        listed["cases"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect();
    assert_eq!(followed.len(), 2);
    let rows = entries(&app, reads.clone(), 10).await;
    let targets: HashSet<String> = rows.iter().map(|r| r["targetId"].as_str().expect("target").to_string()).collect();
    assert_eq!(targets, followed.iter().map(raw_key).collect::<HashSet<_>>());
    assert!(rows.iter().all(|r| r["user"]["login"] == "court.trainee" && r["clientAddr"].is_string()));

    // One case by id.
    app.data("court.trainee", "query($id: ID!) { case(id: $id) { id } }", json!({"id": followed[0]})).await;
    assert_eq!(total(&app, &reads).await, 3);
    let on_case = entries(&app, json!({"action": "read:case", "targetId": followed[0]}), 10).await;
    assert_eq!(on_case.len(), 2);

    // Through a relation: the transfers the followed cases came from lead to them.
    let q = "{ transfers(first: 10) { edges { node { resultingCase { id title } } } } }";
    let data = app.data("court.trainee", q, json!({})).await;
    let via: Vec<&Value> = data["transfers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["resultingCase"]["id"].as_str().map(|_| &e["node"]["resultingCase"]["id"]))
        .collect();
    assert!(!via.is_empty(), "the demo's followed cases came by transfer");
    assert_eq!(total(&app, &reads).await, 3 + via.len() as i64);

    // Others' reads are not audited as trainee reads.
    app.data("admin", "{ cases(first: 5) { edges { node { id } } } }", json!({})).await;
    let all_reads = entries(&app, json!({"action": "read:case"}), 50).await;
    assert_eq!(all_reads.len() as i64, total(&app, &reads).await);
}
