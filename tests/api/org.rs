//! `departments`, `users`, `matters`, `node`.

use serde_json::json;

use crate::support::TestApp;

const USERS: &str = r#"query($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id login department { code } certificateNo roles } } } }"#;

#[actix_rt::test]
async fn departments_list_the_district() {
    let app = TestApp::spawn().await;
    let data = app.data("town.beiao", "{ departments { code name kind town } }", json!({})).await;
    let depts = data["departments"].as_array().expect("departments");
    assert_eq!(depts[0]["kind"], "BUREAU");
    assert_eq!(depts.iter().filter(|d| d["kind"] == "TOWN_TEAM").count(), 6);
    assert!(depts.iter().any(|d| d["kind"] == "COURT"));
}

#[actix_rt::test]
async fn users_are_visible_per_rules_md_with_certificates_only_in_department() {
    let app = TestApp::spawn().await;
    let everyone = app.all_nodes("admin", USERS, "users", json!({}), 25).await;
    assert!(everyone.len() > 60);

    let bureau = app.all_nodes("bureau.officer", USERS, "users", json!({}), 100).await;
    assert!(bureau.iter().all(|u| u["department"]["code"] == "bureau"), "only its department and case officers");
    assert!(bureau.iter().any(|u| u["certificateNo"].is_string()), "certificates within the department");

    let town = app.all_nodes("town.beiao", USERS, "users", json!({}), 100).await;
    for u in &town {
        if u["department"]["code"] != "town-beiao" {
            assert!(u["certificateNo"].is_null(), "no certificate numbers across departments: {u}");
        }
    }
    assert!(town.iter().any(|u| u["login"] == "town.beiao"));
    assert!(!town.iter().any(|u| u["login"] == "nr.liaison"));

    let reviewers = app.all_nodes("admin", USERS, "users", json!({"filter": {"role": "LEGAL_REVIEWER"}}), 100).await;
    assert!(reviewers.iter().any(|u| u["login"] == "bureau.reviewer"));
    assert!(reviewers.iter().all(|u| { u["roles"].as_array().expect("roles").contains(&json!("LEGAL_REVIEWER")) }));

    let found = app.all_nodes("admin", USERS, "users", json!({"filter": {"search": "TOWN.BEIAO"}}), 100).await;
    assert_eq!(found.len(), 1, "search ignores case");
    let certified = app.all_nodes("admin", USERS, "users", json!({"filter": {"certified": true}}), 100).await;
    assert!(certified.iter().all(|u| u["certificateNo"].is_string()));
}

#[actix_rt::test]
async fn matters_show_their_town_empowerments() {
    let app = TestApp::spawn().await;
    let q = r#"query($first: Int, $after: String, $filter: MatterFilter) { matters(first: $first, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { code name domain empoweredToTowns empowerments { town from until } } } } }"#;
    let all = app.all_nodes("bureau.officer", q, "matters", json!({}), 10).await;
    assert!(all.len() >= 40);
    let empowered =
        app.all_nodes("bureau.officer", q, "matters", json!({"filter": {"empoweredToTowns": true}}), 100).await;
    assert!(!empowered.is_empty() && empowered.len() < all.len());
    assert!(empowered.iter().all(|m| m["empoweredToTowns"] == true));
    let forestry = all.iter().filter(|m| m["domain"] == "林业").collect::<Vec<_>>();
    assert!(!forestry.is_empty() && forestry.iter().all(|m| m["empoweredToTowns"] == false));
    let beiao = app.all_nodes("bureau.officer", q, "matters", json!({"filter": {"town": "北岙街道"}}), 100).await;
    assert!(beiao.iter().all(|m| { m["empowerments"].as_array().expect("e").iter().any(|e| e["town"] == "北岙街道") }));
}

#[actix_rt::test]
async fn node_fetches_any_visible_object() {
    let app = TestApp::spawn().await;
    let data =
        app.data("admin", "{ cases(first: 1) { edges { node { id caseNo department { id } } } } }", json!({})).await;
    let case = &data["cases"]["edges"][0]["node"];
    let q = "query($id: ID!) { node(id: $id) { id ... on Case { caseNo } ... on Department { code } } }";
    let got = app.data("admin", q, json!({"id": case["id"]})).await;
    assert_eq!(got["node"]["caseNo"], case["caseNo"]);
    let got = app.data("admin", q, json!({"id": case["department"]["id"]})).await;
    assert!(got["node"]["code"].is_string());
}
