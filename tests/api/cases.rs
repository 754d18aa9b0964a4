//! `cases`: keyset paging, every filter, and what each role sees.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::TestApp;

const PAGE: &str = r#"query($first: Int, $after: String, $filter: CaseFilter, $orderBy: CaseOrder) {
  cases(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
    edges { cursor node { id caseNo title status procedure town matterCode filedAt overdue
      department { id code kind } party { kind name idNumber phone address } } }
  }
}"#;

fn ids(nodes: &[Value]) -> Vec<String> {
    nodes.iter().map(|n| n["id"].as_str().expect("id").to_string()).collect()
}

async fn total(app: &TestApp, login: &str, filter: Value) -> i64 {
    let data = app.data(login, PAGE, json!({"first": 1, "filter": filter})).await;
    data["cases"]["totalCount"].as_i64().expect("totalCount")
}

#[actix_rt::test]
async fn paging_forward_visits_every_case_once_in_order() {
    let app = TestApp::spawn().await;
    let all = app.all_nodes("admin", PAGE, "cases", json!({}), 7).await;
    let n = total(&app, "admin", json!({})).await;
    assert!(n > 100, "the scaled demo has a few hundred cases, got {n}");
    assert_eq!(all.len() as i64, n, "no gaps");
    let unique: HashSet<_> = ids(&all).into_iter().collect();
    assert_eq!(unique.len(), all.len(), "no repeats");
    let filed: Vec<&str> = all.iter().map(|c| c["filedAt"].as_str().expect("filedAt")).collect();
    let parsed: Vec<chrono::DateTime<chrono::FixedOffset>> =
        filed.iter().map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("rfc3339")).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let asc = app.all_nodes("admin", PAGE, "cases", json!({"orderBy": "FILED_AT_ASC"}), 50).await;
    let mut reversed = ids(&asc);
    reversed.reverse();
    assert_eq!(reversed, ids(&all), "ascending order is the reverse");
}

#[actix_rt::test]
async fn paging_backward_with_last_and_before_matches_forward() {
    let app = TestApp::spawn().await;
    let first_page = app.data("admin", PAGE, json!({"first": 10})).await;
    let edges = first_page["cases"]["edges"].as_array().expect("edges").clone();
    let tenth = edges[9]["cursor"].as_str().expect("cursor");
    let q = r#"query($before: String) { cases(last: 4, before: $before) {
        pageInfo { hasNextPage hasPreviousPage } edges { node { id } } } }"#;
    let back = app.data("admin", q, json!({"before": tenth})).await;
    let got: Vec<&Value> = back["cases"]["edges"].as_array().expect("edges").iter().map(|e| &e["node"]["id"]).collect();
    let want: Vec<&Value> = edges[5..9].iter().map(|e| &e["node"]["id"]).collect();
    assert_eq!(got, want);
    assert_eq!(back["cases"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["cases"]["pageInfo"]["hasNextPage"], true);
}

