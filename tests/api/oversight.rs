//! Every oversight write tells the live statistics itself: one `statisticsUpdated`
//! subscription watches while each oversight mutation runs in turn. A write that moves a
//! figure must be pushed within a timeout that is generous (the coalescing window is a quarter
//! of a second) yet shorter than the feed's periodic refresh, which would mask a forgotten
//! signal. On PostgreSQL every oversight write, including those that move no figure of the
//! year (a verification, a withdrawal, an accepted credit repair, a claim), must also send its
//! `NOTIFY casebridge_stats` to the other instances.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, TimeDelta, Utc};
use sea_orm::sqlx::postgres::PgListener;
use serde_json::{Value, json};

use crate::support::ws::{self, Socket, next, send};
use crate::support::{TestApp, code, field, shanghai_today};

const FIGURES: &str = "cases { simple } rectificationNotices licencePublications penaltyPublications reviewMeetings \
    reconsiderations reconsiderationsResolved fileChecks fileProblemsRectified creditRepairs threeDocumentDeliveries \
    complianceGuidanceItems trainingsHeld vendorsPersuaded certificateRate { numerator }";

/// How long a push may take: generous (it comes within the quarter-second coalescing window on
/// an idle machine), yet well under the feed's periodic refresh, which would otherwise push the
/// figures of a write that forgot to signal.
const PUSH_SECS: u64 = casebridge::statistics::live::REFRESH.as_secs() / 3;
/// How long the NOTIFY of a write may take (PostgreSQL).
const NOTIFY_SECS: u64 = 30;

/// The dashboard's live figures, and on PostgreSQL a listener of the figures channel.
struct Live {
    ws: Socket,
    figures: Value,
    listener: Option<PgListener>,
}

fn figure(figures: &Value, path: &[&str]) -> i64 {
    path.iter().fold(figures, |v, k| &v[*k]).as_i64().unwrap_or_else(|| panic!("no figure {path:?} in {figures}"))
}

impl Live {
    async fn start(app: &TestApp) -> Self {
        let listener = if app.database_url.starts_with("postgres") {
            let mut l = PgListener::connect(&app.database_url).await.expect("listener connects");
            l.listen(casebridge::events::FIGURES_CHANNEL).await.expect("listen");
            Some(l)
        } else {
            None
        };
        let mut ws = ws::connect(app, &app.token("dashboard"), "graphql-transport-ws").await;
        let q = format!("subscription {{ statisticsUpdated(year: {}) {{ {FIGURES} }} }}", shanghai_today().year());
        send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": q}})).await;
        let first = next(&mut ws, NOTIFY_SECS).await.expect("initial figures");
        assert_eq!(first["type"], "next", "{first}");
        let figures = first["payload"]["data"]["statisticsUpdated"].clone();
        Self { ws, figures, listener }
    }

    /// Runs `query` as `login` (no errors allowed) and returns its data. `moves`: the figure
    /// the write moves and by how much; the push showing it must come. `oversight`: the write
    /// is an oversight write, whose own signal must reach the other instances (PostgreSQL).
    async fn write(
        &mut self,
        app: &TestApp,
        login: &str,
        query: &str,
        variables: Value,
        moves: Option<(&[&str], i64)>,
        oversight: bool,
    ) -> Value {
        let target = moves.map(|(path, delta)| (path, figure(&self.figures, path) + delta));
        let data = app.data(login, query, variables).await;
        if let Some((path, want)) = target {
            loop {
                let msg = next(&mut self.ws, PUSH_SECS)
                    .await
                    .unwrap_or_else(|| panic!("no push after `{query}`: {path:?} should be {want}"));
                assert_eq!(msg["type"], "next", "{msg}");
                self.figures = msg["payload"]["data"]["statisticsUpdated"].clone();
                if figure(&self.figures, path) == want {
                    break;
                }
            }
        }
        if let (Some(l), true) = (self.listener.as_mut(), oversight) {
            let got = tokio::time::timeout(Duration::from_secs(NOTIFY_SECS), l.recv()).await;
            assert!(matches!(got, Ok(Ok(_))), "no NOTIFY {} after `{query}`", casebridge::events::FIGURES_CHANNEL);
        }
        data
    }
}

