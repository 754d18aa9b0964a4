//! One spelling of `extensions.field` (api.md, Errors): every mutation of the schema refuses
//! at least one bad input as `BAD_USER_INPUT` naming the field as the client wrote it. Inside
//! a mutation's `input` that is the path in the input (`fineAmount`, `party.idNumber`,
//! `attendeeIds.0`), never `input.fineAmount`; any other argument is named with its path
//! (`id`, `expectedVersion`, `inputs.1.content`). The mutations are listed by introspection:
//! a new mutation without a case here fails the test until it gets one.

use std::collections::BTreeSet;

use casebridge::graphql::ids::{Kind, encode};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, shanghai_today};

/// A mutation, who sends it, a document and variables the server must refuse, and the field
/// the refusal must name.
struct Refusal {
    mutation: &'static str,
    login: &'static str,
    query: &'static str,
    variables: Value,
    field: &'static str,
}

fn refuse(
    mutation: &'static str,
    login: &'static str,
    query: &'static str,
    variables: Value,
    field: &'static str,
) -> Refusal {
    Refusal { mutation, login, query, variables, field }
}

/// A well-formed ID of `kind` that names nothing.
fn unknown(kind: Kind) -> String {
    encode(kind, uuid::Uuid::new_v4()).to_string()
}

fn days_from_now(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

const FILE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { id version } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { id } }";
const UPDATE_LITERAL_VERSION: &str = "mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: \"one\", input: $input) { id } }";
const MOVE: &str = "mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {
  transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) { id } }";
const REQUEST: &str = "mutation($input: RequestTransferInput!) { requestTransfer(input: $input) { id } }";
const ACCEPT: &str =
    "mutation($id: ID!, $input: AcceptTransferInput) { acceptTransfer(id: $id, input: $input) { id } }";
const REJECT: &str = "mutation($id: ID!, $reason: String!) { rejectTransfer(id: $id, reason: $reason) { id } }";
const RETURN: &str = "mutation($id: ID!, $reason: String!) { returnTransfer(id: $id, reason: $reason) { id } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawTransfer(id: $id) { id } }";
const SUBMIT: &str = "mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id } }";
const SUBMIT_MANY: &str = "mutation($inputs: [SubmitRecordInput!]!) { submitRecords(inputs: $inputs) { id } }";
const ENROL: &str =
    "mutation($c: ID!, $t: ID!, $until: Date) { enrollFollowCase(caseId: $c, traineeId: $t, until: $until) { id } }";
const CALL: &str = "mutation($input: CallJointEnforcementInput!) { callJointEnforcement(input: $input) { id } }";
const REPORT: &str = "mutation($id: ID!, $sends: String!) { reportToJointCall(callId: $id, sends: $sends) { id } }";
const CLAIM: &str = "mutation($id: ID!) { claimMatter(matterId: $id) { id } }";
const NOTICE: &str =
    "mutation($input: IssueRectificationNoticeInput!) { issueRectificationNotice(input: $input) { id } }";
const VERIFY: &str =
    "mutation($id: ID!, $note: String) { verifyRectification(id: $id, corrected: true, note: $note) { id } }";
const PUBLISH: &str = "mutation($id: ID!) { publishDecision(caseId: $id) { id } }";
const LICENCE: &str = "mutation($input: PublishLicenceInput!) { publishLicence(input: $input) { id } }";
const UNPUBLISH: &str = "mutation($id: ID!) { withdrawPublication(id: $id) { id } }";
const RECONSIDER: &str =
    "mutation($input: RegisterReconsiderationInput!) { registerReconsideration(input: $input) { id } }";
const CONCLUDE: &str = "mutation($id: ID!, $on: Date!) {
  concludeReconsideration(id: $id, outcome: UPHELD, concludedOn: $on) { id } }";
const PAY: &str = "mutation($id: ID!, $input: PaymentInput!) { recordPayment(caseId: $id, input: $input) { id } }";
const DEFER: &str = "mutation($id: ID!, $input: DeferralInput!) { grantDeferral(caseId: $id, input: $input) { id } }";
const EVALUATE: &str = "mutation($input: RecordFileEvaluationInput!) { recordFileEvaluation(input: $input) { id } }";
const RECTIFY: &str = "mutation($id: ID!, $note: String!) { rectifyFinding(id: $id, note: $note) { id } }";
const REPAIR: &str = "mutation($input: AcceptCreditRepairInput!) { acceptCreditRepair(input: $input) { id } }";
const REPAIRED: &str = "mutation($id: ID!, $on: Date!) { completeCreditRepair(id: $id, completedOn: $on) { id } }";
const THREE: &str = "mutation($input: DeliverThreeDocumentsInput!) { deliverThreeDocuments(input: $input) { id } }";
const GUIDANCE: &str =
    "mutation($input: ComplianceGuidanceItemInput!) { addComplianceGuidanceItem(input: $input) { id } }";
