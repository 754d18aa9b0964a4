//! Administration through GraphQL alone: users and their certificates, departments, the matter
//! catalogue and its empowerments; and `casebridge import matters` from CSV and XLSX.

use chrono::{Datelike, Duration};
use serde_json::{Value, json};

use crate::support::{TestApp, code, field, shanghai_today};

const CREATE_USER: &str = r#"mutation($input: CreateUserInput!) { createUser(input: $input) {
    id login name active roles department { code } certificateNo certificateValidUntil
    certificates { number validFrom validUntil } } }"#;
const UPDATE_USER: &str = r#"mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) {
    id name active roles department { code } } }"#;
const ADD_CERTIFICATE: &str = r#"mutation($id: ID!, $input: CertificateInput!) { addCertificate(userId: $id, input: $input) {
    id certificateNo certificateValidUntil certificates { number validFrom validUntil } } }"#;
const MATTER_FIELDS: &str = "id code name domain legalBasis penaltyBasis active empoweredToTowns
    fineRange { personMin personMax organizationMin organizationMax } empowerments { town from until }";
const RATE: &str = r#"query($y: Int!) { statistics(year: $y) { certificateRate { numerator denominator percent } } }"#;

async fn department_id(app: &TestApp, code: &str) -> Value {
    let data = app.data("admin", "{ departments { id code } }", json!({})).await;
    data["departments"].as_array().expect("departments").iter().find(|d| d["code"] == code).expect("department")["id"]
        .clone()
}

async fn user_id(app: &TestApp, login: &str) -> Value {
    let q = r#"query($s: String) { users(first: 5, filter: { search: $s }) { edges { node { id login } } } }"#;
    let data = app.data("admin", q, json!({ "s": login })).await;
    let edges = data["users"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["login"] == login).expect("user")["node"]["id"].clone()
}

async fn matter(app: &TestApp, login: &str, code: &str) -> Value {
    let q = format!(
        r#"query($s: String) {{ matters(first: 10, filter: {{ search: $s }}) {{ edges {{ node {{ {MATTER_FIELDS} }} }} }} }}"#
    );
    let data = app.data(login, &q, json!({ "s": code })).await;
    let edges = data["matters"]["edges"].as_array().expect("edges");
    edges.iter().find(|e| e["node"]["code"] == code).map(|e| e["node"].clone()).unwrap_or(Value::Null)
}

/// The certificate rate and the new officers of a year, as the dashboard reads them.
async fn figures(app: &TestApp, year: i32) -> Value {
    let q =
        r#"query($y: Int!) { statistics(year: $y) { certificateRate { numerator denominator percent } newOfficers } }"#;
    app.data("dashboard", q, json!({ "y": year })).await["statistics"].clone()
}

fn day(offset: i64) -> String {
    (shanghai_today() + Duration::days(offset)).to_string()
}

