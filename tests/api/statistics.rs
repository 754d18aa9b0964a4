//! `statistics`, `annualReport`, `publications` and `statisticsUpdated`: the demo year against
//! the report, each figure moved through the API by exactly the right amount, who may read
//! which scope, the public's masked publications, and coalesced live pushes.

use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use crate::support::ws::{self, next, send};
use crate::support::{TestApp, code, shanghai_today};

const STATS: &str = r#"query($y: Int!, $d: ID, $t: String) { statistics(year: $y, departmentId: $d, town: $t) {
  year cases { total simple general } finesTotal townCases { total simple general }
  implementationRate { numerator denominator value percent } penaltyCoverage { numerator denominator percent }
  rectificationNotices transfersReceived { category count } licencePublications penaltyPublications
  legalReviews reviewMeetings reconsiderations reconsiderationsResolved fileChecks fileProblems fileProblemsRectified
  certificateRate { numerator denominator percent } newOfficers trainingsHeld trainingsAttended
  firstViolationExemptions creditRepairs threeDocumentDeliveries complianceGuidanceItems followCaseTrainees
  vendorsPersuaded vendorsHelpedIntoMarket openBurningStopped
  byMonth { month simple general total fines } overdue { cases transfers rectificationNotices publicationWithdrawals } } }"#;

fn transfers(s: &Value, category: &str) -> i64 {
    s["transfersReceived"].as_array().expect("list").iter().find(|c| c["category"] == category).expect("category")
        ["count"]
        .as_i64()
        .expect("count")
}

#[actix_rt::test]
async fn the_demo_year_reproduces_every_figure_of_the_2023_report() {
    let app = TestApp::spawn_scaled(1.0).await;
    let s = app.data("dashboard", STATS, json!({"y": 2023})).await["statistics"].clone();
    assert_eq!(s["cases"], json!({"total": 2723, "simple": 2640, "general": 83}));
    assert_eq!(s["finesTotal"], "3842500.00");
    assert_eq!(s["townCases"], json!({"total": 357, "simple": 280, "general": 77}));
    assert_eq!(s["implementationRate"]["percent"], "54.38%");
    assert_eq!(
        (&s["implementationRate"]["numerator"], &s["implementationRate"]["denominator"]),
        (&json!(248), &json!(456))
    );
    assert_eq!(s["penaltyCoverage"], json!({"numerator": 115, "denominator": 456, "percent": "25.21%"}));
    assert_eq!(s["rectificationNotices"], 225);
    assert_eq!((transfers(&s, "FORESTRY"), transfers(&s, "BID_RIGGING"), transfers(&s, "PROVIDENT_FUND")), (37, 6, 1));
    assert_eq!((&s["licencePublications"], &s["penaltyPublications"]), (&json!(123), &json!(2723)));
    assert_eq!(s["legalReviews"], 17);
    assert_eq!((&s["reconsiderations"], &s["reconsiderationsResolved"]), (&json!(5), &json!(2)));
    assert_eq!(
        (&s["fileChecks"], &s["fileProblems"], &s["fileProblemsRectified"]),
        (&json!(190), &json!(43), &json!(43))
    );
    assert_eq!(s["certificateRate"], json!({"numerator": 65, "denominator": 70, "percent": "92.85%"}));
    assert_eq!(s["newOfficers"], 6);
    assert_eq!((&s["trainingsHeld"], &s["trainingsAttended"]), (&json!(7), &json!(4)));
    assert_eq!(s["followCaseTrainees"], 2);
    assert_eq!((&s["complianceGuidanceItems"], &s["threeDocumentDeliveries"]), (&json!(10), &json!(9)));
    assert_eq!(s["creditRepairs"], 7);
    assert_eq!(s["firstViolationExemptions"], 51);
    assert_eq!((&s["vendorsPersuaded"], &s["vendorsHelpedIntoMarket"]), (&json!(143), &json!(87)));
    assert_eq!(s["openBurningStopped"], 14);
    // The months add up to the year.
    let months = s["byMonth"].as_array().expect("months");
    assert_eq!(months.len(), 12);
    let total: i64 = months.iter().map(|m| m["total"].as_i64().expect("n")).sum();
    assert_eq!(total, 2723);

    // The report renders the same numbers as the report prints them.
    let report = app.data("dashboard", "{ annualReport(year: 2023) }", json!({})).await["annualReport"]
        .as_str()
        .expect("markdown")
        .to_string();
    for expected in [
        "共办理行政处罚案件2723件,罚没总金额384.25万元,其中简易程序办案数2640件,一般程序案件办案数83件",
        "赋权事项实施率为54.38%,其中处罚覆盖率为25.21%,赋权镇街共办理一般程序案件77件,简易程序案件280件",
        "劝导流动摊贩143户次,帮送流动摊贩入市经营87次",
        "发出责令改正通知书225份,处罚2起出室、占道经营违法行为,处罚1起违规处置垃圾行为,及时制止露天焚烧行为14起",
        "林业督查案件37件、住建部门移交的串标案件6件、不按规定发放公积金案件1件",
        "公开行政许可123件、行政处罚2723件",
        "共17次",
        "共处理行政复议5件,化解行政复议争议2件",
        "专项检查190件,发现并整改问题43个,整改率100%",
        "新增执法人员6个,全局执法证持证率为92.85%,组织开展执法业务培训7次,参加省市区举办的培训4次",
        "共选送“跟案学习”人员2名",
        "共梳理合规指导事项10项,开展三书同达9次",
        "企业信用信息修复7家次",
        "整改不罚51次",
    ] {
        assert!(report.contains(expected), "missing «{expected}» in:\n{report}");
    }
}

