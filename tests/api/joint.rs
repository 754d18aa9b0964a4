//! 街道吹哨、部门报到: a town team calls departments, each answers; who sees what, what is
//! pending, what is overdue.

use chrono::{Duration, SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::follow_case::department_id;
use crate::support::{TestApp, code, field};

pub const CALL: &str = r#"mutation($input: CallJointEnforcementInput!) { callJointEnforcement(input: $input) {
  id town place reason meetAt respondBy createdAt overdue department { code }
  pending { code } calledDepartments { department { code } reportedAt sends note overdue } } }"#;

pub const REPORT: &str = r#"mutation($id: ID!, $sends: String!, $note: String) {
  reportToJointCall(callId: $id, sends: $sends, note: $note) {
    id overdue pending { code } calledDepartments { department { code } reportedAt sends note overdue } } }"#;

const CALLS: &str = r#"query($filter: JointCallFilter, $first: Int, $after: String) {
  jointCalls(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id overdue pending { code } calledDepartments { department { code } sends overdue } } } } }"#;

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// town.beiao calls natural resources and housing, meeting in two days, answers due in one.
pub async fn whistle(app: &TestApp) -> Value {
    let nr = department_id(app, "natural-resources").await;
    let housing = department_id(app, "housing").await;
    let input = json!({
        "departmentIds": [nr, housing],
        "place": "北岙街道中心街与环岛西路交叉口",
        "meetAt": at(Duration::days(2)),
        "respondBy": at(Duration::days(1)),
        "reason": "山体违法取土、占用林地并在其上搭建临时建筑，需自然资源、住建部门联合执法",
    });
    app.data("town.beiao", CALL, json!({"input": input})).await["callJointEnforcement"].clone()
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array().expect("list").iter().map(|d| d["code"].as_str().expect("code")).collect()
}

