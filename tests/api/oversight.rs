//! Every oversight write tells the live statistics itself: one `statisticsUpdated`
//! subscription watches while each oversight mutation runs in turn. A write that moves a
//! figure must be pushed within a timeout that is generous (the coalescing window is a quarter
//! of a second) yet shorter than the feed's periodic refresh, which would mask a forgotten
//! signal. On PostgreSQL every oversight write, including those that move no figure of the
//! year (a verification, a withdrawal, an accepted credit repair, a claim), must also send its
//! `NOTIFY casebridge_stats` to the other instances.

use std::time::Duration;

use chrono::Datelike;
use sea_orm::sqlx::postgres::PgListener;
use serde_json::{Value, json};

use crate::support::ws::{self, Socket, next, send};
use crate::support::{TestApp, shanghai_today};

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