const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id } }"#;

async fn decided_case(app: &TestApp, live: &mut Live, party: Value) -> Value {
    let q = r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#;
    let matter = app.data("bureau.officer", q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone();
    let input = json!({"title": "占道经营案", "procedure": "SIMPLE", "matterCode": matter, "fineAmount": "100",
        "party": party, "occurredAt": chrono::Utc::now().to_rfc3339(), "facts": "在中心街占道经营。"});
    let filed =
        live.write(app, "bureau.officer", FILE, json!({"input": input}), Some((&["cases", "simple"], 1)), false);
    filed.await["fileCase"]["id"].clone()
}

#[actix_rt::test]
async fn every_oversight_write_tells_the_live_statistics() {
    let app = TestApp::spawn().await;
    let mut live = Live::start(&app).await;
    let today = shanghai_today().to_string();
    let (officer, reviewer) = ("bureau.officer", "bureau.reviewer");

    // Publications: a decided case's decision, a licence and its withdrawal.
    let person = json!({"kind": "PERSON", "name": "郑一", "idNumber": "11010519491231002X"});
    let case = decided_case(&app, &mut live, person).await;
    let q = r#"mutation($id: ID!) { publishDecision(caseId: $id) { id } }"#;
    live.write(&app, officer, q, json!({"id": case}), Some((&["penaltyPublications"], 1)), true).await;
    let q = r#"mutation { publishLicence(input: {title: "占道许可", holder: "洞头某店", content: "准予临时占道"}) { id } }"#;
    let licence = live.write(&app, officer, q, json!({}), Some((&["licencePublications"], 1)), true).await;
    let q = r#"mutation($id: ID!) { withdrawPublication(id: $id) { id } }"#;
    live.write(&app, officer, q, json!({"id": licence["publishLicence"]["id"]}), None, true).await;

    // A rectification notice, verified.
    let q = r#"mutation($d: Date!) { issueRectificationNotice(input: {partyName: "王二", requirement: "清理占道物品", deadline: $d}) { id } }"#;
    let notice = live.write(&app, officer, q, json!({"d": today}), Some((&["rectificationNotices"], 1)), true).await;
    let q = r#"mutation($id: ID!) { verifyRectification(id: $id, corrected: true) { status } }"#;
    live.write(&app, officer, q, json!({"id": notice["issueRectificationNotice"]["id"]}), None, true).await;

    // A reconsideration, settled.
    let q = r#"mutation($c: ID!, $d: Date!) { registerReconsideration(input: {caseId: $c, kind: RECONSIDERATION,
        applicant: "郑一", body: "洞头区人民政府", receivedOn: $d}) { id } }"#;
    let r = live.write(&app, reviewer, q, json!({"c": case, "d": today}), Some((&["reconsiderations"], 1)), true).await;
    let q = r#"mutation($id: ID!, $d: Date!) { concludeReconsideration(id: $id, outcome: SETTLED, concludedOn: $d) { id } }"#;
    let vars = json!({"id": r["registerReconsideration"]["id"], "d": today});
    live.write(&app, reviewer, q, vars, Some((&["reconsiderationsResolved"], 1)), true).await;

    // A file evaluation, its finding rectified.
    let q = r#"mutation($c: ID!, $d: Date!) { recordFileEvaluation(input: {caseId: $c, evaluatedOn: $d, scope: "专项检查",
        findings: ["送达日期填写不规范"]}) { findings { id } } }"#;
    let ev = live.write(&app, reviewer, q, json!({"c": case, "d": today}), Some((&["fileChecks"], 1)), true).await;
    let q = r#"mutation($id: ID!) { rectifyFinding(id: $id, note: "已补正") { id } }"#;
    let vars = json!({"id": ev["recordFileEvaluation"]["findings"][0]["id"]});
    live.write(&app, officer, q, vars, Some((&["fileProblemsRectified"], 1)), true).await;

    // Enterprise services: a credit repair accepted and completed, three documents, guidance.
    let q = r#"mutation($d: Date!) { acceptCreditRepair(input: {enterpriseName: "温州洞海建设有限公司",
        creditCode: "91350100M000100Y43", appliedOn: $d}) { id } }"#;
    let repair = live.write(&app, officer, q, json!({"d": today}), None, true).await;
    let q = r#"mutation($id: ID!, $d: Date!) { completeCreditRepair(id: $id, completedOn: $d) { id } }"#;
    let vars = json!({"id": repair["acceptCreditRepair"]["id"], "d": today});
    live.write(&app, officer, q, vars, Some((&["creditRepairs"], 1)), true).await;
    let org = json!({"kind": "ORGANIZATION", "name": "洞头海风海鲜餐饮店"});
    let org_case = decided_case(&app, &mut live, org).await;
    let q = r#"mutation($c: ID!) { deliverThreeDocuments(input: {caseId: $c, complianceAdvice: "规范经营",
        creditRepairNotice: "可申请信用修复"}) { id } }"#;
    live.write(&app, officer, q, json!({"c": org_case}), Some((&["threeDocumentDeliveries"], 1)), true).await;
    let q = r#"mutation { addComplianceGuidanceItem(input: {industry: "餐饮", title: "门前三包", guidance: "不得占道经营"}) { id } }"#;
    live.write(&app, officer, q, json!({}), Some((&["complianceGuidanceItems"], 1)), true).await;

    // People, patrols, the committee.
    let q = r#"mutation($d: Date!) { recordTraining(input: {title: "案卷制作", organiser: BUREAU, heldOn: $d, attendeeIds: []}) { id } }"#;
    live.write(&app, officer, q, json!({"d": today}), Some((&["trainingsHeld"], 1)), true).await;
    let q =
        r#"mutation { recordPatrolAction(input: {kind: VENDOR_PERSUADED, town: "北岙街道", place: "中心街"}) { id } }"#;
    live.write(&app, officer, q, json!({}), Some((&["vendorsPersuaded"], 1)), true).await;
    let q = r#"mutation($d: Date!) { recordReviewMeeting(input: {heldOn: $d, topic: "重大案件集体讨论", conclusion: "同意",
        legalReviewIds: []}) { id } }"#;
    live.write(&app, reviewer, q, json!({"d": today}), Some((&["reviewMeetings"], 1)), true).await;

    // A town claims a matter empowered to it (the demo town may have claimed them all: then
    // one claim is taken back in the database first).
    let q = r#"{ matters(first: 100, filter: {town: "北岙街道"}) { edges { node { id } } } }"#;
    let matters = app.data("town.beiao", q, json!({})).await["matters"]["edges"].as_array().expect("edges").clone();
    let ids: Vec<Value> = matters.iter().map(|e| e["node"]["id"].clone()).collect();
    let claims = r#"{ matterClaims(first: 100, town: "北岙街道") { edges { node { id matterId } } } }"#;
    let claimed =
        app.data("town.beiao", claims, json!({})).await["matterClaims"]["edges"].as_array().expect("c").clone();
    let unclaimed = match ids.iter().find(|id| claimed.iter().all(|c| &c["node"]["matterId"] != *id)) {
        Some(id) => id.clone(),
        None => {
            use sea_orm::EntityTrait;
            let claim = claimed.iter().find(|c| ids.contains(&c["node"]["matterId"])).expect("an empowered matter");
            let id = casebridge::graphql::ids::decode(
                claim["node"]["id"].as_str().expect("id"),
                casebridge::graphql::ids::Kind::MatterClaim,
                "id",
            )
            .expect("a claim id");
            entity::matter_claim::Entity::delete_by_id(id).exec(&app.db).await.expect("take the claim back");
            claim["node"]["matterId"].clone()
        }
    };
    let q = r#"mutation($m: ID!) { claimMatter(matterId: $m) { id } }"#;
    live.write(&app, "town.beiao", q, json!({"m": unclaimed}), None, true).await;

    // An officer's certificate lapses: one certified officer fewer.
    let q = r#"{ users(first: 100, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id login } } } }"#;
    let users = app.data("admin", q, json!({})).await["users"]["edges"].clone();
    let user = users.as_array().expect("users").iter().find(|u| u["node"]["login"] != officer).expect("an officer")
        ["node"]["id"]
        .clone();
    let yesterday = (shanghai_today() - chrono::Days::new(1)).to_string();
    let q = r#"mutation($id: ID!, $d: Date!) { updateOfficer(id: $id, certificateValidUntil: $d) { id } }"#;
    live.write(
        &app,
        "admin",
        q,
        json!({"id": user, "d": yesterday}),
        Some((&["certificateRate", "numerator"], -1)),
        true,
    )
    .await;
}