#[actix_rt::test]
async fn who_may_read_which_statistics() {
    let app = TestApp::spawn().await;
    let year = shanghai_today().year();
    let ask = |login: Option<&'static str>, d: Value, t: Value| {
        let app = &app;
        async move { app.gql(login, STATS, json!({"y": year, "d": d, "t": t})).await }
    };
    for login in ["admin", "bureau.officer", "bureau.reviewer", "dashboard"] {
        let body = ask(Some(login), Value::Null, Value::Null).await;
        assert!(body.get("errors").is_none(), "{login}: {body}");
    }
    // A town team: its own town only.
    assert_eq!(code(&ask(Some("town.beiao"), Value::Null, Value::Null).await), "FORBIDDEN");
    assert!(ask(Some("town.beiao"), Value::Null, json!("北岙街道")).await.get("errors").is_none());
    assert_eq!(code(&ask(Some("town.beiao"), Value::Null, json!("东屏街道")).await), "FORBIDDEN");
    // A line department: its own department only.
    let me = app.data("nr.liaison", "{ me { department { id } } }", json!({})).await;
    let nr = me["me"]["department"]["id"].clone();
    assert!(ask(Some("nr.liaison"), nr.clone(), Value::Null).await.get("errors").is_none());
    assert_eq!(code(&ask(Some("nr.liaison"), Value::Null, Value::Null).await), "FORBIDDEN");
    // Trainees read no statistics; without a token nobody does.
    assert_eq!(code(&ask(Some("court.trainee"), Value::Null, Value::Null).await), "FORBIDDEN");
    assert_eq!(code(&ask(None, Value::Null, Value::Null).await), "UNAUTHENTICATED");
    assert_eq!(code(&app.gql(Some("court.trainee"), "{ annualReport(year: 2023) }", json!({})).await), "FORBIDDEN");
    // Bad input names the field.
    let body = app.gql(Some("dashboard"), STATS, json!({"y": 1066})).await;
    assert_eq!((code(&body), crate::support::field(&body)), ("BAD_USER_INPUT", "year"), "{body}");
    let body = app.gql(Some("dashboard"), STATS, json!({"y": year, "d": "bogus"})).await;
    assert_eq!((code(&body), crate::support::field(&body)), ("BAD_USER_INPUT", "departmentId"), "{body}");
}

const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id version status } }"#;

