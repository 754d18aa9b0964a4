//! 跟案学习: `enrollFollowCase`, `followCaseEnrollments`, and what an enrolled court trainee
//! sees while the enrolment runs, and after.

use chrono::Days;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field};

pub const ENROLL: &str = r#"mutation($caseId: ID!, $traineeId: ID!, $until: Date) {
  enrollFollowCase(caseId: $caseId, traineeId: $traineeId, until: $until) {
    id until enrolledAt active case { id } trainee { login } enrolledBy { login } } }"#;

const READ_CASE: &str = r#"query($id: ID!) { case(id: $id) { id title
  party { name idNumber phone address }
  records(first: 20) { edges { node { content } } } } }"#;

const ENROLMENTS: &str = r#"query($caseId: ID, $first: Int, $after: String) {
  followCaseEnrollments(caseId: $caseId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id until active case { id } trainee { login } } } } }"#;

/// A user's global ID, looked up by the admin.
pub async fn user_id(app: &TestApp, login: &str) -> Value {
    let q = r#"query($s: String) { users(first: 5, filter: {search: $s}) { edges { node { id login } } } }"#;
    let data = app.data("admin", q, json!({"s": login})).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["login"] == login).map(|e| e["node"]["id"].clone()).expect("user")
}

/// A department's global ID by its code.
pub async fn department_id(app: &TestApp, code: &str) -> Value {
    let data = app.data("admin", "{ departments { id code } }", json!({})).await;
    let all = data["departments"].as_array().expect("departments");
    all.iter().find(|d| d["code"] == code).map(|d| d["id"].clone()).expect("department")
}

/// Today in Asia/Shanghai, shifted by `days`, as a `Date`.
pub fn shanghai_day(days: i64) -> String {
    let today = casebridge::calendar::today();
    let day = if days >= 0 {
        today.checked_add_days(Days::new(days as u64))
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    day.expect("date in range").to_string()
}

/// A bureau case the trainee does not follow yet, whose records name its party (the demo's
/// inspection records do): its id and the party's real name.
pub async fn bureau_case_with_named_records(app: &TestApp) -> (Value, String) {
    let followed: Vec<Value> =
        app.data("court.trainee", "{ cases(first: 100) { edges { node { id } } } }", json!({})).await["cases"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect();
    let bureau = department_id(app, "bureau").await;
    let q = r#"query($d: ID) { cases(first: 50, filter: {departmentId: $d, procedure: GENERAL}) { edges { node {
        id party { name } records(first: 5) { edges { node { content } } } } } } }"#;
    let data = app.data("admin", q, json!({"d": bureau})).await;
    data["cases"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|c| !followed.contains(&c["id"]))
        .find_map(|c| {
            let name = c["party"]["name"].as_str()?.to_string();
            let named = c["records"]["edges"]
                .as_array()?
                .iter()
                .any(|r| r["node"]["content"].as_str().is_some_and(|t| t.contains(&name)));
            named.then(|| (c["id"].clone(), name))
        })
        .expect("a bureau case whose records name the party")
}

/// A town case (the bureau officer may not see it).
async fn town_case(app: &TestApp) -> Value {
    let data = app.data("town.beiao", "{ cases(first: 1) { edges { node { id } } } }", json!({})).await;
    data["cases"]["edges"][0]["node"]["id"].clone()
}

fn ids_of(data: &Value, list: &str) -> Vec<Value> {
    data[list]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect()
}