const TRAINING: &str = "mutation($input: RecordTrainingInput!) { recordTraining(input: $input) { id } }";
const PATROL: &str = "mutation($input: RecordPatrolActionInput!) { recordPatrolAction(input: $input) { id } }";
const MEETING: &str = "mutation($input: RecordReviewMeetingInput!) { recordReviewMeeting(input: $input) { id } }";
const OFFICER: &str =
    "mutation($id: ID!, $until: Date) { updateOfficer(id: $id, certificateValidUntil: $until) { id } }";

/// What the cases need: an open bureau case, and the ids of some departments and users.
struct World {
    case_id: String,
    case_version: Value,
    matter: String,
    officer_id: String,
    department_id: String,
}

async fn world(app: &TestApp) -> World {
    let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
    let matters = app.data("bureau.officer", q, json!({"f": {"domain": "市容"}})).await;
    let matter = matters["matters"]["edges"][0]["node"]["code"].as_str().expect("a matter").to_string();
    let input = json!({
        "title": "字段拼写测试案",
        "procedure": "GENERAL",
        "matterCode": matter,
        "party": { "kind": "PERSON", "name": "王五", "idNumber": "11010519491231002X" },
        "occurredAt": days_from_now(-3),
        "facts": "王五在北岙街道中心街占道经营。"
    });
    let filed = app.data("bureau.officer", FILE, json!({"input": input})).await;
    let me = app.data("bureau.officer", "{ me { id } }", json!({})).await;
    let departments = app.data("bureau.officer", "{ departments { id code } }", json!({})).await;
    let department_id = departments["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["code"] != "bureau")
        .expect("a department besides the bureau")["id"]
        .as_str()
        .expect("id")
        .to_string();
    World {
        case_id: filed["fileCase"]["id"].as_str().expect("id").to_string(),
        case_version: filed["fileCase"]["version"].clone(),
        matter,
        officer_id: me["me"]["id"].as_str().expect("id").to_string(),
        department_id,
    }
}

fn refusals(w: &World) -> Vec<Refusal> {
    let today = shanghai_today().to_string();
    let case = |input: Value| json!({"id": w.case_id, "v": w.case_version, "input": input});
    let filing = |extra: Value| {
        let mut input = json!({
            "title": "字段拼写测试案二",
            "procedure": "GENERAL",
            "matterCode": w.matter,
            "party": { "kind": "PERSON", "name": "赵六" },
            "occurredAt": days_from_now(-2),
            "facts": "赵六占道经营。"
        });
        for (k, v) in extra.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({"input": input})
    };
    let record = |extra: Value| {
        let mut input = json!({
            "caseId": w.case_id,
            "kind": "NOTE",
            "content": "现场检查记录。",
            "recordedAt": days_from_now(0),
            "idempotencyKey": uuid::Uuid::new_v4().to_string(),
        });
        for (k, v) in extra.as_object().expect("object") {
            input[k] = v.clone();
        }
        input
    };
    let call = |extra: Value| {
        let mut input = json!({
            "departmentIds": [w.department_id],
            "meetAt": days_from_now(2),
            "place": "北岙街道中心街",
            "reason": "占道经营联合整治",
        });
        for (k, v) in extra.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({"input": input})
    };
    vec![
        // Cases: a bad decimal, an empty title, a malformed ID card number, an unknown officer.
        refuse("fileCase", "bureau.officer", FILE, filing(json!({"fineAmount": "12.345"})), "fineAmount"),
        refuse("fileCase", "bureau.officer", FILE, filing(json!({"title": " "})), "title"),
        refuse(
            "fileCase",
            "bureau.officer",
            FILE,
            filing(json!({"party": {"kind": "PERSON", "name": "赵六", "idNumber": "123"}})),
            "party.idNumber",
        ),
        refuse("fileCase", "bureau.officer", FILE, filing(json!({"occurredAt": "yesterday"})), "occurredAt"),
        refuse("updateCase", "bureau.officer", UPDATE, case(json!({"title": ""})), "title"),
        refuse("updateCase", "bureau.officer", UPDATE, case(json!({"extendDecisionDays": 30})), "note"),
        refuse(
            "updateCase",
            "bureau.officer",
            UPDATE,
            case(json!({"extendDecisionDays": "thirty"})),
            "extendDecisionDays",
        ),
        refuse(
            "updateCase",
            "bureau.officer",
            UPDATE_LITERAL_VERSION,
            json!({"id": w.case_id, "input": {"title": "新标题"}}),
            "expectedVersion",
        ),
        refuse(
            "transitionCase",
            "bureau.officer",
            MOVE,
            json!({"id": w.case_id, "v": w.case_version, "action": "SERVE_NOTICE", "input": {"fineAmount": "1.234"}}),
            "fineAmount",
        ),
        refuse(
            "transitionCase",
            "bureau.officer",
            MOVE,
            json!({"id": w.case_id, "v": w.case_version, "action": "CLOSE", "input": {"rectificationNoticeId": "nonsense"}}),
            "rectificationNoticeId",
        ),
        refuse(
            "transitionCase",
            "bureau.officer",
            MOVE,
            json!({"id": "nonsense", "v": w.case_version, "action": "INVESTIGATE"}),
            "id",
        ),
        // Transfers.
        refuse(
            "requestTransfer",
            "bureau.officer",
            REQUEST,
            json!({"input": {"caseId": w.case_id, "category": "OTHER", "subject": "移送", "facts": "事实。", "toDepartmentId": "nonsense"}}),
            "toDepartmentId",
        ),
        refuse(
            "addTransferMaterial",
            "nr.liaison",
            "mutation($t: ID!, $input: TransferMaterialInput!) { addTransferMaterial(transferId: $t, input: $input) { id } }",
            json!({"t": "nonsense", "input": {"idempotencyKey": "m-1", "kind": "NOTE", "content": "材料", "recordedAt": today}}),
            "transferId",
        ),
        refuse("acceptTransfer", "nr.liaison", ACCEPT, json!({"id": unknown(Kind::Case)}), "id"),
        refuse("rejectTransfer", "nr.liaison", REJECT, json!({"id": "nonsense", "reason": "不属本部门管辖"}), "id"),
        refuse("returnTransfer", "nr.liaison", RETURN, json!({"id": "nonsense", "reason": "材料不全"}), "id"),
        refuse("withdrawTransfer", "bureau.officer", WITHDRAW, json!({"id": unknown(Kind::User)}), "id"),
        // Records: a malformed time, an empty text in a batch.
        refuse(
            "submitRecord",
            "bureau.officer",
            SUBMIT,
            json!({"input": record(json!({"recordedAt": "now"}))}),
            "recordedAt",
        ),
        refuse(
            "submitRecord",
            "bureau.officer",
            SUBMIT,
            json!({"input": record(json!({"caseId": "nonsense"}))}),
            "caseId",
        ),
        refuse(
            "submitRecords",
            "bureau.officer",
            SUBMIT_MANY,
            json!({"inputs": [record(json!({})), record(json!({"content": ""}))]}),
            "inputs.1.content",
        ),
        // Follow-case learning.
        refuse(
            "enrollFollowCase",
            "admin",
            ENROL,
            json!({"c": w.case_id, "t": unknown(Kind::Case), "until": null}),
            "traineeId",
        ),
        refuse("enrollFollowCase", "admin", ENROL, json!({"c": "nonsense", "t": w.officer_id}), "caseId"),
        // Joint enforcement.
        refuse("callJointEnforcement", "town.beiao", CALL, call(json!({"meetAt": "tomorrow"})), "meetAt"),
        refuse("callJointEnforcement", "town.beiao", CALL, call(json!({"meetAt": days_from_now(-1)})), "meetAt"),
        refuse("callJointEnforcement", "town.beiao", CALL, call(json!({"departmentIds": []})), "departmentIds"),
        refuse(
            "callJointEnforcement",
            "town.beiao",
            CALL,
            call(json!({"departmentIds": [unknown(Kind::Department)]})),
            "departmentIds",
        ),
        refuse("callJointEnforcement", "town.beiao", CALL, call(json!({"place": ""})), "place"),
        refuse("reportToJointCall", "nr.liaison", REPORT, json!({"id": "nonsense", "sends": "张三"}), "callId"),
        // Oversight.
        refuse("claimMatter", "town.beiao", CLAIM, json!({"id": "nonsense"}), "matterId"),
        refuse(
            "issueRectificationNotice",
            "bureau.officer",
            NOTICE,
            json!({"input": {"deadline": "soon", "requirement": "限期清理", "partyName": "赵六"}}),
            "deadline",
        ),
        refuse(
            "issueRectificationNotice",
            "bureau.officer",
            NOTICE,
            json!({"input": {"deadline": today, "requirement": " ", "partyName": "赵六"}}),
            "requirement",
        ),
        refuse("verifyRectification", "bureau.officer", VERIFY, json!({"id": "nonsense"}), "id"),
        refuse("publishDecision", "bureau.officer", PUBLISH, json!({"id": "nonsense"}), "caseId"),
        refuse(
            "publishLicence",
            "bureau.officer",
            LICENCE,
            json!({"input": {"title": "", "holder": "某公司", "content": "许可内容"}}),
            "title",
        ),
        refuse("withdrawPublication", "bureau.officer", UNPUBLISH, json!({"id": "nonsense"}), "id"),
        refuse(
            "registerReconsideration",
            "bureau.officer",
            RECONSIDER,
            json!({"input": {"caseId": "nonsense", "kind": "RECONSIDERATION", "applicant": "赵六", "body": "区政府", "receivedOn": today}}),
            "caseId",
        ),
        refuse(
            "registerReconsideration",
            "bureau.officer",
            RECONSIDER,
            json!({"input": {"caseId": w.case_id, "kind": "RECONSIDERATION", "applicant": "赵六", "body": "区政府", "receivedOn": "2023-02-30"}}),
            "receivedOn",
        ),
        refuse("concludeReconsideration", "bureau.officer", CONCLUDE, json!({"id": "nonsense", "on": today}), "id"),
        refuse(
            "recordPayment",
            "bureau.officer",
            PAY,
            json!({"id": w.case_id, "input": {"amount": "1", "paidOn": "2023-02-30", "receiptNo": "R-1"}}),
            "paidOn",
        ),
        refuse(
            "grantDeferral",
            "bureau.officer",
            DEFER,
            json!({"id": w.case_id, "input": {"until": "soon", "reason": "经营困难"}}),
            "until",
        ),
        refuse(
            "concludeReconsideration",
            "bureau.officer",
            CONCLUDE,
            json!({"id": unknown(Kind::Reconsideration), "on": "today"}),
            "concludedOn",
        ),
        refuse(
            "recordFileEvaluation",
            "bureau.officer",
            EVALUATE,
            json!({"input": {"caseId": w.case_id, "evaluatedOn": "2023/03/01", "findings": [], "scope": "案卷评查"}}),
            "evaluatedOn",
        ),
        refuse("rectifyFinding", "bureau.officer", RECTIFY, json!({"id": "nonsense", "note": "已整改"}), "id"),
        refuse(
            "acceptCreditRepair",
            "bureau.officer",
            REPAIR,
            json!({"input": {"appliedOn": "2023-13-01", "creditCode": "91330322MA2ABCDE1X", "enterpriseName": "某公司"}}),
            "appliedOn",
        ),
        refuse("completeCreditRepair", "bureau.officer", REPAIRED, json!({"id": "nonsense", "on": today}), "id"),
        refuse(
            "deliverThreeDocuments",
            "bureau.officer",
            THREE,
            json!({"input": {"caseId": "nonsense", "complianceAdvice": "合规建议", "creditRepairNotice": "信用修复告知"}}),
            "caseId",
        ),
        refuse(
            "addComplianceGuidanceItem",
            "bureau.officer",
            GUIDANCE,
            json!({"input": {"industry": "餐饮", "title": " ", "guidance": "指导内容"}}),
            "title",
        ),
        refuse(
            "recordTraining",
            "bureau.officer",
            TRAINING,
            json!({"input": {"attendeeIds": ["nonsense"], "heldOn": today, "organiser": "BUREAU", "title": "执法培训"}}),
            "attendeeIds.0",
        ),
        refuse(
            "recordPatrolAction",
            "bureau.officer",
            PATROL,
            json!({"input": {"kind": "OPEN_BURNING_STOPPED", "place": "山坪村", "matterId": "nonsense"}}),
            "matterId",
        ),
        refuse(
            "recordPatrolAction",
            "bureau.officer",
            PATROL,
            json!({"input": {"kind": "BURNING", "place": "山坪村"}}),
            "kind",
        ),
        refuse(
            "recordReviewMeeting",
            "bureau.reviewer",
            MEETING,
            json!({"input": {"legalReviewIds": ["nonsense"], "heldOn": today, "topic": "案审", "conclusion": "同意"}}),
            "legalReviewIds.0",
        ),
        refuse(
            "updateOfficer",
            "admin",
            OFFICER,
            json!({"id": w.officer_id, "until": "never"}),
            "certificateValidUntil",
        ),
        refuse("updateOfficer", "admin", OFFICER, json!({"id": "nonsense"}), "id"),
        // Administration (tests/api/admin.rs has the rest).
        refuse(
            "createUser",
            "admin",
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({"input": {"login": "has space", "name": "某", "departmentId": unknown(Kind::Department), "roles": ["BUREAU_OFFICER"]}}),
            "login",
        ),
        refuse(
            "updateUser",
            "admin",
            "mutation($id: ID!) { updateUser(id: $id, input: {name: \"某\"}) { id } }",
            json!({"id": "nonsense"}),
            "id",
        ),
        refuse(
            "addCertificate",
            "admin",
            "mutation($id: ID!, $input: CertificateInput!) { addCertificate(userId: $id, input: $input) { id } }",
            json!({"id": w.officer_id, "input": {"number": "浙X-1", "validFrom": "2026-02-01", "validUntil": "2026-01-31"}}),
            "validUntil",
        ),
        refuse(
            "createDepartment",
            "admin",
            "mutation($input: DepartmentInput!) { createDepartment(input: $input) { id } }",
            json!({"input": {"code": "town-x", "name": "某街道执法队", "kind": "TOWN_TEAM"}}),
            "town",
        ),
        refuse(
            "updateDepartment",
            "admin",
            "mutation($id: ID!, $input: DepartmentInput!) { updateDepartment(id: $id, input: $input) { id } }",
            json!({"id": "nonsense", "input": {"code": "x", "name": "某", "kind": "COURT"}}),
            "id",
        ),
        refuse(
            "createMatter",
            "admin",
            "mutation($input: MatterInput!) { createMatter(input: $input) { id } }",
            json!({"input": {"code": "X-1", "name": "某", "domain": "市容", "legalBasis": "据", "penaltyBasis": "罚",
                "fineRange": {"personMin": "500", "personMax": "200"}}}),
            "fineRange.personMax",
        ),
        refuse(
            "updateMatter",
            "admin",
            "mutation($id: ID!, $input: MatterInput!) { updateMatter(id: $id, input: $input) { id } }",
            json!({"id": unknown(Kind::Matter), "input": {"code": "X-1", "name": "某", "domain": "市容", "legalBasis": "据",
                "penaltyBasis": "罚", "fineRange": {"organizationMin": "-1"}}}),
            "fineRange.organizationMin",
        ),
        refuse(
            "empowerMatter",
            "admin",
            "mutation($id: ID!, $from: Date!) { empowerMatter(matterId: $id, town: \"北岙街道\", from: $from) { id } }",
            json!({"id": unknown(Kind::Matter), "from": "never"}),
            "from",
        ),
        refuse(
            "endEmpowerment",
            "admin",
            "mutation($id: ID!) { endEmpowerment(matterId: $id, town: \"北岙街道\", until: \"2026-12-31\") { id } }",
            json!({"id": "nonsense"}),
            "matterId",
        ),
    ]
}

#[actix_rt::test]
async fn every_mutation_refuses_bad_input_naming_the_field_as_the_client_wrote_it() {
    let app = TestApp::spawn().await;
    let schema = app.data("admin", "{ __schema { mutationType { fields { name } } } }", json!({})).await;
    let mutations: BTreeSet<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();

    let world = world(&app).await;
    let cases = refusals(&world);
    let covered: BTreeSet<String> = cases.iter().map(|c| c.mutation.to_string()).collect();
    let missing: Vec<_> = mutations.difference(&covered).collect();
    assert!(missing.is_empty(), "mutations without a refused input in tests/api/fields.rs: {missing:?}");
    let unknown: Vec<_> = covered.difference(&mutations).collect();
    assert!(unknown.is_empty(), "cases for mutations the schema does not have: {unknown:?}");

    let mut wrong = Vec::new();
    for c in &cases {
        assert!(c.query.contains(&format!("{}(", c.mutation)), "the case of {} sends {}", c.mutation, c.query);
        let body = app.gql(Some(c.login), c.query, c.variables.clone()).await;
        let ext = &body["errors"][0]["extensions"];
        let (code, field) = (ext["code"].as_str(), ext["field"].as_str());
        if code != Some("BAD_USER_INPUT") || field != Some(c.field) || field.is_some_and(|f| f.starts_with("input.")) {
            wrong.push(format!(
                "{} as {} with {}: wanted BAD_USER_INPUT naming {:?}, got {}",
                c.mutation, c.login, c.variables, c.field, body
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {} refusals are wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}