/// The signal cannot be forgotten by construction: an oversight write commits only through
/// `oversight::write::Write`, whose commit signals. No other oversight file opens a transaction
/// of its own (`begin_write`, `TransactionTrait`'s `begin` / `transaction`).
#[test]
fn oversight_writes_commit_only_through_the_signalling_write() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src/oversight") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("oversight.rs")];
    rust_files(&root.join("oversight"), &mut files);
    assert!(files.len() > 10, "read the oversight room ({} files)", files.len());
    let mut wrong = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("oversight/write.rs")) {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            if ["begin_write", "TransactionTrait", ".begin(", ".begin_with_options(", ".transaction("]
                .iter()
                .any(|s| line.contains(s))
            {
                wrong.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(wrong.is_empty(), "oversight writes that bypass write::Write:\n{}", wrong.join("\n"));
}

// R14 on the oversight writes: `effectiveAt` says when an action happened.

const OFFICER: &str = "bureau.officer";

fn ago(d: TimeDelta) -> DateTime<Utc> {
    (Utc::now() - d).trunc_subsecs(0)
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .with_timezone(&Utc)
}

fn refused_effective_at(body: &Value) {
    assert_eq!((code(body), field(body)), ("BAD_USER_INPUT", "effectiveAt"), "{body}");
}

/// The audit row of `action` on `target`: its detail keeps both the effective and the
/// recorded time.
async fn audited_times(app: &TestApp, action: &str, target: &Value) -> (DateTime<Utc>, DateTime<Utc>) {
    let q = r#"query($filter: AuditFilter) { auditLog(filter: $filter, first: 5) { edges { node { detail } } } }"#;
    let filter = json!({"action": format!("mutation:{action}"), "targetId": target});
    let data = app.data("admin", q, json!({"filter": filter})).await;
    let edges = data["auditLog"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1, "{data}");
    let detail: Value = serde_json::from_str(edges[0]["node"]["detail"].as_str().expect("detail")).expect("json");
    (instant(&detail["effectiveAt"]), instant(&detail["recordedAt"]))
}

/// A simple-procedure case decided (at its filing) `days` ago.
async fn decided_days_ago(app: &TestApp, days: i64) -> (Value, DateTime<Utc>) {
    let q = r#"{ matters(first: 1, filter: {domain: "市容"}) { edges { node { code } } } }"#;
    let matter = app.data(OFFICER, q, json!({})).await["matters"]["edges"][0]["node"]["code"].clone();
    let decided = ago(TimeDelta::days(days));
    let party = json!({"kind": "PERSON", "name": "郑一", "idNumber": "11010519491231002X"});
    let input = json!({"title": "占道经营案", "procedure": "SIMPLE", "matterCode": matter, "fineAmount": "100",
        "party": party, "occurredAt": ago(TimeDelta::days(days + 1)).to_rfc3339(), "facts": "在中心街占道经营。",
        "effectiveAt": decided.to_rfc3339()});
    (app.data(OFFICER, FILE, json!({"input": input})).await["fileCase"]["id"].clone(), decided)
}

const PATROL_AT: &str = r#"mutation($at: DateTime) { recordPatrolAction(input: {kind: VENDOR_PERSUADED,
    town: "北岙街道", place: "中心街", effectiveAt: $at}) { id occurredAt } }"#;