#[actix_rt::test]
async fn an_admin_onboards_officers_empowers_a_town_and_corrects_the_catalogue() {
    let app = TestApp::spawn().await;
    let bureau = department_id(&app, "bureau").await;

    // The report's six new officers, each with a certificate.
    let mut logins = Vec::new();
    for i in 1..=6 {
        let login = format!("new.officer{i}");
        let input = json!({
            "login": login, "name": format!("新执法队员{i}"), "departmentId": bureau, "roles": ["BUREAU_OFFICER"],
            "certificate": { "number": format!("浙A-2026-{i:04}"), "validFrom": day(0), "validUntil": day(5 * 365) },
        });
        let user = app.data("admin", CREATE_USER, json!({ "input": input })).await["createUser"].clone();
        assert_eq!(user["login"], login.as_str());
        assert_eq!(user["roles"], json!(["BUREAU_OFFICER"]));
        assert_eq!(user["department"]["code"], "bureau");
        assert_eq!(user["certificateNo"], format!("浙A-2026-{i:04}"));
        assert_eq!(user["certificates"].as_array().expect("certificates").len(), 1);
        logins.push(login);
    }
    // They can sign in at once, and their colleagues find them as certified officers.
    let me = app.data(&logins[0], "{ me { login roles certified certificates { number } } }", json!({})).await;
    assert_eq!(me["me"]["certified"], true);
    let q = r#"{ users(first: 100, filter: { search: "new.officer", certified: true }) { totalCount } }"#;
    assert_eq!(app.data("bureau.officer", q, json!({})).await["users"]["totalCount"], 6);

    // A forestry matter is held by no town; the admin empowers 北岙街道 with it.
    let forestry = app
        .data("admin", r#"{ matters(first: 1, filter: { domain: "林业" }) { edges { node { id code } } } }"#, json!({}))
        .await["matters"]["edges"][0]["node"]
        .clone();
    let empower = format!(
        r#"mutation($id: ID!, $town: String!, $from: Date!, $until: Date) {{
            empowerMatter(matterId: $id, town: $town, from: $from, until: $until) {{ {MATTER_FIELDS} }} }}"#
    );
    let vars = json!({ "id": forestry["id"], "town": "北岙街道", "from": day(0), "until": day(90) });
    let m = app.data("admin", &empower, vars).await["empowerMatter"].clone();
    assert_eq!(m["empoweredToTowns"], true);
    assert_eq!(m["empowerments"], json!([{ "town": "北岙街道", "from": day(0), "until": day(90) }]));
    let code_ = forestry["code"].as_str().expect("code");
    assert_eq!(matter(&app, "town.beiao", code_).await["empowerments"][0]["town"], "北岙街道");
    let q = r#"query($t: String) { matters(first: 100, filter: { town: $t }) { edges { node { code } } } }"#;
    let beiao = app.data("town.beiao", q, json!({ "t": "北岙街道" })).await;
    assert!(beiao["matters"]["edges"].as_array().expect("edges").iter().any(|e| e["node"]["code"] == code_));

    // An overlapping period merges with the one the town holds; the same period again changes nothing.
    let vars = json!({ "id": forestry["id"], "town": "北岙街道", "from": day(60), "until": null });
    let m = app.data("admin", &empower, vars.clone()).await["empowerMatter"].clone();
    assert_eq!(m["empowerments"], json!([{ "town": "北岙街道", "from": day(0), "until": null }]));
    let again = app.data("admin", &empower, vars).await["empowerMatter"].clone();
    assert_eq!(again["empowerments"], m["empowerments"]);
    // A town no town team serves, and a period that ends before it starts, are refused.
    let vars = json!({ "id": forestry["id"], "town": "火星街道", "from": day(0) });
    assert_eq!(field(&app.gql(Some("admin"), &empower, vars).await), "town");
    let vars = json!({ "id": forestry["id"], "town": "东屏街道", "from": day(10), "until": day(9) });
    assert_eq!(field(&app.gql(Some("admin"), &empower, vars).await), "until");

    // The empowerment ends.
    let end = format!(
        r#"mutation($id: ID!, $town: String!, $until: Date!) {{
            endEmpowerment(matterId: $id, town: $town, until: $until) {{ {MATTER_FIELDS} }} }}"#
    );
    let vars = json!({ "id": forestry["id"], "town": "北岙街道", "until": day(30) });
    let m = app.data("admin", &end, vars).await["endEmpowerment"].clone();
    assert_eq!(m["empowerments"], json!([{ "town": "北岙街道", "from": day(0), "until": day(30) }]));

    // The catalogue is corrected: a penalty clause and a discretion benchmark.
    let sr = matter(&app, "admin", "SR-001").await;
    assert_eq!(sr["fineRange"], Value::Null, "no bound at all: null");
    assert_eq!(sr["active"], true);
    let update = format!(
        r#"mutation($id: ID!, $input: MatterInput!) {{ updateMatter(id: $id, input: $input) {{ {MATTER_FIELDS} }} }}"#
    );
    let input = json!({
        "code": "SR-001", "name": "占道经营（含流动摊贩）", "domain": sr["domain"], "legalBasis": sr["legalBasis"],
        "penaltyBasis": "《浙江省城市市容和环境卫生管理条例》第四十六条",
        "fineRange": { "personMin": "50", "personMax": "200", "organizationMax": "3000.5" },
    });
    let m = app.data("admin", &update, json!({ "id": sr["id"], "input": input.clone() })).await["updateMatter"].clone();
    assert_eq!(m["name"], "占道经营（含流动摊贩）");
    assert_eq!(m["penaltyBasis"], "《浙江省城市市容和环境卫生管理条例》第四十六条");
    assert_eq!(
        m["fineRange"],
        json!({ "personMin": "50.00", "personMax": "200.00", "organizationMin": null, "organizationMax": "3000.50" })
    );
    assert_eq!(m["empowerments"], sr["empowerments"], "the towns stay");
    // Every reader sees the correction.
    assert_eq!(matter(&app, "town.dongping", "SR-001").await["name"], "占道经营（含流动摊贩）");
    // An omitted range stays; `active: false` takes the matter out of the catalogue.
    let mut keep = input.clone();
    keep.as_object_mut().expect("object").remove("fineRange");
    keep["active"] = json!(false);
    let m = app.data("admin", &update, json!({ "id": sr["id"], "input": keep })).await["updateMatter"].clone();
    assert_eq!((m["active"].clone(), m["fineRange"]["personMax"].clone()), (json!(false), json!("200.00")));
    // A maximum below the minimum names the bound; a negative or a number names the field.
    let mut bad = input.clone();
    bad["fineRange"] = json!({ "personMin": "500", "personMax": "200" });
    let body = app.gql(Some("admin"), &update, json!({ "id": sr["id"], "input": bad.clone() })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineRange.personMax"));
    bad["fineRange"] = json!({ "organizationMin": "-1" });
    let body = app.gql(Some("admin"), &update, json!({ "id": sr["id"], "input": bad.clone() })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "fineRange.organizationMin"));
    // A new matter; its code is unique.
    let create = format!(r#"mutation($input: MatterInput!) {{ createMatter(input: $input) {{ {MATTER_FIELDS} }} }}"#);
    let mut new = input.clone();
    new["code"] = json!("SR-900");
    let m = app.data("admin", &create, json!({ "input": new.clone() })).await["createMatter"].clone();
    assert_eq!(
        (m["code"].clone(), m["active"].clone(), m["empowerments"].clone()),
        (json!("SR-900"), json!(true), json!([]))
    );
    assert_eq!(code(&app.gql(Some("admin"), &create, json!({ "input": new })).await), "CONFLICT");
    let mut taken = input;
    taken["code"] = json!("SR-002");
    assert_eq!(code(&app.gql(Some("admin"), &update, json!({ "id": sr["id"], "input": taken })).await), "CONFLICT");
}

