//! Issue 15, the read path: `cases` and `case` read only what the selection needs (the party
//! joined, `facts` only when selected) and `records(first:)` reads a page per case; what a
//! client sees must be the same whichever columns were read.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::TestApp;

const DETAIL: &str = r#"query($id: ID!) { case(id: $id) { id caseNo title facts party { name kind } } }"#;

/// Every case `login` sees, selecting `node` under `edges`.
async fn list(app: &TestApp, login: &str, node: &str, fragments: &str) -> Vec<Value> {
    let q = format!(
        "query($first: Int, $after: String) {{ cases(first: $first, after: $after) {{
           pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {node} }} }} }} }} {fragments}"
    );
    app.all_nodes(login, &q, "cases", json!({}), 40).await
}

#[actix_rt::test]
async fn a_list_selecting_party_and_facts_returns_both_as_the_detail_does() {
    let app = TestApp::spawn().await;
    let nodes = list(&app, "bureau.officer", "id title facts party { name kind }", "").await;
    assert!(nodes.len() > 20, "the officer sees cases: {}", nodes.len());
    for n in nodes.iter().take(25) {
        let detail = app.data("bureau.officer", DETAIL, json!({"id": n["id"]})).await;
        let c = &detail["case"];
        assert_eq!(n["facts"], c["facts"], "facts of {}", n["id"]);
        assert!(!n["facts"].as_str().unwrap_or_default().is_empty(), "the demo's cases have facts: {n}");
        assert_eq!(n["party"], c["party"], "party of {}", n["id"]);
        assert_eq!(n["title"], c["title"]);
    }
}

#[actix_rt::test]
async fn facts_and_party_selected_through_fragments_are_read() {
    let app = TestApp::spawn().await;
    let frag = "fragment F on Case { facts } fragment P on Case { party { name } }";
    let nodes = list(&app, "bureau.officer", "id ...F ... on Case { ...P }", frag).await;
    let plain = list(&app, "bureau.officer", "id facts party { name }", "").await;
    assert_eq!(nodes, plain, "a fragment selects what the plain field does");
    assert!(nodes.iter().all(|n| !n["facts"].as_str().unwrap_or_default().is_empty()), "facts read");
    // Without `facts` or `party` selected, the same cases in the same order.
    let bare = list(&app, "bureau.officer", "id", "").await;
    let ids = |v: &[Value]| v.iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&bare), ids(&plain));
}

#[actix_rt::test]
async fn a_trainee_reads_masked_titles_in_the_list_without_selecting_the_party() {
    let app = TestApp::spawn().await;
    let admin = list(&app, "admin", "id title party { name }", "").await;
    let by_id: HashMap<String, &Value> = admin.iter().map(|n| (n["id"].as_str().expect("id").to_string(), n)).collect();
    let enroll = r#"mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }"#;
    let users = app.data("admin", r#"{ users(first: 100) { edges { node { id login } } } }"#, json!({})).await;
    let trainee = users["users"]["edges"]
        .as_array()
        .expect("users")
        .iter()
        .find(|e| e["node"]["login"] == "court.trainee")
        .map(|e| e["node"]["id"].clone())
        .expect("court.trainee");
    // A case whose title names its party.
    let named = admin
        .iter()
        .find(|n| {
            let name = n["party"]["name"].as_str().unwrap_or_default();
            name.chars().count() >= 2 && n["title"].as_str().unwrap_or_default().contains(name)
        })
        .expect("a title naming its party");
    app.data("admin", enroll, json!({"c": named["id"], "t": trainee})).await;
    for node in ["id title", "id title party { name }"] {
        let seen = list(&app, "court.trainee", node, "").await;
        let mine = seen.iter().find(|n| n["id"] == named["id"]).expect("the followed case");
        let name = by_id[named["id"].as_str().expect("id")]["party"]["name"].as_str().expect("name");
        assert!(!mine["title"].as_str().expect("title").contains(name), "{node}: masked title {mine}");
    }
}

const PAGE: &str = r#"query($id: ID!, $first: Int, $after: String) { case(id: $id) {
  records(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id seq content } } } } }"#;