#[actix_rt::test]
async fn every_filter_narrows_exactly() {
    let app = TestApp::spawn().await;
    let all = app.all_nodes("admin", PAGE, "cases", json!({}), 100).await;
    let count = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|c| pred(c)).count() as i64;

    let general = count(&|c| c["procedure"] == "GENERAL");
    assert!(general > 0);
    assert_eq!(total(&app, "admin", json!({"procedure": "GENERAL"})).await, general);

    let closed_or_delivered = count(&|c| c["status"] == "CLOSED" || c["status"] == "DELIVERED");
    assert_eq!(total(&app, "admin", json!({"status": ["CLOSED", "DELIVERED"]})).await, closed_or_delivered);

    let sample = all.iter().find(|c| c["town"].is_string()).expect("a town case");
    let town = sample["town"].as_str().expect("town");
    assert_eq!(total(&app, "admin", json!({"town": town})).await, count(&|c| c["town"] == town));

    let dept = sample["department"]["id"].clone();
    assert_eq!(total(&app, "admin", json!({"departmentId": dept})).await, count(&|c| c["department"]["id"] == dept));

    let matter = sample["matterCode"].as_str().expect("matter");
    assert_eq!(total(&app, "admin", json!({"matterCode": matter})).await, count(&|c| c["matterCode"] == matter));

    let (from, to) = ("2023-03-01T00:00:00+08:00", "2023-06-30T23:59:59+08:00");
    let from_t = chrono::DateTime::parse_from_rfc3339(from).expect("from");
    let to_t = chrono::DateTime::parse_from_rfc3339(to).expect("to");
    let in_range = count(&|c| {
        let t = chrono::DateTime::parse_from_rfc3339(c["filedAt"].as_str().expect("filedAt")).expect("t");
        t >= from_t && t <= to_t
    });
    assert!(in_range > 0);
    assert_eq!(total(&app, "admin", json!({"filedFrom": from, "filedTo": to})).await, in_range);

    let no = sample["caseNo"].as_str().expect("caseNo");
    assert_eq!(total(&app, "admin", json!({"search": no})).await, 1, "search by case number");
    let word = "占道";
    let titled = count(&|c| c["title"].as_str().is_some_and(|t| t.contains(word)));
    assert_eq!(total(&app, "admin", json!({"search": word})).await, titled);
    assert_eq!(total(&app, "admin", json!({"search": "%"})).await, 0, "% is literal");

    let overdue = count(&|c| c["overdue"] == true);
    assert_eq!(total(&app, "admin", json!({"overdue": true})).await, overdue);
    assert_eq!(total(&app, "admin", json!({"overdue": false})).await, all.len() as i64 - overdue);

    // Filters combine with AND.
    let both = count(&|c| c["procedure"] == "GENERAL" && c["town"] == town);
    assert_eq!(total(&app, "admin", json!({"procedure": "GENERAL", "town": town})).await, both);
}

#[actix_rt::test]
async fn each_role_sees_exactly_what_rules_md_allows() {
    let app = TestApp::spawn().await;
    let all = app.all_nodes("admin", PAGE, "cases", json!({}), 100).await;

    // The legal reviewer sees all cases.
    assert_eq!(total(&app, "bureau.reviewer", json!({})).await, all.len() as i64);

    // A bureau officer sees the bureau's cases.
    let bureau: HashSet<String> =
        ids(&all.iter().filter(|c| c["department"]["kind"] == "BUREAU").cloned().collect::<Vec<_>>())
            .into_iter()
            .collect();
    let seen: HashSet<String> =
        ids(&app.all_nodes("bureau.officer", PAGE, "cases", json!({}), 100).await).into_iter().collect();
    assert_eq!(seen, bureau);

    // A town officer sees its town's cases only.
    let beiao: HashSet<String> =
        ids(&all.iter().filter(|c| c["town"] == "北岙街道").cloned().collect::<Vec<_>>()).into_iter().collect();
    assert!(!beiao.is_empty());
    let seen: HashSet<String> =
        ids(&app.all_nodes("town.beiao", PAGE, "cases", json!({}), 100).await).into_iter().collect();
    assert_eq!(seen, beiao);
    let dongping = app.all_nodes("town.dongping", PAGE, "cases", json!({}), 100).await;
    assert!(dongping.iter().all(|c| c["town"] == "东屏街道"));

    // The natural-resources liaison sees the cases its transfers became.
    let q = "{ transfers(first: 100) { edges { node { fromDepartment { code } resultingCase { id } } } } }";
    let transfers = app.data("admin", q, json!({})).await;
    let from_nr: HashSet<String> = transfers["transfers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["fromDepartment"]["code"] == "natural-resources")
        .filter_map(|e| e["node"]["resultingCase"]["id"].as_str().map(str::to_string))
        .collect();
    assert!(!from_nr.is_empty());
    let seen: HashSet<String> =
        ids(&app.all_nodes("nr.liaison", PAGE, "cases", json!({}), 100).await).into_iter().collect();
    assert_eq!(seen, from_nr);

    // The dashboard sees statistics only: no cases at all.
    assert_eq!(total(&app, "dashboard", json!({})).await, 0);
}

#[actix_rt::test]
async fn a_court_trainee_sees_only_enrolled_cases_anonymised_and_every_read_is_audited() {
    let app = TestApp::spawn().await;
    let seen = app.all_nodes("court.trainee", PAGE, "cases", json!({}), 100).await;
    assert_eq!(seen.len(), 2, "the demo enrols the trainee on two cases");
    for c in &seen {
        let name = c["party"]["name"].as_str().expect("name");
        assert!(name.contains('某'), "masked name, got {name}");
        assert!(c["party"]["idNumber"].is_null() && c["party"]["phone"].is_null() && c["party"]["address"].is_null());
        let admin_view =
            app.data("admin", "query($id: ID!) { case(id: $id) { party { name } } }", json!({"id": c["id"]})).await;
        let real = admin_view["case"]["party"]["name"].as_str().expect("real name");
        assert_ne!(real, name);
        assert!(!c["title"].as_str().expect("title").contains(real), "the title must not carry the real name");
    }
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("read:case"))
        .count(&app.db)
        .await
        .expect("count");
    assert!(audited >= 2, "each case the trainee read is audited, found {audited}");

    // Searching by a real party name finds nothing for a trainee.
    let admin_view =
        app.data("admin", "query($id: ID!) { case(id: $id) { party { name } } }", json!({"id": seen[0]["id"]})).await;
    let real = admin_view["case"]["party"]["name"].as_str().expect("real name");
    assert_eq!(total(&app, "court.trainee", json!({"search": real})).await, 0);
}