const PUBLISH_AT: &str = r#"mutation($id: ID!, $at: DateTime) { publishDecision(caseId: $id, effectiveAt: $at) {
    id publishedAt withdrawnAt } }"#;
const WITHDRAW_AT: &str = r#"mutation($id: ID!, $at: DateTime) { withdrawPublication(id: $id, effectiveAt: $at) {
    id publishedAt withdrawnAt } }"#;
const NOTICE_AT: &str = r#"mutation($c: ID, $d: Date!, $at: DateTime) { issueRectificationNotice(input: {caseId: $c,
    partyName: "王二", requirement: "清理占道物品", deadline: $d, effectiveAt: $at}) { id issuedOn status } }"#;
const VERIFY_AT: &str = r#"mutation($id: ID!, $at: DateTime) { verifyRectification(id: $id, corrected: true,
    effectiveAt: $at) { status verifiedAt } }"#;

#[actix_rt::test]
async fn a_patrol_entered_the_next_day_keeps_yesterdays_time_and_the_audit_both() {
    let app = TestApp::spawn().await;
    let yesterday = ago(TimeDelta::hours(26));
    let patrol =
        app.data(OFFICER, PATROL_AT, json!({"at": yesterday.to_rfc3339()})).await["recordPatrolAction"].clone();
    assert_eq!(instant(&patrol["occurredAt"]), yesterday, "{patrol}");
    let (effective, recorded) = audited_times(&app, "recordPatrolAction", &patrol["id"]).await;
    assert_eq!(effective, yesterday);
    assert!(recorded > Utc::now() - TimeDelta::minutes(5), "recorded now: {recorded}");

    // Without it, now.
    let now = app.data(OFFICER, PATROL_AT, json!({"at": null})).await["recordPatrolAction"].clone();
    assert!(instant(&now["occurredAt"]) > Utc::now() - TimeDelta::minutes(5), "{now}");
}

