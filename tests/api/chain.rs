//! `verifyRecordChain` catches every edit (issue 12, finding 8): a changed attachment,
//! submission time or author, and a deleted last record, are each found; untouched chains,
//! the demo's and freshly submitted ones, verify intact. Rows are edited behind the API's
//! back, through the test's own connection.

use chrono::{Duration, SecondsFormat, Utc};
use entity::{case, case_event, record, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

const SUBMIT: &str = r#"mutation($input: SubmitRecordInput!) { submitRecord(input: $input) { id seq hash } }"#;
const VERIFY: &str = r#"query($id: ID!) { verifyRecordChain(caseId: $id) { intact length firstBrokenRecordId } }"#;

fn case_gid(id: Uuid) -> String {
    casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Case, id).0
}

fn record_gid(id: Uuid) -> String {
    casebridge::graphql::ids::encode(casebridge::graphql::ids::Kind::Record, id).0
}

async fn verify(app: &TestApp, case_id: Uuid) -> Value {
    app.data("admin", VERIFY, json!({ "id": case_gid(case_id) })).await["verifyRecordChain"].clone()
}

/// A case of the bureau officer with three fresh records appended (the last with an
/// attachment): the case and its records in chain order.
async fn a_chain(app: &TestApp) -> (Uuid, Vec<record::Model>) {
    let q = "{ cases(first: 1) { edges { node { id } } } }";
    let gid = app.data("bureau.officer", q, json!({})).await["cases"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a case")
        .to_string();
    let case_id = casebridge::graphql::ids::decode(&gid, casebridge::graphql::ids::Kind::Case, "id").expect("case id");
    let recorded_at = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Micros, true);
    for i in 0..3 {
        let mut input = json!({
            "idempotencyKey": format!("tamper-{i}"), "caseId": gid, "kind": "NOTE",
            "content": format!("第{i}次检查"), "recordedAt": recorded_at,
        });
        if i == 2 {
            input["kind"] = json!("PHOTO");
            input["attachment"] = json!({ "sha256": "cd".repeat(32), "mediaType": "image/jpeg",
                "sizeBytes": 2048, "uri": "https://evidence.dongtou.example/t/1.jpg" });
        }
        app.data("bureau.officer", SUBMIT, json!({ "input": input })).await;
    }
    let records = record::Entity::find()
        .filter(record::Column::CaseId.eq(case_id))
        .order_by_asc(record::Column::Seq)
        .all(&app.db)
        .await
        .expect("records");
    assert!(records.len() >= 3);
    let check = verify(app, case_id).await;
    assert_eq!(check, json!({ "intact": true, "length": records.len(), "firstBrokenRecordId": null }));
    (case_id, records)
}

/// Applies `edit` to one record row and asserts the chain now breaks exactly there.
async fn tampered_breaks_at(app: &TestApp, case_id: Uuid, victim: &record::Model, edit: (record::Column, Expr)) {
    let (column, value) = edit;
    let updated = record::Entity::update_many()
        .col_expr(column, value)
        .filter(record::Column::Id.eq(victim.id))
        .exec(&app.db)
        .await
        .expect("tamper");
    assert_eq!(updated.rows_affected, 1);
    let count = record::Entity::find().filter(record::Column::CaseId.eq(case_id)).count(&app.db).await.expect("n");
    let check = verify(app, case_id).await;
    assert_eq!(check, json!({ "intact": false, "length": count, "firstBrokenRecordId": record_gid(victim.id) }));
}