#[actix_rt::test]
async fn only_an_admin_administers() {
    let app = TestApp::spawn().await;
    let bureau = department_id(&app, "bureau").await;
    let officer = user_id(&app, "bureau.officer").await;
    let input = json!({ "login": "sneaky", "name": "某", "departmentId": bureau, "roles": ["ADMIN"] });
    let dept = json!({ "code": "x", "name": "某部门", "kind": "LINE_DEPARTMENT" });
    let cert = json!({ "number": "X-1", "validFrom": "2024-01-01", "validUntil": "2030-12-31" });
    for login in ["bureau.officer", "bureau.reviewer", "town.beiao", "nr.liaison", "court.trainee", "dashboard"] {
        let body = app.gql(Some(login), CREATE_USER, json!({ "input": input })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
        let body = app.gql(Some(login), UPDATE_USER, json!({ "id": officer, "input": { "roles": ["ADMIN"] } })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
        let body = app.gql(Some(login), ADD_CERTIFICATE, json!({ "id": officer, "input": cert })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{login}: {body}");
        let q = "mutation($input: DepartmentInput!) { createDepartment(input: $input) { id } }";
        assert_eq!(code(&app.gql(Some(login), q, json!({ "input": dept })).await), "FORBIDDEN");
    }
    let q = r#"mutation { empowerMatter(matterId: "bm90aGluZw", town: "北岙街道", from: "2024-01-01") { id } }"#;
    let body = app.gql(None, q, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    // Nothing was written.
    let q = r#"{ users(first: 5, filter: { search: "sneaky" }) { totalCount } }"#;
    assert_eq!(app.data("admin", q, json!({})).await["users"]["totalCount"], 0);
}

#[actix_rt::test]
async fn a_deactivated_user_is_refused_at_once_and_a_duplicate_login_is_a_conflict() {
    let app = TestApp::spawn().await;
    let officer = user_id(&app, "bureau.officer").await;
    let token = app.token("bureau.officer");
    let me = "{ me { login } }";
    assert!(app.gql_with_token(Some(&token), me, json!({})).await.get("errors").is_none());

    let left = app.data("admin", UPDATE_USER, json!({ "id": officer, "input": { "active": false } })).await;
    assert_eq!(left["updateUser"]["active"], false);
    let body = app.gql_with_token(Some(&token), me, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "the token issued before is refused: {body}");
    // Back again; roles replaced; moved within the rules.
    let back = app
        .data("admin", UPDATE_USER, json!({ "id": officer, "input": { "active": true, "roles": ["BUREAU_OFFICER", "LEGAL_REVIEWER"], "name": "林志远" } }))
        .await;
    assert_eq!(back["updateUser"]["roles"], json!(["BUREAU_OFFICER", "LEGAL_REVIEWER"]));
    let me = app.data("bureau.officer", "{ me { roles } }", json!({})).await;
    assert_eq!(me["me"]["roles"], json!(["BUREAU_OFFICER", "LEGAL_REVIEWER"]), "roles in force at once");
    let beiao = department_id(&app, "town-beiao").await;
    let body = app.gql(Some("admin"), UPDATE_USER, json!({ "id": officer, "input": { "departmentId": beiao } })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "roles"), "a bureau officer in a town team: {body}");
    // An admin does not lock itself out.
    let admin = user_id(&app, "admin").await;
    let body = app.gql(Some("admin"), UPDATE_USER, json!({ "id": admin, "input": { "active": false } })).await;
    assert_eq!(field(&body), "active");

    let bureau = department_id(&app, "bureau").await;
    let input =
        json!({ "login": "bureau.officer", "name": "重名", "departmentId": bureau, "roles": ["BUREAU_OFFICER"] });
    assert_eq!(code(&app.gql(Some("admin"), CREATE_USER, json!({ "input": input })).await), "CONFLICT");
    let input = json!({ "login": "has space", "name": "某", "departmentId": bureau, "roles": ["BUREAU_OFFICER"] });
    assert_eq!(field(&app.gql(Some("admin"), CREATE_USER, json!({ "input": input })).await), "login");
    let input = json!({ "login": "no.roles", "name": "某", "departmentId": bureau, "roles": [] });
    assert_eq!(field(&app.gql(Some("admin"), CREATE_USER, json!({ "input": input })).await), "roles");
    let input = json!({ "login": "bad.cert", "name": "某", "departmentId": bureau, "roles": ["BUREAU_OFFICER"],
        "certificate": { "number": "X", "validFrom": "2025-01-02", "validUntil": "2025-01-01" } });
    assert_eq!(field(&app.gql(Some("admin"), CREATE_USER, json!({ "input": input })).await), "certificate.validUntil");
}

#[actix_rt::test]
async fn departments_are_created_and_corrected() {
    let app = TestApp::spawn().await;
    let create = "mutation($input: DepartmentInput!) { createDepartment(input: $input) { id code name kind town } }";
    let update = "mutation($id: ID!, $input: DepartmentInput!) { updateDepartment(id: $id, input: $input) { id code name kind town } }";
    let team = json!({ "code": "town-xincheng", "name": "新城街道综合行政执法队", "kind": "TOWN_TEAM" });
    assert_eq!(field(&app.gql(Some("admin"), create, json!({ "input": team })).await), "town");
    let mut team = team;
    team["town"] = json!("新城街道");
    let d = app.data("admin", create, json!({ "input": team.clone() })).await["createDepartment"].clone();
    assert_eq!((d["kind"].clone(), d["town"].clone()), (json!("TOWN_TEAM"), json!("新城街道")));
    assert_eq!(code(&app.gql(Some("admin"), create, json!({ "input": team.clone() })).await), "CONFLICT");
    // The new town may now be empowered.
    let m = app
        .data("admin", r#"{ matters(first: 1, filter: { domain: "市容" }) { edges { node { id } } } }"#, json!({}))
        .await["matters"]["edges"][0]["node"]["id"]
        .clone();
    let q = r#"mutation($id: ID!) { empowerMatter(matterId: $id, town: "新城街道", from: "2026-01-01") { empowerments { town } } }"#;
    let got = app.data("admin", q, json!({ "id": m })).await;
    assert!(got["empowerMatter"]["empowerments"].as_array().expect("e").iter().any(|e| e["town"] == "新城街道"));
    // Renamed; a code another department holds is a conflict.
    team["name"] = json!("新城街道执法队");
    let d2 =
        app.data("admin", update, json!({ "id": d["id"], "input": team.clone() })).await["updateDepartment"].clone();
    assert_eq!(d2["name"], "新城街道执法队");
    team["code"] = json!("bureau");
    assert_eq!(code(&app.gql(Some("admin"), update, json!({ "id": d["id"], "input": team })).await), "CONFLICT");
}

#[actix_rt::test]
async fn certificates_keep_their_history_and_a_renewal_never_moves_a_past_year() {
    let app = TestApp::spawn().await;
    // An officer whose certificate lapsed in 2023.
    let q = r#"query($first: Int, $after: String) { users(first: $first, after: $after, filter: { role: BUREAU_OFFICER }) {
        pageInfo { hasNextPage endCursor } edges { node { id login certificateNo certificateValidUntil } } } }"#;
    let officers = app.all_nodes("admin", q, "users", json!({}), 100).await;
    let lapsed = officers
        .iter()
        .find(|u| u["certificateValidUntil"].as_str().is_some_and(|d| d.starts_with("2023-")))
        .expect("an officer whose certificate lapsed in 2023")
        .clone();
    let this_year = shanghai_today().year();
    let rate = |y: i32| app.data("dashboard", RATE, json!({ "y": y }));
    let before_2023 = rate(2023).await["statistics"]["certificateRate"].clone();
    assert_eq!(before_2023["percent"], "92.85%");
    let before_now = rate(this_year).await["statistics"]["certificateRate"].clone();

    let renewal = json!({ "number": "浙C-2026-0001", "validFrom": day(0), "validUntil": day(6 * 365) });
    let user = app.data("admin", ADD_CERTIFICATE, json!({ "id": lapsed["id"], "input": renewal })).await;
    let user = &user["addCertificate"];
    assert_eq!(user["certificateNo"], "浙C-2026-0001", "the current certificate follows");
    let history = user["certificates"].as_array().expect("history");
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["number"], lapsed["certificateNo"]);
    assert_eq!(history[0]["validUntil"], lapsed["certificateValidUntil"]);
    assert_eq!(history[1]["validFrom"], day(0));

    assert_eq!(rate(2023).await["statistics"]["certificateRate"], before_2023, "2023 is history");
    let after_now = rate(this_year).await["statistics"]["certificateRate"].clone();
    assert_eq!(after_now["numerator"].as_i64(), before_now["numerator"].as_i64().map(|n| n + 1), "{after_now}");

    // A period that ends before it starts; another officer's number.
    let bad = json!({ "number": "浙C-2026-0002", "validFrom": "2026-05-02", "validUntil": "2026-05-01" });
    let body = app.gql(Some("admin"), ADD_CERTIFICATE, json!({ "id": lapsed["id"], "input": bad })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "validUntil"));
    let other = officers.iter().find(|u| u["id"] != lapsed["id"] && u["certificateNo"].is_string()).expect("other");
    let theirs = json!({ "number": other["certificateNo"], "validFrom": "2026-01-01", "validUntil": "2030-01-01" });
    let body = app.gql(Some("admin"), ADD_CERTIFICATE, json!({ "id": lapsed["id"], "input": theirs })).await;
    assert_eq!(code(&body), "CONFLICT");

    // The history is shown where certificate numbers are: within the department and to admins.
    let q = r#"query($id: ID!) { node(id: $id) { ... on User { certificateNo certificates { number } } } }"#;
    let colleague = app.data("bureau.officer", q, json!({ "id": lapsed["id"] })).await;
    assert_eq!(colleague["node"]["certificates"].as_array().map(Vec::len), Some(2));
    let q = r#"{ users(first: 100) { edges { node { department { code } certificateNo certificates { number } } } } }"#;
    for login in ["nr.liaison", "town.beiao"] {
        let own = if login == "nr.liaison" { "natural-resources" } else { "town-beiao" };
        let seen = app.data(login, q, json!({})).await;
        for e in seen["users"]["edges"].as_array().expect("edges") {
            if e["node"]["department"]["code"] != own {
                assert_eq!(e["node"]["certificates"], json!([]), "{login} sees {e}");
            }
        }
    }

    // Two officers with histories in one list (one batch): each gets its own, oldest first.
    let renewal = json!({ "number": "浙C-2026-0003", "validFrom": day(0), "validUntil": day(6 * 365) });
    app.data("admin", ADD_CERTIFICATE, json!({ "id": other["id"], "input": renewal })).await;
    let q = r#"query($first: Int, $after: String) { users(first: $first, after: $after, filter: { role: BUREAU_OFFICER }) {
        pageInfo { hasNextPage endCursor } edges { node { id certificateNo certificates { number validFrom } } } } }"#;
    let listed = app.all_nodes("admin", q, "users", json!({}), 100).await;
    let numbers = |id: &Value| -> Vec<Value> {
        let u = listed.iter().find(|u| u["id"] == *id).expect("listed");
        u["certificates"].as_array().expect("certificates").iter().map(|c| c["number"].clone()).collect()
    };
    assert_eq!(numbers(&lapsed["id"]), vec![lapsed["certificateNo"].clone(), json!("浙C-2026-0001")]);
    assert_eq!(numbers(&other["id"]), vec![other["certificateNo"].clone(), json!("浙C-2026-0003")]);
    let mut seen_numbers = std::collections::HashSet::new();
    for u in &listed {
        let certs = u["certificates"].as_array().expect("certificates");
        let from: Vec<&str> = certs.iter().map(|c| c["validFrom"].as_str().expect("validFrom")).collect();
        assert!(from.is_sorted(), "oldest first: {u}");
        if u["certificateNo"].is_string() {
            assert!(certs.iter().any(|c| c["number"] == u["certificateNo"]), "its own history: {u}");
        }
        for c in certs {
            assert!(seen_numbers.insert(c["number"].to_string()), "one user's certificate only: {u}");
        }
    }
}