#[actix_rt::test]
async fn a_publication_dated_back_keeps_its_date_and_t5_counts_from_it() {
    let app = TestApp::spawn().await;
    let (case, decided) = decided_days_ago(&app, 10).await;

    // Never before the decision.
    let before =
        app.gql(Some(OFFICER), PUBLISH_AT, json!({"id": case, "at": (decided - TimeDelta::hours(1)).to_rfc3339()}));
    refused_effective_at(&before.await);

    let at = decided + TimeDelta::days(1);
    let published =
        app.data(OFFICER, PUBLISH_AT, json!({"id": case, "at": at.to_rfc3339()})).await["publishDecision"].clone();
    assert_eq!(instant(&published["publishedAt"]), at, "{published}");
    // T5 counts from the decision; publication on `at`, within it, ends the timer.
    let q = r#"query($id: ID!) { case(id: $id) { publicationDue } }"#;
    let c = app.data(OFFICER, q, json!({"id": case})).await["case"].clone();
    let due: NaiveDate = c["publicationDue"].as_str().expect("publicationDue").parse().expect("date");
    assert!(casebridge::calendar::local_date(at) <= due, "published {at} within T5 ({due})");
    let (effective, recorded) = audited_times(&app, "publishDecision", &published["id"]).await;
    assert_eq!(effective, at);
    assert!(recorded > effective + TimeDelta::days(8), "{recorded}");

    // A withdrawal dated before the publication is refused; after it, it keeps its date.
    let early = app.gql(Some(OFFICER), WITHDRAW_AT, json!({"id": published["id"], "at": decided.to_rfc3339()}));
    refused_effective_at(&early.await);
    let later = at + TimeDelta::days(2);
    let withdrawn = app.data(OFFICER, WITHDRAW_AT, json!({"id": published["id"], "at": later.to_rfc3339()})).await;
    assert_eq!(instant(&withdrawn["withdrawPublication"]["withdrawnAt"]), later, "{withdrawn}");
    let (effective, _) = audited_times(&app, "withdrawPublication", &published["id"]).await;
    assert_eq!(effective, later);
}