#[actix_rt::test]
async fn untouched_chains_verify_intact_and_the_demo_keeps_count() {
    let app = TestApp::spawn().await;
    let cases = case::Entity::find().order_by_asc(case::Column::Id).all(&app.db).await.expect("cases");
    let mut with_records = 0;
    for c in &cases {
        let n = record::Entity::find().filter(record::Column::CaseId.eq(c.id)).count(&app.db).await.expect("n");
        with_records += usize::from(n > 0);
        let check = verify(&app, c.id).await;
        assert_eq!(check, json!({ "intact": true, "length": n, "firstBrokenRecordId": null }), "{}", c.case_no);
    }
    assert!(with_records > 10, "the demo writes chains: {with_records} of {}", cases.len());
    // Every demo record is sealed with the current encoding.
    let old = record::Entity::find().filter(record::Column::HashVersion.ne(2)).count(&app.db).await.expect("n");
    assert_eq!(old, 0);
    // And a chain grown through the API still verifies.
    a_chain(&app).await;
}

#[actix_rt::test]
async fn deleting_the_last_record_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let last = records.last().expect("last");
    // Its RECORD_SUBMITTED event refers to it: a tamperer removes that first.
    case_event::Entity::delete_many()
        .filter(case_event::Column::RecordId.eq(last.id))
        .exec(&app.db)
        .await
        .expect("delete event");
    let deleted = record::Entity::delete_by_id(last.id).exec(&app.db).await.expect("delete");
    assert_eq!(deleted.rows_affected, 1);
    let check = verify(&app, case_id).await;
    // What is left links up, but it is shorter than the case's count; no record to name.
    assert_eq!(check, json!({ "intact": false, "length": records.len() - 1, "firstBrokenRecordId": null }));
}

#[actix_rt::test]
async fn changing_an_attachment_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let photo = records.last().expect("photo");
    assert!(photo.attachment_uri.is_some());
    let edit = (record::Column::AttachmentUri, Expr::value("https://evidence.dongtou.example/t/other.jpg"));
    tampered_breaks_at(&app, case_id, photo, edit).await;
}

#[actix_rt::test]
async fn changing_an_attachments_size_or_type_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let photo = records.last().expect("photo");
    tampered_breaks_at(&app, case_id, photo, (record::Column::AttachmentSizeBytes, Expr::value(1i64))).await;
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let photo = records.last().expect("photo");
    tampered_breaks_at(&app, case_id, photo, (record::Column::AttachmentMediaType, Expr::value("image/png"))).await;
}

#[actix_rt::test]
async fn changing_submitted_at_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let victim = &records[records.len() - 2];
    let moved = victim.submitted_at + Duration::seconds(1);
    tampered_breaks_at(&app, case_id, victim, (record::Column::SubmittedAt, Expr::value(moved))).await;
}

#[actix_rt::test]
async fn changing_the_author_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    let victim = &records[records.len() - 3];
    let other = user::Entity::find()
        .filter(user::Column::Id.ne(victim.submitted_by))
        .one(&app.db)
        .await
        .expect("users")
        .expect("another user");
    tampered_breaks_at(&app, case_id, victim, (record::Column::SubmittedBy, Expr::value(other.id))).await;
}

#[actix_rt::test]
async fn a_record_appended_behind_the_api_is_named() {
    let app = TestApp::spawn().await;
    let (case_id, records) = a_chain(&app).await;
    // A well-formed, correctly sealed record appended without the case's count.
    let last = records.last().expect("last");
    let mut forged = record::Model {
        id: Uuid::now_v7(),
        seq: last.seq + 1,
        idempotency_key: "forged".into(),
        previous_hash: Some(last.hash.clone()),
        attachment_sha256: None,
        attachment_media_type: None,
        attachment_size_bytes: None,
        attachment_uri: None,
        attachment_personal: None,
        ..last.clone()
    };
    casebridge::records::chain::seal(&mut forged);
    record::Entity::insert(sea_orm::IntoActiveModel::into_active_model(forged.clone()))
        .exec_without_returning(&app.db)
        .await
        .expect("insert");
    let check = verify(&app, case_id).await;
    assert_eq!(
        check,
        json!({ "intact": false, "length": records.len() + 1, "firstBrokenRecordId": record_gid(forged.id) })
    );
}