#[actix_rt::test]
async fn a_leaver_never_moves_a_past_year_and_leaves_the_current_one() {
    let app = TestApp::spawn().await;
    let q = r#"query($first: Int, $after: String) { users(first: $first, after: $after, filter: { role: BUREAU_OFFICER }) {
        pageInfo { hasNextPage endCursor } edges { node { id login certificates { validFrom validUntil } } } } }"#;
    let officers = app.all_nodes("admin", q, "users", json!({}), 100).await;
    let certs = |u: &Value| u["certificates"].as_array().expect("certificates").clone();
    // Joined in 2023 (the demo's new officers hold certificates from 2023, or none yet): one
    // certified on 2023-12-31 and still today, one still in training.
    let today = shanghai_today().to_string();
    let certified = officers
        .iter()
        .find(|u| {
            certs(u).iter().any(|c| {
                c["validFrom"].as_str().is_some_and(|f| f.starts_with("2023-"))
                    && c["validUntil"].as_str().is_some_and(|t| t >= today.as_str())
            })
        })
        .expect("an officer certified in 2023")
        .clone();
    let training = officers.iter().find(|u| certs(u).is_empty()).expect("an officer in training").clone();

    let this_year = shanghai_today().year();
    let before_2023 = figures(&app, 2023).await;
    assert_eq!(before_2023["certificateRate"]["percent"], "92.85%");
    assert_eq!(before_2023["newOfficers"], 6);
    let before_now = figures(&app, this_year).await;

    for u in [&certified, &training] {
        let left = app.data("admin", UPDATE_USER, json!({ "id": u["id"], "input": { "active": false } })).await;
        assert_eq!(left["updateUser"]["active"], false);
    }
    assert_eq!(figures(&app, 2023).await, before_2023, "2023 is history: who left today was on its roll");
    let now = figures(&app, this_year).await;
    let n = |v: &Value, f: &str| v["certificateRate"][f].as_i64().expect("count");
    assert_eq!(n(&now, "denominator"), n(&before_now, "denominator") - 2, "{now}");
    assert_eq!(n(&now, "numerator"), n(&before_now, "numerator") - 1, "{now}");
    assert_eq!(now["newOfficers"], before_now["newOfficers"], "they joined in 2023");

    // Back again: on the roll this year once more; 2023 still as it was.
    app.data("admin", UPDATE_USER, json!({ "id": training["id"], "input": { "active": true } })).await;
    let back = figures(&app, this_year).await;
    assert_eq!(n(&back, "denominator"), n(&before_now, "denominator") - 1, "{back}");
    assert_eq!(n(&back, "numerator"), n(&now, "numerator"));
    assert_eq!(figures(&app, 2023).await, before_2023);
}

