//! The case lifecycle: fileCase, updateCase, transitionCase against rules R1–R7, R10 and the
//! timers T1–T5, through the HTTP API.

use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field};

pub(crate) const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) {
  id caseNo status version procedure fineAmount town decisionDue deliveryDue publicationDue overdue
  officers { login } party { name } timeline { kind caseVersion } } }"#;

pub(crate) const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {
  transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) {
    id status version major fineAmount noticeFineAmount hearingRequestDue decisionDue deliveryDue paymentDue publicationDue
    timeline { kind caseVersion detail } } }"#;

pub(crate) const UPDATE: &str = r#"mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) {
  updateCase(id: $id, expectedVersion: $v, input: $input) { id version major decisionDue overdue } }"#;

pub(crate) fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

/// A filing by `login` in `matter`, with `extra` fields merged over sensible defaults.
pub(crate) fn filing(matter: &str, extra: Value) -> Value {
    let mut input = json!({
        "title": "王五占道经营案",
        "procedure": "GENERAL",
        "matterCode": matter,
        "party": { "kind": "PERSON", "name": "王五", "idNumber": "11010519491231002X", "phone": "13805770001" },
        "occurredAt": ago(3),
        "facts": "王五在北岙街道中心街占道经营,经劝导拒不改正。"
    });
    for (k, v) in extra.as_object().expect("object").clone() {
        input[k] = v;
    }
    input
}

pub(crate) async fn matter_for(app: &TestApp, login: &str, filter: Value) -> String {
    let q = "query($f: MatterFilter) { matters(first: 100, filter: $f) { edges { node { code domain } } } }";
    let data = app.data(login, q, json!({"f": filter})).await;
    data["matters"]["edges"][0]["node"]["code"].as_str().expect("a matter").to_string()
}

pub(crate) async fn certified_bureau_officers(app: &TestApp) -> Vec<String> {
    let q = r#"{ users(first: 100, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id login department { code } } } } }"#;
    let data = app.data("bureau.officer", q, json!({})).await;
    data["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["department"]["code"] == "bureau")
        .map(|e| e["node"]["id"].as_str().expect("id").to_string())
        .collect()
}

pub(crate) async fn file(app: &TestApp, login: &str, input: Value) -> Value {
    let body = app.gql(Some(login), FILE, json!({"input": input})).await;
    assert!(body.get("errors").is_none(), "fileCase failed: {body}");
    body["data"]["fileCase"].clone()
}

pub(crate) async fn act(app: &TestApp, login: &str, case: &Value, action: &str, input: Value) -> Value {
    app.gql(Some(login), MOVE, json!({"id": case["id"], "v": case["version"], "action": action, "input": input})).await
}

/// Performs an action that must succeed; returns the case after it.
pub(crate) async fn ok(app: &TestApp, login: &str, case: &Value, action: &str, input: Value) -> Value {
    let body = act(app, login, case, action, input).await;
    assert!(body.get("errors").is_none(), "{action} failed: {body}");
    body["data"]["transitionCase"].clone()
}

/// A general bureau case under investigation with two certified officers.
pub(crate) async fn investigating(app: &TestApp, extra: Value) -> Value {
    let matter = matter_for(app, "bureau.officer", json!({"domain": "市容"})).await;
    let officers = certified_bureau_officers(app).await;
    let mut extra = extra;
    if extra.get("officerIds").is_none() {
        extra["officerIds"] = json!(officers[..2]);
    }
    let case = file(app, "bureau.officer", filing(&matter, extra)).await;
    ok(app, "bureau.officer", &case, "INVESTIGATE", json!({})).await
}

#[actix_rt::test]
async fn a_simple_case_is_decided_on_the_spot_within_the_fine_caps() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let simple = |fine: Value, kind: &str| {
        let party = if kind == "PERSON" {
            json!({"kind": "PERSON", "name": "李四"})
        } else {
            json!({"kind": "ORGANIZATION", "name": "洞头小陈海鲜餐饮店"})
        };
        filing(&matter, json!({"procedure": "SIMPLE", "fineAmount": fine, "party": party}))
    };
    let case = file(&app, "bureau.officer", simple(json!("200"), "PERSON")).await;
    assert_eq!(case["status"], "DECIDED");
    assert_eq!(case["fineAmount"], "200.00");
    assert!(case["deliveryDue"].is_string() && case["publicationDue"].is_string());
    assert!(case["decisionDue"].is_null(), "T1 applies to general cases only");

    // R1 (APL 51): ¥200 for a person, ¥3,000 for an organisation.
    for (fine, kind) in [(json!("200.01"), "PERSON"), (json!("3000.01"), "ORGANIZATION")] {
        let body = app.gql(Some("bureau.officer"), FILE, json!({"input": simple(fine, kind)})).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineAmount"), "{body}");
    }
    let org = file(&app, "bureau.officer", simple(json!("3000"), "ORGANIZATION")).await;
    assert_eq!(org["fineAmount"], "3000.00");

    // R9: money is a string with at most two decimals, never a JSON number or negative.
    for bad in [json!(100), json!("1.001"), json!("-5"), json!("1e2")] {
        let body = app.gql(Some("bureau.officer"), FILE, json!({"input": simple(bad.clone(), "PERSON")})).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineAmount"), "{bad}: {body}");
    }
    // A general case's fine comes with the notice and the decision.
    let body =
        app.gql(Some("bureau.officer"), FILE, json!({"input": filing(&matter, json!({"fineAmount": "100"}))})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineAmount"), "{body}");
}

#[actix_rt::test]
async fn filing_numbers_the_case_and_starts_its_timeline_and_t1() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let case = file(&app, "bureau.officer", filing(&matter, json!({}))).await;
    let year = crate::support::shanghai_today().year();
    let no = case["caseNo"].as_str().expect("caseNo");
    assert!(no.starts_with(&format!("洞综执罚〔{year}〕")) && no.ends_with('号'), "{no}");
    assert_eq!(case["status"], "FILED");
    assert_eq!(case["version"], 1);
    assert_eq!(case["officers"], json!([{"login": "bureau.officer"}]), "the filer by default");
    assert_eq!(case["timeline"], json!([{"kind": "FILED", "caseVersion": 1}]));
    // T1: the filing date + 90 calendar days.
    let due = crate::support::shanghai_today() + Duration::days(90);
    assert_eq!(case["decisionDue"], due.format("%Y-%m-%d").to_string());
    assert_eq!(case["overdue"], false);
}