async fn matter(app: &TestApp) -> Value {
    let q = r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#;
    app.data("bureau.officer", q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone()
}

fn simple_case(matter: &Value, name: &str, fine: &str) -> Value {
    json!({"title": format!("{name}占道经营案"), "procedure": "SIMPLE", "matterCode": matter, "fineAmount": fine,
        "party": {"kind": "PERSON", "name": name, "idNumber": "11010519491231002X"},
        "occurredAt": Utc::now().to_rfc3339(), "facts": format!("{name}在中心街占道经营。")})
}

#[actix_rt::test]
async fn each_figure_moves_by_exactly_the_right_amount() {
    let app = TestApp::spawn().await;
    let year = shanghai_today().year();
    let stats = || async { app.data("admin", STATS, json!({"y": year})).await["statistics"].clone() };
    let n = |s: &Value, path: &[&str]| path.iter().fold(s.clone(), |v, k| v[*k].clone()).as_i64().expect("number");
    let before = stats().await;

    // A simple case decided on the spot: one more simple case, its fine in the total.
    let m = matter(&app).await;
    let case =
        app.data("bureau.officer", FILE, json!({"input": simple_case(&m, "钱七", "150.50")})).await["fileCase"].clone();
    let after = stats().await;
    assert_eq!(n(&after, &["cases", "simple"]), n(&before, &["cases", "simple"]) + 1);
    let fines = |s: &Value| {
        let t = s["finesTotal"].as_str().expect("decimal").replace('.', "");
        t.parse::<i64>().expect("fen")
    };
    assert_eq!(fines(&after), fines(&before) + 15050);
    assert_eq!(n(&after, &["penaltyPublications"]), n(&before, &["penaltyPublications"]));

    // Published: one more penalty publication; the public sees it masked.
    let publish = r#"mutation($id: ID!) { publishDecision(caseId: $id) { id kind title content } }"#;
    let published = app.data("bureau.officer", publish, json!({"id": case["id"]})).await["publishDecision"].clone();
    let after = stats().await;
    assert_eq!(n(&after, &["penaltyPublications"]), n(&before, &["penaltyPublications"]) + 1);
    let twice = app.gql(Some("bureau.officer"), publish, json!({"id": case["id"]})).await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    let public = app
        .gql(None, "{ publications(first: 5) { totalCount edges { node { id kind title content } } } }", json!({}))
        .await;
    assert!(public.get("errors").is_none(), "the public needs no token: {public}");
    let node = public["data"]["publications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["id"] == published["id"])
        .expect("the new publication is public")["node"]
        .clone();
    let text = node["content"].as_str().expect("content");
    assert!(text.contains("钱某") && !text.contains("钱七") && !text.contains("11010519491231002X"), "{text}");
    assert!(text.contains("150.50"), "{text}");

    // A rectification notice, verified; an exemption of a general case on it.
    let issue =
        r#"mutation($input: IssueRectificationNoticeInput!) { issueRectificationNotice(input: $input) { id } }"#;
    let deadline = (Utc::now() + chrono::Duration::days(5)).date_naive().to_string();
    let notice = app
        .data(
            "bureau.officer",
            issue,
            json!({"input": {"partyName": "孙八", "requirement": "清理占道物品", "deadline": deadline}}),
        )
        .await["issueRectificationNotice"]
        .clone();
    let after = stats().await;
    assert_eq!(n(&after, &["rectificationNotices"]), n(&before, &["rectificationNotices"]) + 1);
    let _ = notice;

    // A file evaluation with two findings, one rectified.
    let evaluate = r#"mutation($input: RecordFileEvaluationInput!) { recordFileEvaluation(input: $input) {
        id findings { id description rectifiedAt } } }"#;
    let input = json!({"caseId": case["id"], "evaluatedOn": shanghai_today().to_string(), "scope": "处罚公示内容专项检查",
        "findings": ["公示内容未隐去住址", "送达日期填写不规范"]});
    let ev = app.data("bureau.reviewer", evaluate, json!({"input": input})).await["recordFileEvaluation"].clone();
    let after = stats().await;
    assert_eq!(n(&after, &["fileChecks"]), n(&before, &["fileChecks"]) + 1);
    assert_eq!(n(&after, &["fileProblems"]), n(&before, &["fileProblems"]) + 2);
    assert_eq!(n(&after, &["fileProblemsRectified"]), n(&before, &["fileProblemsRectified"]));
    let rectify = r#"mutation($id: ID!) { rectifyFinding(id: $id, note: "已补正") { rectifiedAt } }"#;
    let f = app.data("bureau.officer", rectify, json!({"id": ev["findings"][0]["id"]})).await;
    assert!(f["rectifyFinding"]["rectifiedAt"].is_string());
    let after = stats().await;
    assert_eq!(n(&after, &["fileProblemsRectified"]), n(&before, &["fileProblemsRectified"]) + 1);

    // Patrols, trainings, guidance: one each.
    let patrol =
        r#"mutation { recordPatrolAction(input: {kind: VENDOR_PERSUADED, town: "北岙街道", place: "中心街"}) { id } }"#;
    app.data("bureau.officer", patrol, json!({})).await;
    let guidance = r#"mutation { addComplianceGuidanceItem(input: {industry: "紫菜", title: "晾晒不占道", guidance: "晾晒场地不得占用道路"}) { id } }"#;
    app.data("bureau.officer", guidance, json!({})).await;
    let training = r#"mutation($d: Date!) { recordTraining(input: {title: "案卷制作", organiser: BUREAU, heldOn: $d, attendeeIds: []}) { id } }"#;
    app.data("bureau.officer", training, json!({"d": shanghai_today().to_string()})).await;
    let after = stats().await;
    assert_eq!(n(&after, &["vendorsPersuaded"]), n(&before, &["vendorsPersuaded"]) + 1);
    assert_eq!(n(&after, &["complianceGuidanceItems"]), n(&before, &["complianceGuidanceItems"]) + 1);
    assert_eq!(n(&after, &["trainingsHeld"]), n(&before, &["trainingsHeld"]) + 1);
    // Nothing else moved by these writes.
    assert_eq!(n(&after, &["cases", "general"]), n(&before, &["cases", "general"]));
    assert_eq!(n(&after, &["firstViolationExemptions"]), n(&before, &["firstViolationExemptions"]));
}