/// The records of `case`, paging `size` at a time.
async fn paged(app: &TestApp, case: &Value, size: i64) -> Vec<i64> {
    let (mut out, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.data("admin", PAGE, json!({"id": case, "first": size, "after": after})).await;
        let conn = &data["case"]["records"];
        let edges = conn["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= size);
        out.extend(edges.iter().map(|e| e["node"]["seq"].as_i64().expect("seq")));
        if !conn["pageInfo"]["hasNextPage"].as_bool().expect("hasNextPage") {
            assert_eq!(out.len() as i64, conn["totalCount"].as_i64().expect("totalCount"));
            return out;
        }
        assert_eq!(edges.len() as i64, size, "a page before the last is full");
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

#[actix_rt::test]
async fn record_pages_are_right_at_their_boundaries_and_with_corrections() {
    let app = TestApp::spawn().await;
    let q = r#"{ cases(first: 1) { edges { node { id } } } }"#;
    let case = app.data("bureau.officer", q, json!({})).await["cases"]["edges"][0]["node"]["id"].clone();
    let submit = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id seq } }"#;
    let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let mut first_id = Value::Null;
    for i in 0..5 {
        let mut input = json!({"idempotencyKey": format!("reads-{i}"), "caseId": case, "kind": "NOTE",
            "content": format!("记录 {i}"), "recordedAt": at});
        if i == 4 {
            input["correctsRecordId"] = first_id.clone();
        }
        let r = app.data("bureau.officer", submit, json!({"input": input})).await;
        if i == 0 {
            first_id = r["submitRecord"]["id"].clone();
        }
    }
    let all = paged(&app, &case, 100).await;
    assert!(all.len() >= 5, "{all:?}");
    assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>(), "every record once, in seq order");
    for size in [1, 2, 3, all.len() as i64 - 1, all.len() as i64] {
        assert_eq!(paged(&app, &case, size).await, all, "pages of {size}");
    }
}

#[actix_rt::test]
async fn a_batch_of_record_pages_matches_each_case_read_alone() {
    let app = TestApp::spawn().await;
    let q = r#"{ cases(first: 30) { edges { node { id
      records(first: 2) { pageInfo { hasNextPage } edges { node { id seq } } } } } } }"#;
    let data = app.data("admin", q, json!({})).await;
    let edges = data["cases"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 30);
    let mut with_more = 0;
    for e in edges {
        let alone = app.data("admin", PAGE, json!({"id": e["node"]["id"], "first": 2})).await;
        let mine = &e["node"]["records"];
        let theirs = &alone["case"]["records"];
        assert_eq!(
            mine["edges"],
            theirs["edges"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| json!({"node": {"id": x["node"]["id"], "seq": x["node"]["seq"]}}))
                        .collect::<Vec<_>>()
                })
                .map(Value::from)
                .expect("edges")
        );
        assert_eq!(mine["pageInfo"]["hasNextPage"], theirs["pageInfo"]["hasNextPage"]);
        with_more += usize::from(mine["pageInfo"]["hasNextPage"] == true);
    }
    assert!(with_more > 0, "some case has more than a page of records");
}

#[actix_rt::test]
async fn total_count_is_the_number_of_visible_cases_including_those_transferred_in() {
    let app = TestApp::spawn().await;
    // Own department only; department and town; the cases its transfers became; enrolments; all.
    for login in ["bureau.officer", "town.beiao", "nr.liaison", "court.trainee", "admin"] {
        for filter in [json!({}), json!({"overdue": false})] {
            let q =
                "query($f: CaseFilter, $first: Int, $after: String) { cases(first: $first, after: $after, filter: $f) {
                 totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }";
            let nodes = app.all_nodes(login, q, "cases", json!({"f": filter}), 100).await;
            let data = app.data(login, q, json!({"f": filter, "first": 1})).await;
            let total = data["cases"]["totalCount"].as_i64().expect("totalCount");
            assert_eq!(total, nodes.len() as i64, "{login} {filter}");
            assert!(total > 0, "{login} sees cases");
        }
    }
}