#[actix_rt::test]
async fn an_admin_enrols_a_trainee_who_then_reads_the_case_anonymised() {
    let app = TestApp::spawn().await;
    let trainee = user_id(&app, "court.trainee").await;
    let (case_id, real_name) = bureau_case_with_named_records(&app).await;

    let before = app.gql(Some("court.trainee"), READ_CASE, json!({"id": case_id})).await;
    assert_eq!(code(&before), "NOT_FOUND", "not enrolled yet: {before}");

    let until = shanghai_day(30);
    let data = app.data("admin", ENROLL, json!({"caseId": case_id, "traineeId": trainee, "until": until})).await;
    let e = &data["enrollFollowCase"];
    assert_eq!(e["case"]["id"], case_id);
    assert_eq!(e["trainee"]["login"], "court.trainee");
    assert_eq!(e["enrolledBy"]["login"], "admin");
    assert_eq!(e["until"], until.as_str());
    assert_eq!(e["active"], true);
    assert!(e["enrolledAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");

    let seen = app.data("court.trainee", READ_CASE, json!({"id": case_id})).await;
    let case = &seen["case"];
    let name = case["party"]["name"].as_str().expect("name");
    assert!(name.contains('某') && name != real_name, "masked name, got {name}");
    assert!(case["party"]["idNumber"].is_null() && case["party"]["phone"].is_null(), "{case}");
    assert!(!case["title"].as_str().expect("title").contains(&real_name));
    let records = case["records"]["edges"].as_array().expect("records");
    assert!(!records.is_empty());
    for r in records {
        let content = r["node"]["content"].as_str().expect("content");
        assert!(!content.contains(&real_name), "record content names the party: {content}");
    }

    // The enrolment is a node for the admin, the bureau and the trainee, not for a town team.
    let q = "query($id: ID!) { node(id: $id) { id ... on FollowCaseEnrollment { trainee { login } active } } }";
    for login in ["admin", "bureau.officer", "court.trainee"] {
        let got = app.data(login, q, json!({"id": e["id"]})).await;
        assert_eq!(got["node"]["trainee"]["login"], "court.trainee", "{login}");
    }
    let body = app.gql(Some("town.beiao"), q, json!({"id": e["id"]})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // The list: by case for the admin and the bureau; the trainee's own (two from the demo
    // year, and this one); nothing for a town team.
    for login in ["admin", "bureau.officer"] {
        let got = app.data(login, ENROLMENTS, json!({"caseId": case_id})).await;
        assert_eq!(ids_of(&got, "followCaseEnrollments"), vec![e["id"].clone()], "{login}");
    }
    let own = app.data("court.trainee", ENROLMENTS, json!({"first": 1})).await;
    assert_eq!(own["followCaseEnrollments"]["totalCount"], 3);
    assert_eq!(ids_of(&own, "followCaseEnrollments"), vec![e["id"].clone()], "newest first");
    let cursor = own["followCaseEnrollments"]["pageInfo"]["endCursor"].clone();
    let rest = app.data("court.trainee", ENROLMENTS, json!({"first": 10, "after": cursor})).await;
    assert_eq!(ids_of(&rest, "followCaseEnrollments").len(), 2, "the two demo enrolments follow");
    let none = app.data("town.beiao", ENROLMENTS, json!({})).await;
    assert_eq!(none["followCaseEnrollments"]["totalCount"], 0);
}

#[actix_rt::test]
async fn an_enrolment_whose_last_day_has_passed_hides_the_case() {
    let app = TestApp::spawn().await;
    let trainee = user_id(&app, "court.trainee").await;
    let (case_id, _) = bureau_case_with_named_records(&app).await;

    // The last day is included: enrolled until today, the case is readable today.
    let today = shanghai_day(0);
    let data = app.data("admin", ENROLL, json!({"caseId": case_id, "traineeId": trainee, "until": today})).await;
    let enrolment = data["enrollFollowCase"]["id"].clone();
    assert_eq!(app.data("court.trainee", READ_CASE, json!({"id": case_id})).await["case"]["id"], case_id);

    // Let the enrolment end yesterday (in the database: the API refuses a past `until`).
    let key = casebridge::graphql::ids::decode(
        enrolment.as_str().expect("id"),
        casebridge::graphql::ids::Kind::FollowCaseEnrollment,
        "id",
    )
    .expect("enrolment key");
    let yesterday = casebridge::calendar::today().pred_opt().expect("yesterday");
    entity::follow_enrollment::Entity::update_many()
        .col_expr(entity::follow_enrollment::Column::ValidUntil, Expr::value(yesterday))
        .filter(entity::follow_enrollment::Column::Id.eq(key))
        .exec(&app.db)
        .await
        .expect("expire the enrolment");

    let body = app.gql(Some("court.trainee"), READ_CASE, json!({"id": case_id})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(Some("court.trainee"), "query($id: ID!) { node(id: $id) { id } }", json!({"id": case_id})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let listed =
        app.data("court.trainee", "{ cases(first: 100) { totalCount edges { node { id } } } }", json!({})).await;
    assert!(!ids_of(&listed, "cases").contains(&case_id));
    assert_eq!(listed["cases"]["totalCount"], 2, "the open-ended demo enrolments remain");

    // The trainee still sees its enrolment, inactive, without the case.
    let own = app.data("court.trainee", ENROLMENTS, json!({"caseId": case_id})).await;
    let node = &own["followCaseEnrollments"]["edges"][0]["node"];
    assert_eq!(node["id"], enrolment);
    assert_eq!(node["active"], false);
    assert!(node["case"].is_null(), "{node}");
    assert_eq!(node["until"], yesterday.to_string());
}

#[actix_rt::test]
async fn enrolments_keep_to_who_may_enrol_whom_on_what() {
    let app = TestApp::spawn().await;
    let trainee = user_id(&app, "court.trainee").await;
    let (case_id, _) = bureau_case_with_named_records(&app).await;
    let vars =
        |trainee: &Value, until: Option<String>| json!({"caseId": case_id, "traineeId": trainee, "until": until});

    // Only admins and bureau officers enrol.
    for login in ["town.beiao", "nr.liaison", "court.trainee", "dashboard", "bureau.reviewer"] {
        let body = app.gql(Some(login), ENROLL, vars(&trainee, None)).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
    }
    // The trainee must be an active court trainee.
    let officer = user_id(&app, "bureau.officer").await;
    let body = app.gql(Some("admin"), ENROLL, vars(&officer, None)).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "traineeId"), "{body}");
    let case_as_trainee = json!({"caseId": case_id, "traineeId": case_id});
    let body = app.gql(Some("admin"), ENROLL, case_as_trainee).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "traineeId"), "a case ID: {body}");
    // `until` may not lie in the past.
    let body = app.gql(Some("admin"), ENROLL, vars(&trainee, Some(shanghai_day(-1)))).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "until"), "{body}");
    let body = app.gql(Some("admin"), ENROLL, vars(&trainee, Some("tomorrow".into()))).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "until"), "{body}");

    // A bureau officer enrols on the bureau's cases; a town case it cannot see is NOT_FOUND.
    let data = app.data("bureau.officer", ENROLL, vars(&trainee, None)).await;
    assert_eq!(data["enrollFollowCase"]["enrolledBy"]["login"], "bureau.officer");
    assert!(data["enrollFollowCase"]["until"].is_null(), "open-ended");
    let town = town_case(&app).await;
    let body = app.gql(Some("bureau.officer"), ENROLL, json!({"caseId": town, "traineeId": trainee})).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // The same trainee on the same case twice is a conflict.
    let body = app.gql(Some("admin"), ENROLL, vars(&trainee, Some(shanghai_day(10)))).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let rows = entity::follow_enrollment::Entity::find()
        .filter(entity::follow_enrollment::Column::TraineeId.is_not_null())
        .all(&app.db)
        .await
        .expect("enrolments");
    assert_eq!(rows.len(), 4, "three from the demo year and one enrolment");
}