#[actix_rt::test]
async fn a_notice_and_its_verification_dated_back_follow_the_case_and_the_issue() {
    let app = TestApp::spawn().await;
    let (case, filed) = decided_days_ago(&app, 5).await;
    let today = shanghai_today().to_string();

    // Not before the case's filing.
    let early = app.gql(
        Some(OFFICER),
        NOTICE_AT,
        json!({"c": case, "d": today, "at": (filed - TimeDelta::days(1)).to_rfc3339()}),
    );
    refused_effective_at(&early.await);
    let issued = filed + TimeDelta::days(1);
    let vars = json!({"c": case, "d": today, "at": issued.to_rfc3339()});
    let notice = app.data(OFFICER, NOTICE_AT, vars).await["issueRectificationNotice"].clone();
    assert_eq!(notice["issuedOn"], casebridge::calendar::local_date(issued).to_string(), "{notice}");
    let (effective, _) = audited_times(&app, "issueRectificationNotice", &notice["id"]).await;
    assert_eq!(effective, issued);

    // The verification: not before the notice's issue (its day), then kept.
    let before = casebridge::calendar::start_of_day(casebridge::calendar::local_date(issued)) - TimeDelta::hours(1);
    let early = app.gql(Some(OFFICER), VERIFY_AT, json!({"id": notice["id"], "at": before.to_rfc3339()}));
    refused_effective_at(&early.await);
    let checked = issued + TimeDelta::days(2);
    let v = app.data(OFFICER, VERIFY_AT, json!({"id": notice["id"], "at": checked.to_rfc3339()})).await;
    assert_eq!(instant(&v["verifyRectification"]["verifiedAt"]), checked, "{v}");
    let (effective, recorded) = audited_times(&app, "verifyRectification", &notice["id"]).await;
    assert_eq!(effective, checked);
    assert!(recorded > checked, "{recorded}");
}

#[actix_rt::test]
async fn an_oversight_effective_at_in_the_future_or_31_days_back_is_refused() {
    let app = TestApp::spawn().await;
    let future = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    let old = ago(TimeDelta::days(31)).to_rfc3339();
    let today = shanghai_today().to_string();
    let (case, _) = decided_days_ago(&app, 1).await;
    let notice = app.data(OFFICER, NOTICE_AT, json!({"c": null, "d": today, "at": null})).await;
    let notice = notice["issueRectificationNotice"]["id"].clone();
    let q = r#"mutation { publishLicence(input: {title: "占道许可", holder: "洞头某店", content: "准予临时占道"}) { id } }"#;
    let licence = app.data(OFFICER, q, json!({})).await["publishLicence"]["id"].clone();
    for at in [&future, &old] {
        refused_effective_at(&app.gql(Some(OFFICER), PATROL_AT, json!({"at": at})).await);
        refused_effective_at(&app.gql(Some(OFFICER), NOTICE_AT, json!({"c": null, "d": today, "at": at})).await);
        refused_effective_at(&app.gql(Some(OFFICER), VERIFY_AT, json!({"id": notice, "at": at})).await);
        refused_effective_at(&app.gql(Some(OFFICER), PUBLISH_AT, json!({"id": case, "at": at})).await);
        refused_effective_at(&app.gql(Some(OFFICER), WITHDRAW_AT, json!({"id": licence, "at": at})).await);
    }
    // Nothing was written by the refusals: the notice is still ISSUED and can be verified.
    let v = app.data(OFFICER, VERIFY_AT, json!({"id": notice, "at": null})).await;
    assert_eq!(v["verifyRectification"]["status"], "CORRECTED", "{v}");
}