#[actix_rt::test]
async fn relations_resolve_records_transfers_and_officers() {
    let app = TestApp::spawn().await;
    let q = r#"{ cases(first: 100, filter: {procedure: GENERAL}) { edges { node {
        officers { name department { code } }
        records(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { seq hash previousHash } } }
        transfers { status category fromDepartment { code } }
        matter { code empoweredToTowns } } } } }"#;
    let data = app.data("admin", q, json!({})).await;
    let edges = data["cases"]["edges"].as_array().expect("edges");
    assert!(!edges.is_empty());
    for e in edges {
        let n = &e["node"];
        assert!(n["officers"].as_array().expect("officers").len() >= 2, "general cases have two officers: {n}");
        let records = &n["records"];
        let total = records["totalCount"].as_i64().expect("totalCount");
        let page = records["edges"].as_array().expect("record edges");
        assert_eq!(page.len() as i64, total.min(2));
        assert_eq!(records["pageInfo"]["hasNextPage"], total > 2);
        if let Some(first) = page.first() {
            assert_eq!(first["node"]["seq"], 1);
            assert!(first["node"]["previousHash"].is_null());
        }
    }
    assert!(edges.iter().any(|e| { !e["node"]["transfers"].as_array().expect("transfers").is_empty() }));
}

#[actix_rt::test]
async fn paging_keeps_rows_that_share_a_timestamp() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
    let app = TestApp::spawn().await;
    // Five cases filed in the same nanosecond-precise instant: only the id orders them.
    let same = chrono::DateTime::from_timestamp(1_690_000_000, 123_456_789).expect("instant");
    let ids: Vec<uuid::Uuid> = entity::case::Entity::find()
        .order_by_asc(entity::case::Column::Id)
        .limit(5)
        .all(&app.db)
        .await
        .expect("cases")
        .into_iter()
        .map(|c| c.id)
        .collect();
    entity::case::Entity::update_many()
        .col_expr(entity::case::Column::FiledAt, Expr::value(same))
        .filter(entity::case::Column::Id.is_in(ids.clone()))
        .exec(&app.db)
        .await
        .expect("update");
    let filter = json!({"filedFrom": "2023-07-22T00:00:00Z", "filedTo": "2023-07-22T23:59:59Z"});
    let paged = app.all_nodes("admin", PAGE, "cases", json!({"filter": filter}), 1).await;
    let got: HashSet<String> = ids_of(&paged);
    let want: HashSet<String> =
        ids.iter().map(|k| casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Case, *k).0).collect();
    assert!(
        want.is_subset(&got),
        "one at a time, every tied case comes back: {} of {}",
        want.intersection(&got).count(),
        want.len()
    );
}

fn ids_of(nodes: &[Value]) -> HashSet<String> {
    nodes.iter().map(|n| n["id"].as_str().expect("id").to_string()).collect()
}