#[actix_rt::test]
async fn fifty_simultaneous_filings_get_fifty_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let calls = (0..50).map(|i| {
        let input = filing(&matter, json!({"title": format!("并发立案{i}")}));
        let app = &app;
        async move { app.gql(Some("bureau.officer"), FILE, json!({"input": input})).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let mut numbers: Vec<u32> = results
        .iter()
        .map(|body| {
            assert!(body.get("errors").is_none(), "{body}");
            let no = body["data"]["fileCase"]["caseNo"].as_str().expect("caseNo");
            let digits: String = no.chars().rev().skip(1).take(4).collect::<Vec<_>>().into_iter().rev().collect();
            digits.parse().expect("number")
        })
        .collect();
    numbers.sort_unstable();
    let first = numbers[0];
    assert_eq!(numbers, (first..first + 50).collect::<Vec<_>>(), "distinct and consecutive");
}

#[actix_rt::test]
async fn r2_investigation_needs_two_certified_officers() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let case = file(&app, "bureau.officer", filing(&matter, json!({}))).await;
    let body = act(&app, "bureau.officer", &case, "INVESTIGATE", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "officerIds"), "{body}");

    let officers = certified_bureau_officers(&app).await;
    let body = app
        .gql(Some("bureau.officer"), UPDATE, json!({"id": case["id"], "v": 1, "input": {"officerIds": officers[..2]}}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let updated = &body["data"]["updateCase"];
    assert_eq!(updated["version"], 2);
    let investigating = ok(&app, "bureau.officer", updated, "INVESTIGATE", json!({})).await;
    assert_eq!(investigating["status"], "INVESTIGATING");
}

#[actix_rt::test]
async fn illegal_moves_and_stale_versions_are_conflicts() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, json!({})).await;
    // DECIDE straight from INVESTIGATING is not in the state machine (R3: notice first).
    let body = act(&app, "bureau.officer", &case, "DECIDE", json!({})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let body = act(&app, "bureau.officer", &case, "CLOSE", json!({})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    // A stale expectedVersion.
    let stale = json!({"id": case["id"], "version": 1});
    let body = act(&app, "bureau.officer", &stale, "SERVE_NOTICE", json!({"fineAmount": "500"})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    // Nothing changed.
    let after = app
        .data("bureau.officer", "query($id: ID!) { case(id: $id) { status version } }", json!({"id": case["id"]}))
        .await;
    assert_eq!(after["case"], json!({"status": "INVESTIGATING", "version": case["version"]}));
}

#[actix_rt::test]
async fn r3_r4_a_hearing_level_penalty_waits_for_hearing_and_legal_review() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, json!({})).await;
    // ¥20,000 on a person is hearing-level (APL 63): T2 starts, the case becomes major.
    let noticed = ok(&app, "bureau.officer", &case, "SERVE_NOTICE", json!({"fineAmount": "20000"})).await;
    assert_eq!(noticed["status"], "NOTICE_SERVED");
    assert_eq!(noticed["major"], true);
    assert!(noticed["hearingRequestDue"].is_string());
    let body = act(&app, "bureau.officer", &noticed, "DECIDE", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "hearing"), "window still open: {body}");

    let hearing = ok(&app, "bureau.officer", &noticed, "REQUEST_HEARING", json!({})).await;
    let body = act(&app, "bureau.officer", &hearing, "DECIDE", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "hearing"), "requested, not held: {body}");
    let held = ok(&app, "bureau.officer", &hearing, "HOLD_HEARING", json!({})).await;
    let body = act(&app, "bureau.officer", &held, "DECIDE", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "legalReview"), "{body}");

    let review = ok(&app, "bureau.officer", &held, "SUBMIT_FOR_REVIEW", json!({})).await;
    assert_eq!(review["status"], "LEGAL_REVIEW");
    // Only a legal reviewer approves.
    let body = act(&app, "bureau.officer", &review, "APPROVE_REVIEW", json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let approved = ok(&app, "bureau.reviewer", &review, "APPROVE_REVIEW", json!({})).await;
    let decided = ok(&app, "bureau.officer", &approved, "DECIDE", json!({"fineAmount": "18000"})).await;
    assert_eq!(decided["status"], "DECIDED");
    assert_eq!(decided["fineAmount"], "18000.00");
    let kinds: Vec<&str> =
        decided["timeline"].as_array().expect("timeline").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds.first(), Some(&"FILED"));
    assert!(kinds[1..].iter().all(|k| *k == "TRANSITIONED"));
    assert_eq!(
        decided["timeline"].as_array().expect("timeline").last().expect("last")["caseVersion"],
        decided["version"]
    );
}