#[actix_rt::test]
async fn a_burst_of_filings_is_coalesced_into_a_few_pushes() {
    let app = TestApp::spawn().await;
    let year = shanghai_today().year();
    let mut ws = ws::connect(&app, &app.token("dashboard"), "graphql-transport-ws").await;
    let q = format!("subscription {{ statisticsUpdated(year: {year}) {{ cases {{ simple }} }} }}");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": q}});
    send(&mut ws, sub).await;
    // The current figures come at once.
    let first = next(&mut ws, 30).await.expect("initial figures");
    assert_eq!(first["type"], "next", "{first}");
    let start = first["payload"]["data"]["statisticsUpdated"]["cases"]["simple"].as_i64().expect("n");

    // A burst of 60 filings.
    const BURST: i64 = 60;
    let m = matter(&app).await;
    let filings = (0..BURST).map(|i| {
        let input = simple_case(&m, "周九", "50");
        let app = &app;
        async move {
            let body = app.gql(Some("bureau.officer"), FILE, json!({"input": input})).await;
            assert!(body.get("errors").is_none(), "filing {i}: {body}");
        }
    });
    futures_util::future::join_all(filings).await;

    // Pushes arrive until the figures show the whole burst; far fewer than one per filing.
    let mut pushes = 0;
    loop {
        let msg = next(&mut ws, 30).await.expect("a push after the burst");
        assert_eq!(msg["type"], "next", "{msg}");
        pushes += 1;
        let now = msg["payload"]["data"]["statisticsUpdated"]["cases"]["simple"].as_i64().expect("n");
        if now == start + BURST {
            break;
        }
        assert!(now < start + BURST, "figures never overshoot");
    }
    assert!(pushes <= 20, "{pushes} pushes for {BURST} filings: not coalesced");
    // And nothing more until something changes again.
    assert!(next(&mut ws, 1).await.is_none(), "no push without a change");
}