fn listed(data: &Value) -> Vec<Value> {
    data["jointCalls"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect()
}

#[actix_rt::test]
async fn a_town_calls_two_departments_and_each_reports_in_turn() {
    let app = TestApp::spawn().await;
    let call = whistle(&app).await;
    assert_eq!(call["town"], "北岙街道");
    assert_eq!(call["department"]["code"], "town-beiao");
    assert_eq!(codes(&call["pending"]), ["housing", "natural-resources"]);
    assert_eq!(call["overdue"], false);
    let answers = call["calledDepartments"].as_array().expect("answers");
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|a| a["reportedAt"].is_null() && a["sends"].is_null() && a["overdue"] == false));
    let id = call["id"].clone();

    // The caller, both called departments, the bureau and the admin see it; nobody else.
    for login in ["town.beiao", "nr.liaison", "housing.liaison", "bureau.officer", "admin"] {
        let data = app.data(login, CALLS, json!({})).await;
        assert!(listed(&data).contains(&id), "{login} sees the call");
        let got = app.data(login, "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(got["node"]["id"], id, "{login}");
    }
    for login in ["town.dongping", "court.trainee", "dashboard"] {
        let data = app.data(login, CALLS, json!({})).await;
        assert_eq!(data["jointCalls"]["totalCount"], 0, "{login} sees no call");
        let body = app.gql(Some(login), "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(code(&body), "NOT_FOUND", "{login}: {body}");
    }

    // Natural resources answers: pending shrinks to housing.
    let vars = json!({"id": id, "sends": "林业执法人员2名、测绘人员1名", "note": "携带无人机"});
    let data = app.data("nr.liaison", REPORT, vars.clone()).await;
    let after_nr = &data["reportToJointCall"];
    assert_eq!(codes(&after_nr["pending"]), ["housing"]);
    let nr = after_nr["calledDepartments"]
        .as_array()
        .expect("answers")
        .iter()
        .find(|a| a["department"]["code"] == "natural-resources")
        .expect("nr answer");
    assert_eq!(nr["sends"], "林业执法人员2名、测绘人员1名");
    assert_eq!(nr["note"], "携带无人机");
    assert!(nr["reportedAt"].is_string());

    // Answering twice is a conflict; the first answer stands.
    let body = app.gql(Some("nr.liaison"), REPORT, json!({"id": id, "sends": "改派1名"})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");

    // Seeing the call is not being called: FORBIDDEN. Not seeing it: NOT_FOUND.
    for login in ["town.beiao", "bureau.officer", "admin"] {
        let body = app.gql(Some(login), REPORT, json!({"id": id, "sends": "1人"})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    let body = app.gql(Some("town.dongping"), REPORT, json!({"id": id, "sends": "1人"})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(Some("housing.liaison"), REPORT, json!({"id": id, "sends": "  "})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "sends"), "{body}");

    // Pending filter: the call is pending until housing answers too.
    let pending = app.data("town.beiao", CALLS, json!({"filter": {"pending": true}})).await;
    assert!(listed(&pending).contains(&id));
    let data = app.data("housing.liaison", REPORT, json!({"id": id, "sends": "住建执法人员1名"})).await;
    assert!(data["reportToJointCall"]["pending"].as_array().expect("pending").is_empty());
    let pending = app.data("town.beiao", CALLS, json!({"filter": {"pending": true}})).await;
    assert!(!listed(&pending).contains(&id));
    let answered = app.data("town.beiao", CALLS, json!({"filter": {"pending": false}})).await;
    assert!(listed(&answered).contains(&id));
}

#[actix_rt::test]
async fn an_unanswered_call_is_overdue_after_its_deadline() {
    let app = TestApp::spawn().await;
    let call = whistle(&app).await;
    let id = call["id"].clone();
    app.data("housing.liaison", REPORT, json!({"id": id, "sends": "住建执法人员1名"})).await;
    let not_yet = app.data("town.beiao", CALLS, json!({"filter": {"overdue": true}})).await;
    assert!(!listed(&not_yet).contains(&id), "the deadline is a day away");

    // Move the deadline and the meeting into the past (the API refuses both).
    let key =
        casebridge::graphql::ids::decode(id.as_str().expect("id"), casebridge::graphql::ids::Kind::JointCall, "id")
            .expect("key");
    let past = Utc::now() - Duration::hours(1);
    entity::joint_call::Entity::update_many()
        .col_expr(entity::joint_call::Column::RespondBy, Expr::value(past - Duration::hours(1)))
        .col_expr(entity::joint_call::Column::MeetAt, Expr::value(past))
        .filter(entity::joint_call::Column::Id.eq(key))
        .exec(&app.db)
        .await
        .expect("move the deadline");

    let overdue = app.data("town.beiao", CALLS, json!({"filter": {"overdue": true}})).await;
    assert_eq!(listed(&overdue), vec![id.clone()]);
    let node = &overdue["jointCalls"]["edges"][0]["node"];
    assert_eq!(node["overdue"], true);
    for a in node["calledDepartments"].as_array().expect("answers") {
        // Housing answered in time; natural resources has not answered at all.
        let late = a["department"]["code"] == "natural-resources";
        assert_eq!(a["overdue"], late, "{a}");
    }
    let on_time = app.data("town.beiao", CALLS, json!({"filter": {"overdue": false}})).await;
    assert!(!listed(&on_time).contains(&id));

    // A late answer is still an answer: nothing is overdue any more.
    let data = app.data("nr.liaison", REPORT, json!({"id": id, "sends": "林业执法人员1名"})).await;
    assert_eq!(data["reportToJointCall"]["overdue"], false);
    let overdue = app.data("town.beiao", CALLS, json!({"filter": {"overdue": true}})).await;
    assert_eq!(overdue["jointCalls"]["totalCount"], 0);
}

#[actix_rt::test]
async fn a_call_names_existing_other_departments_a_future_meeting_and_an_earlier_deadline() {
    let app = TestApp::spawn().await;
    let nr = department_id(&app, "natural-resources").await;
    let own = department_id(&app, "town-beiao").await;
    let unknown = casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Department, uuid::Uuid::now_v7());
    let base = json!({
        "departmentIds": [nr],
        "place": "洞头区北岙街道",
        "meetAt": at(Duration::hours(3)),
        "reason": "违法占道经营反复回潮",
    });
    let with = |key: &str, value: Value| {
        let mut input = base.clone();
        input[key] = value;
        json!({"input": input})
    };
    let cases = [
        (with("departmentIds", json!([])), "departmentIds"),
        (with("departmentIds", json!([own])), "departmentIds"),
        (with("departmentIds", json!([nr, unknown])), "departmentIds"),
        (with("departmentIds", json!(["garbage"])), "departmentIds"),
        (with("place", json!("   ")), "place"),
        (with("reason", json!("")), "reason"),
        (with("meetAt", json!(at(-Duration::minutes(5)))), "meetAt"),
        (with("meetAt", json!("tomorrow")), "meetAt"),
        (with("respondBy", json!(at(Duration::hours(4)))), "respondBy"),
        (with("respondBy", json!(at(-Duration::hours(1)))), "respondBy"),
    ];
    for (vars, want) in cases {
        let body = app.gql(Some("town.beiao"), CALL, vars.clone()).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", want), "{vars}: {body}");
    }
    // Only town teams blow the whistle.
    for login in ["nr.liaison", "bureau.officer", "admin", "court.trainee"] {
        let body = app.gql(Some(login), CALL, json!({"input": base})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    assert!(entity::joint_call::Entity::find().all(&app.db).await.expect("calls").is_empty(), "nothing written");

    // respondBy defaults to meetAt; paging visits every call once, newest first.
    let mut made = Vec::new();
    for _ in 0..3 {
        let data = app.data("town.beiao", CALL, json!({"input": base})).await;
        let call = &data["callJointEnforcement"];
        assert_eq!(call["respondBy"], call["meetAt"]);
        made.push(call["id"].clone());
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data("nr.liaison", CALLS, json!({"first": 2, "after": after})).await;
        assert_eq!(data["jointCalls"]["totalCount"], 3);
        seen.extend(listed(&data));
        if data["jointCalls"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = data["jointCalls"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, made);
}