fn matters_csv() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matters.csv")
}

/// The CSV fixture written as an XLSX workbook (money as numbers, as a spreadsheet holds it).
fn matters_xlsx(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(matters_csv()).expect("fixture");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r, c, n).map(|_| ()),
                _ if cell.is_empty() => Ok(()),
                _ => sheet.write_string(r, c, cell).map(|_| ()),
            }
            .expect("cell");
        }
    }
    let path = dir.join("matters.xlsx");
    book.save(&path).expect("save xlsx");
    path
}

#[actix_rt::test]
async fn matters_import_from_csv_and_xlsx_idempotently_with_a_dry_run() {
    use casebridge::org::import::import_file;
    let app = TestApp::spawn().await;
    let csv = matters_csv();

    // A dry run says what would change and writes nothing.
    let dry = import_file(&app.db, &csv, true).await.expect("dry run");
    assert_eq!((dry.created(), dry.updated(), dry.empowerments_added()), (2, 1, 2), "{:?}", dry.lines());
    let lines = dry.lines();
    assert!(lines.contains(&"would create IMP-001".to_string()), "{lines:?}");
    assert!(lines.contains(&"would update SR-001: penaltyBasis, fineRange".to_string()), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("would empower IMP-001 to 东屏街道 from 2024-01-01 until 2024-12-31")));
    assert_eq!(matter(&app, "admin", "IMP-001").await, Value::Null, "nothing written");

    let done = import_file(&app.db, &csv, false).await.expect("import");
    assert_eq!((done.created(), done.updated(), done.empowerments_added()), (2, 1, 2));
    let m = matter(&app, "bureau.officer", "IMP-001").await;
    assert_eq!(
        m["fineRange"],
        json!({ "personMin": "50.00", "personMax": "200.00", "organizationMin": null, "organizationMax": null })
    );
    assert_eq!(m["empowerments"].as_array().map(Vec::len), Some(2));
    let sr = matter(&app, "bureau.officer", "SR-001").await;
    assert_eq!(sr["fineRange"]["organizationMax"], "5000.00");
    assert_eq!(sr["empowerments"].as_array().map(Vec::len), Some(6), "covered already: no new period");

    // Again: no change. The XLSX of the same sheet: no change either.
    let again = import_file(&app.db, &csv, false).await.expect("again");
    assert_eq!((again.created(), again.updated(), again.empowerments_added(), again.unchanged()), (0, 0, 0, 3));
    let dir = tempfile::tempdir().expect("tempdir");
    let xlsx = matters_xlsx(dir.path());
    let from_xlsx = import_file(&app.db, &xlsx, false).await.expect("xlsx");
    assert_eq!(from_xlsx.unchanged(), 3, "{:?}", from_xlsx.lines());

    // An XLSX with a change imports it.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["code", "name", "domain", "legalBasis", "penaltyBasis", "personMax", "towns"];
    let row = [
        "IMP-003",
        "违规倾倒建筑垃圾",
        "环境卫生",
        "《城市建筑垃圾管理规定》第九条",
        "第二十六条",
        "",
        "鹿西乡:2025-01-01",
    ];
    for (c, (h, v)) in header.iter().zip(row).enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
        sheet.write_string(1, c as u16, v).expect("cell");
    }
    sheet.write_number(1, 5, 3000).expect("number");
    let path = dir.path().join("more.xlsx");
    book.save(&path).expect("save");
    let more = import_file(&app.db, &path, false).await.expect("xlsx import");
    assert_eq!((more.created(), more.empowerments_added()), (1, 1), "{:?}", more.lines());
    assert_eq!(matter(&app, "admin", "IMP-003").await["fineRange"]["personMax"], "3000.00");

    // A bad row: reported with its line and column, and nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name,domain,legalBasis,penaltyBasis,personMin,personMax\n\
         IMP-004,甲,市容,据,罚,,\n\
         IMP-005,乙,市容,据,罚,300,200\n",
    )
    .expect("write");
    let err = import_file(&app.db, &bad, false).await.expect_err("bad row");
    let text = err.to_string();
    assert!(text.contains("line 3, column personMax"), "{text}");
    assert_eq!(matter(&app, "admin", "IMP-004").await, Value::Null, "all or nothing");

    // Audited.
    let q = r#"{ auditLog(first: 20, filter: { action: "import:matters" }) { totalCount } }"#;
    let audit = app.data("admin", q, json!({})).await;
    assert_eq!(audit["auditLog"]["totalCount"], 4, "{audit}");
}