#[actix_rt::test]
async fn r4_the_reviewer_may_not_be_an_officer_and_major_is_never_cleared() {
    let app = TestApp::spawn().await;
    let reviewer = app.data("bureau.reviewer", "{ me { id } }", json!({})).await["me"]["id"].clone();
    let officers = certified_bureau_officers(&app).await;
    let case = investigating(&app, json!({"major": true, "officerIds": [officers[0], officers[1], reviewer]})).await;
    let body = app
        .gql(Some("bureau.officer"), UPDATE, json!({"id": case["id"], "v": case["version"], "input": {"major": false}}))
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "major"), "{body}");

    let noticed = ok(&app, "bureau.officer", &case, "SERVE_NOTICE", json!({"fineAmount": "500"})).await;
    // R3+: the party's statement was recorded, so only the review is missing.
    let noticed = ok(&app, "bureau.officer", &noticed, "RECORD_STATEMENT", json!({"note": "无异议"})).await;
    let body = act(&app, "bureau.officer", &noticed, "DECIDE", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "legalReview"), "major needs review: {body}");
    let review = ok(&app, "bureau.officer", &noticed, "SUBMIT_FOR_REVIEW", json!({})).await;
    let body = act(&app, "bureau.reviewer", &review, "APPROVE_REVIEW", json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN", "the reviewer is an officer of this case: {body}");
    // A rejected review goes back to investigation, with a reason.
    let body = act(&app, "bureau.reviewer", &review, "REJECT_REVIEW", json!({})).await;
    assert!(body.get("errors").is_some(), "an officer-reviewer may not reject either: {body}");
}

