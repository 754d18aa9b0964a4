//! Every root field of `Query` as every demo login (and without a token), against the role
//! table of rules.md ("Who may see and do what"), written out below as `TABLE`. The root fields
//! come from introspection: a new root field without a row in `TABLE` fails the test, and so
//! does a row whose field is gone.
//!
//! Outcomes: `All` (allowed, every row of the table, which the demo fills), `Own` (allowed,
//! only the caller's rows: the field's check in `own`, against the database where the API
//! shows no department), `Rows` (allowed, an answer), `Empty` (allowed, nothing), `Hidden`
//! (`NOT_FOUND`), `Forbidden`, `Unauth` (`UNAUTHENTICATED`).
//!
//! Where rules.md is silent, the least a bureau would grant: the department list and the
//! matter catalogue are reference data every signed-in user reads (a dashboard scopes its
//! figures by them); a dashboard sees itself among the users and no other row; court trainees
//! and dashboards read no oversight record, legal reviews included (an opinion is not
//! anonymised); a town team reads its own town's matter claims, a line department none.

use std::collections::BTreeSet;

use chrono::Datelike;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, shanghai_today};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    All,
    Own,
    Rows,
    Empty,
    Hidden,
    Forbidden,
    Unauth,
}
use Want::*;

/// The callers, in the order of `TABLE`'s columns; `None` has no token.
const WHO: [Option<&str>; 10] = [
    Some("admin"),
    Some("bureau.officer"),
    Some("bureau.reviewer"),
    Some("town.beiao"),
    Some("town.dongping"),
    Some("nr.liaison"),
    Some("housing.liaison"),
    Some("court.trainee"),
    Some("dashboard"),
    None,
];