#[actix_rt::test]
async fn a_revoked_decision_must_be_withdrawn_within_t6() {
    let app = TestApp::spawn().await;
    let m = matter(&app).await;
    let case =
        app.data("bureau.officer", FILE, json!({"input": simple_case(&m, "吴十", "100")})).await["fileCase"].clone();
    let publish = r#"mutation($id: ID!) { publishDecision(caseId: $id) { id } }"#;
    let p = app.data("bureau.officer", publish, json!({"id": case["id"]})).await["publishDecision"]["id"].clone();
    let register =
        r#"mutation($input: RegisterReconsiderationInput!) { registerReconsideration(input: $input) { id outcome } }"#;
    let input = json!({"caseId": case["id"], "kind": "RECONSIDERATION", "applicant": "吴十", "body": "洞头区人民政府",
        "receivedOn": shanghai_today().to_string()});
    let r = app.data("bureau.reviewer", register, json!({"input": input})).await["registerReconsideration"].clone();
    assert_eq!(r["outcome"], "PENDING");
    let conclude = r#"mutation($id: ID!, $d: Date!) { concludeReconsideration(id: $id, outcome: REVOKED, concludedOn: $d) { outcome } }"#;
    app.data("bureau.reviewer", conclude, json!({"id": r["id"], "d": shanghai_today().to_string()})).await;
    let list = app
        .gql(None, "{ publications(first: 100) { edges { node { id revokedAt withdrawalDue overdue } } } }", json!({}))
        .await;
    let node = list["data"]["publications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["id"] == p)
        .expect("still public until withdrawn")["node"]
        .clone();
    assert!(node["revokedAt"].is_string() && node["withdrawalDue"].is_string(), "{node}");
    assert_eq!(node["overdue"], false, "T6 has three working days to run");
    let due =
        chrono::NaiveDate::parse_from_str(node["withdrawalDue"].as_str().expect("date"), "%Y-%m-%d").expect("date");
    assert!(due > shanghai_today(), "T6 counts working days after the revocation");
    let withdraw = r#"mutation($id: ID!) { withdrawPublication(id: $id) { withdrawnAt } }"#;
    app.data("bureau.officer", withdraw, json!({"id": p})).await;
    let list = app.gql(None, "{ publications(first: 100) { edges { node { id } } } }", json!({})).await;
    assert!(
        list["data"]["publications"]["edges"].as_array().expect("edges").iter().all(|e| e["node"]["id"] != p),
        "a withdrawn publication is no longer public"
    );
}

/// PostgreSQL only: instances share the statistics signal through PostgreSQL. (One instance,
/// on either backend, is covered by the burst test.)
#[actix_rt::test]
#[ignore = "PostgreSQL only (two instances on one database): TEST_DATABASE_URL=postgres://… cargo test -- --include-ignored"]
async fn another_instances_oversight_write_reaches_live_statistics() {
    crate::support::postgres_only();
    let app = TestApp::spawn().await;
    let other = TestApp::attach(&app.database_url).await;
    let year = shanghai_today().year();
    let mut ws = ws::connect(&other, &other.token("dashboard"), "graphql-transport-ws").await;
    let q = format!("subscription {{ statisticsUpdated(year: {year}) {{ openBurningStopped }} }}");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": q}});
    send(&mut ws, sub).await;
    let first = next(&mut ws, 30).await.expect("initial figures");
    let start = first["payload"]["data"]["statisticsUpdated"]["openBurningStopped"].as_i64().expect("n");

    // A patrol on the first instance: no case event, only the statistics notification.
    let patrol = r#"mutation { recordPatrolAction(input: {kind: OPEN_BURNING_STOPPED, town: "鹿西乡", place: "山坪村"}) { id } }"#;
    app.data("bureau.officer", patrol, json!({})).await;
    let got = next(&mut ws, 20).await.expect("a push from the other instance's write");
    assert_eq!(got["payload"]["data"]["statisticsUpdated"]["openBurningStopped"].as_i64(), Some(start + 1), "{got}");
}

#[actix_rt::test]
async fn a_deactivated_dashboards_live_statistics_end_with_unauthenticated() {
    let app = TestApp::spawn().await;
    let year = shanghai_today().year();
    let mut ws = ws::connect(&app, &app.token("dashboard"), "graphql-transport-ws").await;
    let q = format!("subscription {{ statisticsUpdated(year: {year}) {{ year }} }}");
    send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": q}})).await;
    assert_eq!(next(&mut ws, 30).await.expect("initial figures")["type"], "next");

    app.deactivate("dashboard").await;
    let msg = next(&mut ws, 40).await.expect("a closing message");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{msg}");
    let done = next(&mut ws, 10).await.expect("complete");
    assert_eq!(done["type"], "complete", "the subscription ends: {done}");
}