#[actix_rt::test]
async fn r5_the_decision_may_not_exceed_the_notice_without_a_new_one() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, json!({})).await;
    let noticed = ok(&app, "bureau.officer", &case, "SERVE_NOTICE", json!({"fineAmount": "500"})).await;
    assert_eq!(noticed["noticeFineAmount"], "500.00");
    let noticed = ok(&app, "bureau.officer", &noticed, "RECORD_STATEMENT", json!({"note": "无异议"})).await;
    let body = act(&app, "bureau.officer", &noticed, "DECIDE", json!({"fineAmount": "600"})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineAmount"), "{body}");
    let renoticed = ok(&app, "bureau.officer", &noticed, "SERVE_NOTICE", json!({"fineAmount": "600"})).await;
    // A new notice opens a new statement window (R3+).
    let renoticed = ok(&app, "bureau.officer", &renoticed, "RECORD_STATEMENT", json!({"note": "无异议"})).await;
    let decided = ok(&app, "bureau.officer", &renoticed, "DECIDE", json!({"fineAmount": "600"})).await;
    assert_eq!(decided["fineAmount"], "600.00");

    // T3, T4, T5 start with the decision and the delivery.
    let calendar = casebridge::calendar::Calendar::load(&app.db).await.expect("calendar");
    let today = crate::support::shanghai_today();
    assert_eq!(decided["deliveryDue"], calendar.add_working_days(today, 7).format("%Y-%m-%d").to_string());
    assert_eq!(decided["publicationDue"], calendar.add_working_days(today, 7).format("%Y-%m-%d").to_string());
    let delivered = ok(&app, "bureau.officer", &decided, "DELIVER", json!({})).await;
    assert_eq!(delivered["paymentDue"], (today + Duration::days(15)).format("%Y-%m-%d").to_string());
    // R15: the fine is paid before the case closes.
    let pay = r#"mutation($id: ID!, $input: PaymentInput!) { recordPayment(caseId: $id, input: $input) { version } }"#;
    let input = json!({"amount": "600", "paidOn": today.format("%Y-%m-%d").to_string(), "receiptNo": "R-1"});
    let paid = app.data("bureau.officer", pay, json!({"id": delivered["id"], "input": input})).await;
    let delivered = json!({"id": delivered["id"], "version": paid["recordPayment"]["version"]});
    let closed = ok(&app, "bureau.officer", &delivered, "CLOSE", json!({})).await;
    assert_eq!(closed["status"], "CLOSED");
    let body = app
        .gql(
            Some("bureau.officer"),
            UPDATE,
            json!({"id": closed["id"], "v": closed["version"], "input": {"title": "x"}}),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "a closed case is not edited: {body}");
}

#[actix_rt::test]
async fn r6_no_filing_after_the_limitation_period() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let body = app
        .gql(Some("bureau.officer"), FILE, json!({"input": filing(&matter, json!({"occurredAt": ago(3 * 365)}))}))
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "occurredAt"), "{body}");
    // Five years when life, health or financial safety was harmed.
    file(&app, "bureau.officer", filing(&matter, json!({"occurredAt": ago(3 * 365), "seriousHarm": true}))).await;
    let body = app
        .gql(
            Some("bureau.officer"),
            FILE,
            json!({"input": filing(&matter, json!({"occurredAt": ago(6 * 365), "seriousHarm": true}))}),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "occurredAt"), "{body}");
    // A continuing act counts from its end.
    file(&app, "bureau.officer", filing(&matter, json!({"occurredAt": ago(4 * 365), "endedAt": ago(30)}))).await;
    let body =
        app.gql(Some("bureau.officer"), FILE, json!({"input": filing(&matter, json!({"occurredAt": ago(-2)}))})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "occurredAt"), "future: {body}");
}