/// Each administration mutation once, as the admin (for the audit log's every-mutation check).
pub async fn every_mutation(app: &TestApp) {
    let bureau = department_id(app, "bureau").await;
    let input =
        json!({ "login": "audit.officer", "name": "审计测试", "departmentId": bureau, "roles": ["BUREAU_OFFICER"] });
    let user = app.data("admin", CREATE_USER, json!({ "input": input })).await["createUser"]["id"].clone();
    app.data("admin", UPDATE_USER, json!({ "id": user, "input": { "name": "审计测试员" } })).await;
    let cert = json!({ "number": "浙审-0001", "validFrom": "2026-01-01", "validUntil": "2031-12-31" });
    app.data("admin", ADD_CERTIFICATE, json!({ "id": user, "input": cert })).await;
    let dept = json!({ "code": "audit-line", "name": "审计测试局", "kind": "LINE_DEPARTMENT" });
    let q = "mutation($input: DepartmentInput!) { createDepartment(input: $input) { id } }";
    let d = app.data("admin", q, json!({ "input": dept.clone() })).await["createDepartment"]["id"].clone();
    let q = "mutation($id: ID!, $input: DepartmentInput!) { updateDepartment(id: $id, input: $input) { id } }";
    app.data("admin", q, json!({ "id": d, "input": dept })).await;
    let matter =
        json!({ "code": "AUD-001", "name": "审计事项", "domain": "市容", "legalBasis": "据", "penaltyBasis": "罚" });
    let q = "mutation($input: MatterInput!) { createMatter(input: $input) { id } }";
    let m = app.data("admin", q, json!({ "input": matter.clone() })).await["createMatter"]["id"].clone();
    let q = "mutation($id: ID!, $input: MatterInput!) { updateMatter(id: $id, input: $input) { id } }";
    app.data("admin", q, json!({ "id": m, "input": matter })).await;
    let q = r#"mutation($id: ID!) { empowerMatter(matterId: $id, town: "北岙街道", from: "2026-01-01") { id } }"#;
    app.data("admin", q, json!({ "id": m })).await;
    let q = r#"mutation($id: ID!) { endEmpowerment(matterId: $id, town: "北岙街道", until: "2026-12-31") { id } }"#;
    app.data("admin", q, json!({ "id": m })).await;
}