/// rules.md's role table for each root field. `case` and `verifyRecordChain` read one case
/// the court trainee is enrolled on (a forestry case natural resources transferred to the
/// bureau); `Own` there: a town team reads it when it is in its town. `statistics` and
/// `annualReport` are the district's (a town team or a department reads its own scope only).
#[rustfmt::skip]
const TABLE: &[(&str, [Want; 10])] = &[
    //                           admin  officer reviewer beiao dongping nr    housing trainee dashboard none
    ("me",                      [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Rows,   Unauth]),
    ("node",                    [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Rows,   Unauth]),
    ("case",                    [Rows,  Rows,  Rows,  Own,   Own,   Rows,  Hidden, Rows,  Hidden, Unauth]),
    ("cases",                   [All,   Own,   All,   Own,   Own,   Own,   Own,    Own,   Empty,  Unauth]),
    ("users",                   [All,   Own,   Own,   Own,   Own,   Own,   Own,    Own,   Own,    Unauth]),
    ("transfers",               [All,   Own,   Own,   Own,   Own,   Own,   Own,    Own,   Empty,  Unauth]),
    ("departments",             [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Rows,   Unauth]),
    ("matters",                 [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Rows,   Unauth]),
    ("verifyRecordChain",       [Rows,  Rows,  Rows,  Own,   Own,   Rows,  Hidden, Rows,  Hidden, Unauth]),
    ("statistics",              [Rows,  Rows,  Rows,  Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Rows, Unauth]),
    ("annualReport",            [Rows,  Rows,  Rows,  Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Rows, Unauth]),
    ("exportCases",             [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Forbidden, Unauth]),
    ("exportTransfers",         [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Forbidden, Unauth]),
    ("exportStatistics",        [Rows,  Rows,  Rows,  Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Rows, Unauth]),
    ("publications",            [Rows,  Rows,  Rows,  Rows,  Rows,  Rows,  Rows,   Rows,  Rows,   Rows]),
    ("auditLog",                [Rows,  Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Unauth]),
    ("followCaseEnrollments",   [All,   Own,   Empty, Empty, Empty, Empty, Empty,  Own,   Empty,  Unauth]),
    ("jointCalls",              [All,   All,   Own,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("legalReviews",            [All,   Own,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("rectificationNotices",    [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("exemptions",              [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("patrolActions",           [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("reviewMeetings",          [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("reconsiderations",        [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("fileEvaluations",         [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("creditRepairs",           [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("threeDocumentDeliveries", [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("complianceGuidanceItems", [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("trainings",               [All,   All,   All,   Own,   Own,   Own,   Own,    Empty, Empty,  Unauth]),
    ("matterClaims",            [All,   All,   All,   Own,   Own,   Empty, Empty,  Empty, Empty,  Unauth]),
];

/// A signed-in caller: its global ids, its keys and its department's town.
struct Me {
    login: &'static str,
    id: String,
    dept: String,
    dept_uuid: Uuid,
    user_uuid: Uuid,
    town: Option<String>,
}

impl Me {
    async fn load(app: &TestApp, login: &'static str) -> Self {
        let data = app.data(login, "{ me { id department { id } } }", json!({})).await;
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Login.eq(login))
            .one(&app.db)
            .await
            .expect("user")
            .expect("a demo login");
        let dept =
            entity::department::Entity::find_by_id(user.department_id).one(&app.db).await.expect("dept").expect("dept");
        Self {
            login,
            id: text(&data["me"]["id"]),
            dept: text(&data["me"]["department"]["id"]),
            dept_uuid: dept.id,
            user_uuid: user.id,
            town: dept.town,
        }
    }

    fn town_officer(&self) -> bool {
        self.login.starts_with("town.")
    }

    fn liaison(&self) -> bool {
        self.login.ends_with(".liaison")
    }

    fn trainee(&self) -> bool {
        self.login == "court.trainee"
    }

    /// Whether `v` (a `{ id }` object) is the caller's department.
    fn is_dept(&self, v: &Value) -> bool {
        v["id"].as_str() == Some(self.dept.as_str())
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()
}

/// The fields read of each row, enough for its `Own` check.
fn selection(field: &str) -> &'static str {
    match field {
        "cases" => "id town department { id } transfers { fromDepartment { id } toDepartment { id } }",
        "users" => "id login certificateNo department { id }",
        "transfers" => "id fromDepartment { id } toDepartment { id } case { id } resultingCase { id }",
        "followCaseEnrollments" => "id case { id } trainee { id }",
        "jointCalls" => "id department { id } calledDepartments { department { id } }",
        "legalReviews" => "id caseId",
        "rectificationNotices" | "patrolActions" => "id departmentId town",
        "matterClaims" => "id town",
        _ => "id",
    }
}

/// The query of a root field, and its variables.
fn query(field: &str, me: Option<&Me>, admin: &str, case: &Value, year: i32) -> (String, Value) {
    let (q, vars) = match field {
        "me" => ("{ me { id login } }", json!({})),
        "node" => ("query($id: ID!) { node(id: $id) { id } }", json!({"id": me.map_or(admin, |m| m.id.as_str())})),
        "case" => ("query($case: ID!) { case(id: $case) { id } }", json!({"case": case})),
        "verifyRecordChain" => {
            ("query($case: ID!) { verifyRecordChain(caseId: $case) { intact length } }", json!({"case": case}))
        }
        "departments" => ("{ departments { id } }", json!({})),
        "statistics" => ("query($year: Int!) { statistics(year: $year) { year } }", json!({"year": year})),
        "annualReport" => ("query($year: Int!) { annualReport(year: $year) }", json!({"year": year})),
        "exportCases" => ("{ exportCases(format: CSV) { rows } }", json!({})),
        "exportTransfers" => ("{ exportTransfers(format: CSV) { rows } }", json!({})),
        "exportStatistics" => {
            ("query($year: Int!) { exportStatistics(year: $year, format: CSV) { rows } }", json!({"year": year}))
        }
        list => {
            let q = format!("{{ {list}(first: 5) {{ totalCount edges {{ node {{ {} }} }} }} }}", selection(list));
            return (q, json!({}));
        }
    };
    (q.to_string(), vars)
}

/// Every row of the table behind a list.
async fn table_count(db: &DatabaseConnection, field: &str) -> Option<u64> {
    macro_rules! count {
        ($m:ident) => {
            entity::$m::Entity::find().count(db).await.expect("count")
        };
    }
    Some(match field {
        "cases" => count!(case),
        "users" => count!(user),
        "transfers" => count!(transfer),
        "followCaseEnrollments" => count!(follow_enrollment),
        "jointCalls" => count!(joint_call),
        "legalReviews" => count!(legal_review),
        "rectificationNotices" => count!(rectification_notice),
        "exemptions" => count!(exemption),
        "patrolActions" => count!(patrol_action),
        "reviewMeetings" => count!(review_meeting),
        "reconsiderations" => count!(reconsideration),
        "fileEvaluations" => count!(file_evaluation),
        "creditRepairs" => count!(credit_repair),
        "threeDocumentDeliveries" => count!(three_document_delivery),
        "complianceGuidanceItems" => count!(compliance_guidance_item),
        "trainings" => count!(training),
        "matterClaims" => count!(matter_claim),
        _ => return None,
    })
}

/// The rows of an oversight table `me` reads by access.rs's rule, counted in the database:
/// its department's, and a town team's also those of its town; matter claims by town only.
async fn own_count(db: &DatabaseConnection, field: &str, me: &Me) -> Option<u64> {
    let town = me.town.clone().filter(|_| me.town_officer());
    macro_rules! count {
        ($m:ident) => {{
            use entity::$m::{Column, Entity};
            Entity::find().filter(Column::DepartmentId.eq(me.dept_uuid)).count(db).await.expect("count")
        }};
        ($m:ident, town) => {{
            use entity::$m::{Column, Entity};
            let mut any = Condition::any().add(Column::DepartmentId.eq(me.dept_uuid));
            if let Some(t) = &town {
                any = any.add(Column::Town.eq(t.as_str()));
            }
            Entity::find().filter(any).count(db).await.expect("count")
        }};
    }
    Some(match field {
        "rectificationNotices" => count!(rectification_notice, town),
        "exemptions" => count!(exemption, town),
        "patrolActions" => count!(patrol_action, town),
        "reviewMeetings" => count!(review_meeting),
        "reconsiderations" => count!(reconsideration),
        "fileEvaluations" => count!(file_evaluation),
        "creditRepairs" => count!(credit_repair),
        "threeDocumentDeliveries" => count!(three_document_delivery),
        "complianceGuidanceItems" => count!(compliance_guidance_item),
        "trainings" => count!(training),
        "matterClaims" => {
            use entity::matter_claim::{Column, Entity};
            let Some(t) = &town else { return Some(0) };
            Entity::find().filter(Column::Town.eq(t.as_str())).count(db).await.expect("count")
        }
        _ => return None,
    })
}

/// The enrolments of a trainee: all of them, or those active today.
async fn enrolments(db: &DatabaseConnection, me: &Me, active: bool) -> u64 {
    use entity::follow_enrollment::{Column, Entity};
    let mut cond = Condition::all().add(Column::TraineeId.eq(me.user_uuid));
    if active {
        cond =
            cond.add(Condition::any().add(Column::ValidUntil.is_null()).add(Column::ValidUntil.gte(shanghai_today())));
    }
    Entity::find().filter(cond).count(db).await.expect("count")
}

/// `Own`: the rows are the caller's, by the field's rule.
async fn own(app: &TestApp, field: &str, me: &Me, total: u64, nodes: &[&Value]) -> Result<(), String> {
    if let Some(n) = own_count(&app.db, field, me).await {
        return if n == total { Ok(()) } else { Err(format!("{total} rows, but {n} are its own")) };
    }
    let refuse = |n: &Value| Err(format!("not its row: {n}"));
    match field {
        "cases" => {
            if me.trainee() {
                let n = enrolments(&app.db, me, true).await;
                if n != total {
                    return Err(format!("{total} cases, but enrolled on {n} today"));
                }
                return Ok(());
            }
            for n in nodes {
                let town = me.town_officer() && me.town.is_some() && n["town"].as_str() == me.town.as_deref();
                let linked = n["transfers"].as_array().is_some_and(|ts| {
                    ts.iter()
                        .any(|t| me.is_dept(&t["fromDepartment"]) || (me.liaison() && me.is_dept(&t["toDepartment"])))
                });
                if !(me.is_dept(&n["department"]) || town || linked) {
                    return refuse(n);
                }
            }
        }
        "users" => {
            if me.login == "dashboard" {
                if total != 1 || nodes.iter().any(|n| n["id"].as_str() != Some(me.id.as_str())) {
                    return Err(format!("a dashboard sees itself alone, not {total} users"));
                }
                return Ok(());
            }
            // Others' certificate numbers only within their department (rules.md).
            for n in nodes {
                if !me.is_dept(&n["department"]) && !n["certificateNo"].is_null() {
                    return refuse(n);
                }
            }
        }
        "transfers" => {
            for n in nodes {
                let sides = me.is_dept(&n["fromDepartment"]) || me.is_dept(&n["toDepartment"]);
                if !(sides || !n["case"].is_null() || !n["resultingCase"].is_null()) {
                    return refuse(n);
                }
            }
        }
        "followCaseEnrollments" => {
            if me.trainee() {
                let n = enrolments(&app.db, me, false).await;
                if n != total || nodes.iter().any(|n| n["trainee"]["id"].as_str() != Some(me.id.as_str())) {
                    return Err(format!("{total} enrolments, its own are {n}"));
                }
                return Ok(());
            }
            if let Some(n) = nodes.iter().find(|n| n["case"].is_null()) {
                return refuse(n);
            }
        }
        "jointCalls" => {
            for n in nodes {
                let called =
                    n["calledDepartments"].as_array().is_some_and(|a| a.iter().any(|c| me.is_dept(&c["department"])));
                if !(me.is_dept(&n["department"]) || called) {
                    return refuse(n);
                }
            }
        }
        "legalReviews" => {
            for n in nodes {
                let q = "query($case: ID!) { case(id: $case) { id } }";
                let body = app.gql(Some(me.login), q, json!({"case": n["caseId"]})).await;
                if body.get("errors").is_some() {
                    return refuse(n);
                }
            }
        }
        _ => return Err("no `Own` check for this field".into()),
    }
    Ok(())
}

/// Whether `body` is `want` for `field`; says why not.
async fn judge(
    app: &TestApp,
    field: &str,
    want: Want,
    me: Option<&Me>,
    all: Option<u64>,
    body: &Value,
) -> Result<(), String> {
    let got = body["errors"][0]["extensions"]["code"].as_str();
    let code = match want {
        Unauth => Some("UNAUTHENTICATED"),
        Forbidden => Some("FORBIDDEN"),
        Hidden => Some("NOT_FOUND"),
        _ => None,
    };
    if got != code {
        return Err(format!("error code {got:?}"));
    }
    if code.is_some() {
        return Ok(());
    }
    let value = &body["data"][field];
    let total = value["totalCount"].as_u64();
    let nodes: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        _ => value["edges"].as_array().map(|e| e.iter().map(|e| &e["node"]).collect()).unwrap_or_default(),
    };
    match want {
        Rows => {
            let answered = match (total, value) {
                (Some(n), _) => n > 0 && !nodes.is_empty(),
                (None, Value::Array(a)) => !a.is_empty(),
                (None, Value::String(s)) => !s.is_empty(),
                (None, v) => !v.is_null(),
            };
            if !answered {
                return Err("no answer".into());
            }
            let me = me.map(|m| (m.login, m.id.as_str()));
            match (field, me) {
                ("me", Some((login, _))) if value["login"].as_str() != Some(login) => Err("another user".into()),
                ("node", Some((_, id))) if value["id"].as_str() != Some(id) => Err("another node".into()),
                _ => Ok(()),
            }
        }
        Empty => {
            if total == Some(0) && nodes.is_empty() {
                Ok(())
            } else {
                Err(format!("{total:?} rows"))
            }
        }
        All => {
            let (Some(total), Some(all)) = (total, all) else { return Err("no count to compare".into()) };
            if all > 0 && total == all { Ok(()) } else { Err(format!("{total} of the table's {all} rows")) }
        }
        Own => {
            let Some(total) = total else { return Err("no totalCount".into()) };
            if all.is_some_and(|a| total > a) {
                return Err(format!("{total} rows, more than the table holds"));
            }
            own(app, field, me.expect("Own is for a signed-in caller"), total, &nodes).await
        }
        Hidden | Forbidden | Unauth => unreachable!(),
    }
}

/// One test per backend: every root field as every caller (about 300 requests).
#[actix_rt::test]
async fn every_root_field_as_every_role_matches_the_role_table() {
    let app = TestApp::spawn().await;
    // The demo has no joint enforcement call: town.beiao calls natural resources and housing.
    crate::joint::whistle(&app).await;

    // The root fields, by introspection: one row of `TABLE` each, and no row without a field.
    let schema = app.data("admin", "{ __schema { queryType { fields { name } } } }", json!({})).await;
    let root: BTreeSet<&str> = schema["__schema"]["queryType"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    let rows: BTreeSet<&str> = TABLE.iter().map(|(f, _)| *f).collect();
    assert_eq!(root, rows, "TABLE needs exactly one row per root Query field");

    let mut callers = Vec::new();
    for who in WHO {
        callers.push(match who {
            Some(login) => Some(Me::load(&app, login).await),
            None => None,
        });
    }
    let admin = callers[0].as_ref().expect("admin").id.clone();

    // The probe case: one the court trainee is enrolled on today.
    let q = "{ followCaseEnrollments(first: 20) { edges { node { active case { id } } } } }";
    let enrolled = app.data("court.trainee", q, json!({})).await;
    let case = enrolled["followCaseEnrollments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["active"] == true && !n["case"].is_null())
        .map(|n| n["case"]["id"].clone())
        .expect("the demo enrols court.trainee on a case");
    let probe = app
        .data("admin", "query($case: ID!) { case(id: $case) { town department { id } } }", json!({"case": case}))
        .await;
    let probe = &probe["case"];
    let year = shanghai_today().year();

    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for (field, wants) in TABLE {
        let all = table_count(&app.db, field).await;
        for (me, want) in callers.iter().zip(wants) {
            let me = me.as_ref();
            let want = match (*field, *want, me) {
                ("case" | "verifyRecordChain", Own, Some(m)) => {
                    let in_town = m.town.is_some() && probe["town"].as_str() == m.town.as_deref();
                    if in_town || m.is_dept(&probe["department"]) { Rows } else { Hidden }
                }
                (_, w, _) => w,
            };
            let (q, vars) = query(field, me, &admin, &case, year);
            let login = me.map(|m| m.login);
            let body = app.gql(login, &q, vars).await;
            let who = login.unwrap_or("(no token)");
            seen.push(format!("{field:<24} {who:<16} {want:?} {}", body["data"][*field]["totalCount"]));
            if let Err(why) = judge(&app, field, want, me, all, &body).await {
                let mut shown = body.to_string();
                shown.truncate(400);
                failures.push(format!("{field} as {who}: expected {want:?}: {why}\n    {shown}"));
            }
        }
    }
    eprintln!("{}", seen.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {} outcomes differ from the table:\n{}",
        failures.len(),
        seen.len(),
        failures.join("\n")
    );
}