#[actix_rt::test]
async fn r7_a_town_team_files_empowered_matters_in_its_town_and_refers_hearing_level_penalties() {
    let app = TestApp::spawn().await;
    let forestry = matter_for(&app, "town.beiao", json!({"domain": "林业"})).await;
    let body = app.gql(Some("town.beiao"), FILE, json!({"input": filing(&forestry, json!({}))})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "matterCode"), "not empowered: {body}");

    let empowered = matter_for(&app, "town.beiao", json!({"town": "北岙街道"})).await;
    let body =
        app.gql(Some("town.beiao"), FILE, json!({"input": filing(&empowered, json!({"town": "东屏街道"}))})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "town"), "{body}");
    let case = file(&app, "town.beiao", filing(&empowered, json!({}))).await;
    assert_eq!(case["town"], "北岙街道");
    assert!(case["caseNo"].as_str().expect("no").contains('〔'));

    // The town team's certified officers investigate, then may not serve a hearing-level notice.
    let q = r#"{ users(first: 100, filter: {certified: true}) { edges { node { id department { code } } } } }"#;
    let users = app.data("town.beiao", q, json!({})).await;
    let ids: Vec<Value> = users["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["department"]["code"] == "town-beiao")
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert!(ids.len() >= 2, "the demo gives 北岙 certified officers");
    let body =
        app.gql(Some("town.beiao"), UPDATE, json!({"id": case["id"], "v": 1, "input": {"officerIds": ids[..2]}})).await;
    let case = body["data"]["updateCase"].clone();
    let case = ok(&app, "town.beiao", &case, "INVESTIGATE", json!({})).await;
    let body = act(&app, "town.beiao", &case, "SERVE_NOTICE", json!({"fineAmount": "10000"})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineAmount"), "{body}");
    ok(&app, "town.beiao", &case, "SERVE_NOTICE", json!({"fineAmount": "9999.99"})).await;

    // Another town's team cannot even see it.
    let body = act(&app, "town.dongping", &case, "INVESTIGATE", json!({})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[actix_rt::test]
async fn r10_party_identifiers_are_checked() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    let cases = [
        (json!({"kind": "PERSON", "name": "王五", "idNumber": "110105194912310021"}), "party.idNumber"),
        (json!({"kind": "ORGANIZATION", "name": "某某公司", "idNumber": "11010519491231002X"}), "party.idNumber"),
        (json!({"kind": "ORGANIZATION", "name": "某某公司", "creditCode": "91350100M000100Y44"}), "party.creditCode"),
        (json!({"kind": "PERSON", "name": " "}), "party.name"),
    ];
    for (party, want) in cases {
        let body =
            app.gql(Some("bureau.officer"), FILE, json!({"input": filing(&matter, json!({"party": party}))})).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", want), "{body}");
    }
    let org = json!({"kind": "ORGANIZATION", "name": "温州洞海建设有限公司", "creditCode": "91350100M000100Y43"});
    file(&app, "bureau.officer", filing(&matter, json!({"party": org}))).await;
}

#[actix_rt::test]
async fn only_officers_file_and_act_on_cases() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, "bureau.officer", json!({"domain": "市容"})).await;
    for login in ["court.trainee", "dashboard", "nr.liaison", "bureau.reviewer"] {
        let body = app.gql(Some(login), FILE, json!({"input": filing(&matter, json!({}))})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    let body = app.gql(None, FILE, json!({"input": filing(&matter, json!({}))})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let case = investigating(&app, json!({})).await;
    let body = act(&app, "bureau.reviewer", &case, "SERVE_NOTICE", json!({"fineAmount": "100"})).await;
    assert_eq!(code(&body), "FORBIDDEN", "a reviewer sees every case but does not act on it: {body}");
}

#[actix_rt::test]
async fn an_exemption_needs_a_verified_rectification() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, json!({})).await;
    let body = act(&app, "bureau.officer", &case, "EXEMPT", json!({"note": "当场改正"})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "rectification"), "{body}");

    // A notice ordering the correction (T8), not yet verified: still no exemption.
    let issue = r#"mutation($input: IssueRectificationNoticeInput!) {
      issueRectificationNotice(input: $input) { id status partyName deadline overdue } }"#;
    let deadline = (Utc::now() + Duration::days(7)).date_naive().to_string();
    let input = json!({"caseId": case["id"], "requirement": "立即清理占道物品", "deadline": deadline});
    let notice = app.data("bureau.officer", issue, json!({"input": input})).await["issueRectificationNotice"].clone();
    assert_eq!(notice["status"], "ISSUED");
    assert_eq!(notice["partyName"], "王五", "the party comes from the case");
    assert_eq!(notice["overdue"], false);
    let body = act(&app, "bureau.officer", &case, "EXEMPT", json!({"note": "当场改正"})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "rectification"), "{body}");

    // Verified as corrected: APL 33 applies, and the exemption is on record, linked.
    let verify = r#"mutation($id: ID!) { verifyRectification(id: $id, corrected: true, note: "已清理") { status } }"#;
    let v = app.data("bureau.officer", verify, json!({"id": notice["id"]})).await;
    assert_eq!(v["verifyRectification"]["status"], "CORRECTED");
    let again = app.gql(Some("bureau.officer"), verify, json!({"id": notice["id"]})).await;
    assert_eq!(code(&again), "CONFLICT", "a notice is verified once: {again}");
    let body = act(&app, "bureau.officer", &case, "EXEMPT", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "note"), "the reason is required: {body}");
    let exempted = ok(&app, "bureau.officer", &case, "EXEMPT", json!({"note": "首违不罚:当场改正"})).await;
    assert_eq!(exempted["status"], "NOT_PENALIZED");
    assert!(exempted["fineAmount"].is_null());
    let list = app
        .data(
            "bureau.officer",
            "{ exemptions(first: 5) { edges { node { caseId rectificationNoticeId reason } } } }",
            json!({}),
        )
        .await;
    let first = &list["exemptions"]["edges"][0]["node"];
    assert_eq!((&first["caseId"], &first["rectificationNoticeId"]), (&case["id"], &notice["id"]));
    let closed = ok(&app, "bureau.officer", &exempted, "CLOSE", json!({})).await;
    assert_eq!(closed["status"], "CLOSED");
}

#[actix_rt::test]
async fn t1_a_case_past_its_decision_date_is_overdue_and_listed() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::spawn().await;
    let case = investigating(&app, json!({})).await;
    let key =
        casebridge::graphql::ids::decode(case["id"].as_str().expect("id"), casebridge::graphql::ids::Kind::Case, "id")
            .expect("uuid");
    // Move the filing 100 days back, then let an update recompute the timers.
    let row = entity::case::Entity::find_by_id(key).one(&app.db).await.expect("query").expect("row");
    let mut active: entity::case::ActiveModel = row.into();
    active.filed_at = Set(Utc::now() - Duration::days(100));
    active.update(&app.db).await.expect("backdate");
    let body = app
        .gql(
            Some("bureau.officer"),
            UPDATE,
            json!({"id": case["id"], "v": case["version"], "input": {"location": "中心街"}}),
        )
        .await;
    assert_eq!(body["data"]["updateCase"]["overdue"], true, "{body}");
    let q = r#"{ cases(first: 100, filter: {overdue: true, status: [INVESTIGATING]}) { edges { node { id } } } }"#;
    let listed = app.data("bureau.officer", q, json!({})).await;
    assert!(listed["cases"]["edges"].as_array().expect("edges").iter().any(|e| e["node"]["id"] == case["id"]));

    // An extension (APL 60) with a reason moves T1 and clears the overdue flag.
    let version = body["data"]["updateCase"]["version"].clone();
    let body = app
        .gql(
            Some("bureau.officer"),
            UPDATE,
            json!({"id": case["id"], "v": version, "input": {"extendDecisionDays": 30}}),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "note"), "{body}");
    let body = app
        .gql(
            Some("bureau.officer"),
            UPDATE,
            json!({"id": case["id"], "v": version, "input": {"extendDecisionDays": 30, "note": "案情复杂,经批准延期"}}),
        )
        .await;
    assert_eq!(body["data"]["updateCase"]["overdue"], false, "{body}");
}

#[actix_rt::test]
async fn operators_load_the_next_years_holiday_table() {
    let app = TestApp::spawn().await;
    let csv = "from,to,kind,name\n2030-01-01,2030-01-01,off,元旦\n2030-01-05,2030-01-05,workday,调休\n";
    assert_eq!(casebridge::calendar::load_table(&app.db, csv).await.expect("load"), 2);
    // Loading again replaces rather than duplicates.
    assert_eq!(casebridge::calendar::load_table(&app.db, csv).await.expect("reload"), 2);
    let cal = casebridge::calendar::Calendar::load(&app.db).await.expect("calendar");
    assert!(cal.covers(2030));
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert!(!cal.is_working_day(d("2030-01-01")));
    assert!(cal.is_working_day(d("2030-01-05")), "a make-up Saturday is worked");
}
