//! The whole procedure of the second wave (rules.md R2+, R3+, R6+, R12–R15, CANCEL,
//! corrections), each rule broken on purpose, through the HTTP API.

use chrono::{Duration, NaiveDate, Utc};
use entity::{case, certificate, matter, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::lifecycle::{FILE, certified_bureau_officers, file, filing, matter_for};
use crate::support::{TestApp, code, field, shanghai_today};

const CASE_FIELDS: &str = "id caseNo status version major fineAmount noticeFineAmount penalties confiscationAmount \
     statementDue hearingRequestDue decisionDue deliveryDue paymentDue overdue paidAmount lateSurcharge \
     payments { amount paidOn receiptNo } timeline { kind detail }";

fn move_query() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $action: CaseAction!, $input: TransitionInput) {{ \
         transitionCase(id: $id, expectedVersion: $v, action: $action, input: $input) {{ {CASE_FIELDS} }} }}"
    )
}

fn pay_query() -> String {
    format!(
        "mutation($id: ID!, $input: PaymentInput!) {{ recordPayment(caseId: $id, input: $input) {{ {CASE_FIELDS} }} }}"
    )
}

const OFFICER: &str = "bureau.officer";

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn act(app: &TestApp, case: &Value, action: &str, input: Value) -> Value {
    app.gql(
        Some(OFFICER),
        &move_query(),
        json!({"id": case["id"], "v": case["version"], "action": action, "input": input}),
    )
    .await
}

async fn ok(app: &TestApp, case: &Value, action: &str, input: Value) -> Value {
    let body = act(app, case, action, input).await;
    assert!(body.get("errors").is_none(), "{action} failed: {body}");
    body["data"]["transitionCase"].clone()
}

fn bad(body: &Value, expected_field: &str) {
    assert_eq!((code(body), field(body)), ("BAD_USER_INPUT", expected_field), "{body}");
}

/// A general case of the bureau under investigation with two certified officers; `filed_days_ago`
/// backdates the filing (R14) and the investigation a day later.
async fn investigating(app: &TestApp, filed_days_ago: Option<i64>) -> Value {
    let matter = matter_for(app, OFFICER, json!({"domain": "市容"})).await;
    let officers = certified_bureau_officers(app).await;
    let mut extra = json!({"officerIds": officers[..2], "occurredAt": days_ago(40)});
    if let Some(d) = filed_days_ago {
        extra["effectiveAt"] = json!(days_ago(d));
    }
    let filed = file(app, OFFICER, filing(&matter, extra)).await;
    let input = match filed_days_ago {
        Some(d) => json!({"effectiveAt": days_ago(d - 1)}),
        None => json!({}),
    };
    ok(app, &filed, "INVESTIGATE", input).await
}

/// A case decided with `fine` (no hearing level) and its statement recorded, delivered now.
async fn delivered(app: &TestApp, fine: &str) -> Value {
    let case = investigating(app, None).await;
    let case = ok(app, &case, "SERVE_NOTICE", json!({"fineAmount": fine})).await;
    let case = ok(app, &case, "RECORD_STATEMENT", json!({"note": "当事人放弃陈述申辩"})).await;
    let case = ok(app, &case, "DECIDE", json!({})).await;
    ok(app, &case, "DELIVER", json!({})).await
}

async fn case_uuid(app: &TestApp, case: &Value) -> uuid::Uuid {
    let no = case["caseNo"].as_str().expect("caseNo");
    case::Entity::find().filter(case::Column::CaseNo.eq(no)).one(&app.db).await.expect("query").expect("case").id
}

async fn user_uuid(app: &TestApp, graphql_id: &str) -> uuid::Uuid {
    let q = "query($id: ID!) { node(id: $id) { ... on User { login } } }";
    let data = app.data("admin", q, json!({"id": graphql_id})).await;
    let login = data["node"]["login"].as_str().expect("login").to_string();
    user::Entity::find().filter(user::Column::Login.eq(login)).one(&app.db).await.expect("query").expect("user").id
}

async fn read(app: &TestApp, case: &Value) -> Value {
    let q = format!("query($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}");
    app.data(OFFICER, &q, json!({"id": case["id"]})).await["case"].clone()
}

/// Sets the delivery (and T4 from it) of a case directly, as if it had happened long ago.
async fn delivered_on(app: &TestApp, case: &Value, on: NaiveDate) {
    let id = case_uuid(app, case).await;
    let at = casebridge::calendar::start_of_day(on) + Duration::hours(10);
    case::Entity::update_many()
        .col_expr(case::Column::DeliveredAt, Expr::value(at))
        .col_expr(case::Column::DecidedAt, Expr::value(at - Duration::days(3)))
        .col_expr(case::Column::PaymentDue, Expr::value(on + Duration::days(15)))
        .filter(case::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("backdate delivery");
}

#[actix_rt::test]
async fn r14_effective_at_lies_between_the_previous_step_and_now_at_most_30_days_back() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, Some(10)).await;
    // Timers count from the effective date: T1 from the backdated filing.
    let filed = shanghai_today() - Duration::days(10);
    assert_eq!(case["decisionDue"], day(filed + Duration::days(90)));
    // The event keeps both times: its own (now) and when the action happened.
    let detail: Value =
        serde_json::from_str(case["timeline"][1]["detail"].as_str().expect("detail")).expect("json detail");
    assert!(detail["effectiveAt"].is_string(), "{detail}");

    bad(
        &act(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "100", "effectiveAt": days_ago(-1)})).await,
        "effectiveAt",
    );
    // Before the investigation (9 days ago).
    bad(
        &act(
            &app,
            &case,
            "SERVE_NOTICE",
            json!({"fineAmount": "100", "effectiveAt": (Utc::now() - Duration::hours(9 * 24 + 12)).to_rfc3339()}),
        )
        .await,
        "effectiveAt",
    );
    let matter = matter_for(&app, OFFICER, json!({"domain": "市容"})).await;
    let body =
        app.gql(Some(OFFICER), FILE, json!({"input": filing(&matter, json!({"effectiveAt": days_ago(31)}))})).await;
    bad(&body, "effectiveAt");
    // Within a minute of now is fine; so is a time between the last step and now.
    let served = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "100", "effectiveAt": days_ago(8)})).await;
    assert_eq!(served["status"], "NOTICE_SERVED");
    let stated = ok(
        &app,
        &served,
        "RECORD_STATEMENT",
        json!({"note": "陈述", "effectiveAt": (Utc::now() + Duration::seconds(30)).to_rfc3339()}),
    )
    .await;
    assert_eq!(stated["status"], "NOTICE_SERVED");
}

#[actix_rt::test]
async fn r13_a_notice_and_a_decision_name_their_penalties() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, None).await;
    bad(&act(&app, &case, "SERVE_NOTICE", json!({"penalties": ["FINE"]})).await, "fineAmount");
    bad(&act(&app, &case, "SERVE_NOTICE", json!({"penalties": ["WARNING"], "fineAmount": "100"})).await, "penalties");
    bad(
        &act(&app, &case, "SERVE_NOTICE", json!({"penalties": ["WARNING"], "confiscationAmount": "100"})).await,
        "confiscationAmount",
    );
    // Default: FINE with a fine.
    let served = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "500"})).await;
    assert_eq!(served["penalties"], json!(["FINE"]));
    assert!(served["hearingRequestDue"].is_null(), "not hearing-level");
    // A heavy kind makes it hearing-level (APL 63), and so does a large confiscation.
    let heavy =
        ok(&app, &served, "SERVE_NOTICE", json!({"fineAmount": "500", "penalties": ["FINE", "SUSPEND_BUSINESS"]}))
            .await;
    assert!(heavy["hearingRequestDue"].is_string() && heavy["major"] == true, "{heavy}");
    let other = investigating(&app, None).await;
    let conf =
        ok(&app, &other, "SERVE_NOTICE", json!({"penalties": ["CONFISCATE_GAINS"], "confiscationAmount": "10000"}))
            .await;
    assert!(conf["hearingRequestDue"].is_string(), "{conf}");
    assert_eq!(conf["confiscationAmount"], "10000.00");

    // R5 on kinds: the decision names nothing the notice did not.
    let small = investigating(&app, None).await;
    let small = ok(&app, &small, "SERVE_NOTICE", json!({"fineAmount": "300", "penalties": ["WARNING", "FINE"]})).await;
    let small = ok(&app, &small, "RECORD_STATEMENT", json!({"note": "无异议"})).await;
    bad(
        &act(&app, &small, "DECIDE", json!({"penalties": ["FINE", "CONFISCATE_GAINS"], "confiscationAmount": "1"}))
            .await,
        "penalties",
    );
    let decided = ok(&app, &small, "DECIDE", json!({"fineAmount": "200", "penalties": ["FINE"]})).await;
    assert_eq!((decided["penalties"].clone(), decided["fineAmount"].clone()), (json!(["FINE"]), json!("200.00")));

    // A simple case is a WARNING or a FINE.
    let matter = matter_for(&app, OFFICER, json!({"domain": "市容"})).await;
    let warned = file(&app, OFFICER, filing(&matter, json!({"procedure": "SIMPLE"}))).await;
    let q = "query($id: ID!) { case(id: $id) { penalties } }";
    assert_eq!(app.data(OFFICER, q, json!({"id": warned["id"]})).await["case"]["penalties"], json!(["WARNING"]));
}

#[actix_rt::test]
async fn r12_a_fine_outside_the_matters_range_is_refused() {
    let app = TestApp::spawn().await;
    let code_ = matter_for(&app, OFFICER, json!({"domain": "市容"})).await;
    matter::Entity::update_many()
        .col_expr(matter::Column::FinePersonMinFen, Expr::value(Some(5_000i64)))
        .col_expr(matter::Column::FinePersonMaxFen, Expr::value(Some(50_000i64)))
        .col_expr(matter::Column::FineOrgMinFen, Expr::value(Option::<i64>::None))
        .col_expr(matter::Column::FineOrgMaxFen, Expr::value(Option::<i64>::None))
        .filter(matter::Column::Code.eq(code_.as_str()))
        .exec(&app.db)
        .await
        .expect("set range");
    let case = investigating(&app, None).await;
    bad(&act(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "500.01"})).await, "fineAmount");
    bad(&act(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "49.99"})).await, "fineAmount");
    let served = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "500"})).await;
    let served = ok(&app, &served, "RECORD_STATEMENT", json!({"note": "无异议"})).await;
    bad(&act(&app, &served, "DECIDE", json!({"fineAmount": "20"})).await, "fineAmount");
    ok(&app, &served, "DECIDE", json!({"fineAmount": "50"})).await;
    // At filing of a simple case; an organisation has no range here.
    let simple =
        |fine: &str, party: Value| filing(&code_, json!({"procedure": "SIMPLE", "fineAmount": fine, "party": party}));
    let person = json!({"kind": "PERSON", "name": "李四"});
    let body = app.gql(Some(OFFICER), FILE, json!({"input": simple("10", person.clone())})).await;
    bad(&body, "fineAmount");
    file(&app, OFFICER, simple("100", person)).await;
    file(&app, OFFICER, simple("10", json!({"kind": "ORGANIZATION", "name": "洞头小陈海鲜餐饮店"}))).await;
}

#[actix_rt::test]
async fn r2_plus_a_certificate_that_expires_before_the_decision_stops_it() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, Some(12)).await;
    let case = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "100", "effectiveAt": days_ago(10)})).await;
    let case = ok(&app, &case, "RECORD_STATEMENT", json!({"note": "无异议", "effectiveAt": days_ago(9)})).await;
    // The second officer's certificates end five days ago.
    let officers = certified_bureau_officers(&app).await;
    let second = user_uuid(&app, &officers[1]).await;
    certificate::Entity::update_many()
        .col_expr(certificate::Column::ValidUntil, Expr::value(shanghai_today() - Duration::days(5)))
        .filter(certificate::Column::UserId.eq(second))
        .exec(&app.db)
        .await
        .expect("expire");
    bad(&act(&app, &case, "DECIDE", json!({})).await, "officerIds");
    // Replacing the officers of an investigated case with one uncertified today is refused too.
    let update = "mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version } }";
    let body = app
        .gql(
            Some(OFFICER),
            update,
            json!({"id": case["id"], "v": case["version"], "input": {"officerIds": [officers[0], officers[1]]}}),
        )
        .await;
    bad(&body, "officerIds");
    // On a day the certificate was still valid, the decision stands.
    let decided = ok(&app, &case, "DECIDE", json!({"effectiveAt": days_ago(7)})).await;
    assert_eq!(decided["status"], "DECIDED");
}

#[actix_rt::test]
async fn r3_plus_no_decision_inside_the_statement_window_unless_the_statement_was_recorded() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, None).await;
    let served = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "100"})).await;
    let due: NaiveDate = served["statementDue"].as_str().expect("statementDue").parse().expect("date");
    assert!(due >= shanghai_today() + Duration::days(5), "5 working days: {due}");
    bad(&act(&app, &served, "DECIDE", json!({})).await, "statement");
    bad(&act(&app, &served, "RECORD_STATEMENT", json!({})).await, "note");
    let stated = ok(&app, &served, "RECORD_STATEMENT", json!({"note": "当事人陈述:已整改"})).await;
    assert_eq!(stated["status"], "NOTICE_SERVED", "RECORD_STATEMENT keeps the status");
    ok(&app, &stated, "DECIDE", json!({})).await;
    // A window that has passed (notice 20 days ago) needs nothing recorded.
    let old = investigating(&app, Some(25)).await;
    let old = ok(&app, &old, "SERVE_NOTICE", json!({"fineAmount": "100", "effectiveAt": days_ago(20)})).await;
    ok(&app, &old, "DECIDE", json!({})).await;
}

#[actix_rt::test]
async fn r15_payments_complete_t4_once_and_the_same_receipt_is_idempotent() {
    let app = TestApp::spawn().await;
    let case = delivered(&app, "1000").await;
    assert!(case["paymentDue"].is_string());
    // Money before delivery is fine too, but not before the decision.
    let early = investigating(&app, None).await;
    let body = app
        .gql(
            Some(OFFICER),
            &pay_query(),
            json!({"id": early["id"], "input": {"amount": "1", "paidOn": day(shanghai_today()), "receiptNo": "X"}}),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let pay = |amount: &str, receipt: &str| json!({"id": case["id"], "input": {"amount": amount, "paidOn": day(shanghai_today()), "receiptNo": receipt}});
    bad(&app.gql(Some(OFFICER), &pay_query(), pay("0", "R0")).await, "amount");
    bad(&app.gql(Some(OFFICER), &pay_query(), pay("1000.01", "R0")).await, "amount");
    let first = app.data(OFFICER, &pay_query(), pay("400", "R1")).await["recordPayment"].clone();
    assert_eq!((first["paidAmount"].clone(), first["lateSurcharge"].clone()), (json!("400.00"), json!("0.00")));
    // The same receipt again: the first result, nothing added; another amount: CONFLICT.
    let again = app.data(OFFICER, &pay_query(), pay("400", "R1")).await["recordPayment"].clone();
    assert_eq!((again["paidAmount"].clone(), again["version"].clone()), (json!("400.00"), first["version"].clone()));
    assert_eq!(code(&app.gql(Some(OFFICER), &pay_query(), pay("500", "R1")).await), "CONFLICT");
    bad(&app.gql(Some(OFFICER), &pay_query(), pay("600.01", "R2")).await, "amount");
    // Not closed before the money is paid.
    bad(&act(&app, &first, "CLOSE", json!({})).await, "paidAmount");
    let paid = app.data(OFFICER, &pay_query(), pay("600", "R2")).await["recordPayment"].clone();
    assert_eq!(paid["paidAmount"], "1000.00");
    assert_eq!(paid["payments"].as_array().map(Vec::len), Some(2));
    assert_eq!(paid["overdue"], false);
    let closed = ok(&app, &paid, "CLOSE", json!({})).await;
    assert_eq!(closed["status"], "CLOSED");
    // Another department's officer may not record payments (the town team cannot see it).
    let body = app.gql(Some("town.beiao"), &pay_query(), pay("1", "R3")).await;
    assert!(body.get("errors").is_some(), "{body}");
}

#[actix_rt::test]
async fn r15_a_late_fine_grows_by_three_percent_a_day_to_the_fen_capped_at_the_fine() {
    let app = TestApp::spawn().await;
    let case = delivered(&app, "333.33").await;
    // Delivered 40 days ago: T4 passed 25 days ago, 25 × 3% = 75%: 249.9975 → 249.99.
    delivered_on(&app, &case, shanghai_today() - Duration::days(40)).await;
    assert_eq!(read(&app, &case).await["lateSurcharge"], "249.99");
    // Delivered 60 days ago: T4 passed 45 days ago, 135%: capped at the fine.
    delivered_on(&app, &case, shanghai_today() - Duration::days(60)).await;
    assert_eq!(read(&app, &case).await["lateSurcharge"], "333.33");
    // Delivered 17 days ago: T4 passed 2 days ago; 2 × 3% of 33333 fen = 1999.98 fen → 19.99.
    delivered_on(&app, &case, shanghai_today() - Duration::days(17)).await;
    let late = read(&app, &case).await;
    assert_eq!(late["lateSurcharge"], "19.99");
    // ¥100 paid yesterday: yesterday on the whole fine, today on 233.33: 999.99 + 699.99 fen.
    let yesterday = day(shanghai_today() - Duration::days(1));
    let input = json!({"id": case["id"], "input": {"amount": "100", "paidOn": yesterday, "receiptNo": "L1"}});
    let part = app.data(OFFICER, &pay_query(), input).await["recordPayment"].clone();
    assert_eq!((part["lateSurcharge"].clone(), part["paidAmount"].clone()), (json!("16.99"), json!("100.00")));
    // Outstanding: 333.33 + 16.99 − 100 = 250.32.
    let rest = |amount: &str| json!({"id": case["id"], "input": {"amount": amount, "paidOn": day(shanghai_today()), "receiptNo": "L2"}});
    bad(&app.gql(Some(OFFICER), &pay_query(), rest("250.33")).await, "amount");
    let paid = app.data(OFFICER, &pay_query(), rest("250.32")).await["recordPayment"].clone();
    // Paid in full: the surcharge stays as it was on the day the fine was paid.
    assert_eq!((paid["paidAmount"].clone(), paid["lateSurcharge"].clone()), (json!("350.32"), json!("16.99")));
    let id = case_uuid(&app, &case).await;
    let row = case::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("case");
    assert!(row.paid_at.is_some(), "full payment ends T4");
}

#[actix_rt::test]
async fn r15_a_deferral_moves_t4() {
    let app = TestApp::spawn().await;
    let case = delivered(&app, "1000").await;
    let q = "mutation($id: ID!, $input: DeferralInput!) { grantDeferral(caseId: $id, input: $input) { paymentDue overdue } }";
    let until = shanghai_today() + Duration::days(60);
    bad(
        &app.gql(Some(OFFICER), q, json!({"id": case["id"], "input": {"until": day(until), "reason": " "}})).await,
        "reason",
    );
    let past = shanghai_today() - Duration::days(1);
    bad(
        &app.gql(Some(OFFICER), q, json!({"id": case["id"], "input": {"until": day(past), "reason": "经济困难"}}))
            .await,
        "until",
    );
    let input =
        json!({"id": case["id"], "input": {"until": day(until), "instalments": 3, "reason": "经济困难,分期缴纳"}});
    let deferred = app.data(OFFICER, q, input).await["grantDeferral"].clone();
    assert_eq!(deferred["paymentDue"], day(until));
}

#[actix_rt::test]
async fn r15_enforcement_is_requested_between_six_and_nine_months_after_delivery() {
    let app = TestApp::spawn().await;
    let case = delivered(&app, "1000").await;
    bad(&act(&app, &case, "REQUEST_ENFORCEMENT", json!({})).await, "enforcement");
    let today = shanghai_today();
    delivered_on(&app, &case, today - Duration::days(150)).await;
    let case = read(&app, &case).await;
    bad(&act(&app, &case, "REQUEST_ENFORCEMENT", json!({})).await, "enforcement");
    delivered_on(&app, &case, today - Duration::days(290)).await;
    bad(&act(&app, &case, "REQUEST_ENFORCEMENT", json!({})).await, "enforcement");
    delivered_on(&app, &case, today - Duration::days(200)).await;
    let requested = ok(&app, &case, "REQUEST_ENFORCEMENT", json!({})).await;
    assert_eq!(requested["status"], "DELIVERED");
    // Enforcement requested: the case may close with the money unpaid.
    ok(&app, &requested, "CLOSE", json!({})).await;
}

#[actix_rt::test]
async fn cancel_needs_a_reason_and_stops_every_timer() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, None).await;
    bad(&act(&app, &case, "CANCEL", json!({})).await, "reason");
    let cancelled = ok(&app, &case, "CANCEL", json!({"reason": "不属于本机关管辖"})).await;
    assert_eq!((cancelled["status"].clone(), cancelled["overdue"].clone()), (json!("CANCELLED"), json!(false)));
    assert_eq!(code(&act(&app, &cancelled, "INVESTIGATE", json!({})).await), "CONFLICT");
    let decided = delivered(&app, "100").await;
    assert_eq!(code(&act(&app, &decided, "CANCEL", json!({"reason": "x"})).await), "CONFLICT");
    // A cancelled case counts in no figure: no cancelled case is overdue or decided.
    let id = case_uuid(&app, &cancelled).await;
    let row = case::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("case");
    assert!(row.next_due.is_none() && row.decided_at.is_none() && row.cancel_reason.is_some());
}

#[actix_rt::test]
async fn corrections_before_the_decision_recheck_the_limitation_the_matter_and_the_range() {
    let app = TestApp::spawn().await;
    let case = investigating(&app, None).await;
    let update = "mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { version party { name kind } occurredAt matterCode } }";
    let three_years = (Utc::now() - Duration::days(3 * 366)).to_rfc3339();
    let body = app
        .gql(
            Some(OFFICER),
            update,
            json!({"id": case["id"], "v": case["version"], "input": {"occurredAt": three_years}}),
        )
        .await;
    bad(&body, "occurredAt");
    let body = app
        .gql(Some(OFFICER), update, json!({"id": case["id"], "v": case["version"], "input": {"matterCode": "NO-SUCH"}}))
        .await;
    bad(&body, "matterCode");
    let input = json!({"party": {"kind": "ORGANIZATION", "name": "洞头某某贸易有限公司"}, "occurredAt": days_ago(100)});
    let corrected = app.data(OFFICER, update, json!({"id": case["id"], "v": case["version"], "input": input})).await;
    assert_eq!(corrected["updateCase"]["party"]["kind"], "ORGANIZATION");
    // After the decision nothing is corrected.
    let decided = delivered(&app, "100").await;
    let body = app
        .gql(
            Some(OFFICER),
            update,
            json!({"id": decided["id"], "v": decided["version"], "input": {"occurredAt": days_ago(5)}}),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[actix_rt::test]
async fn a_general_case_goes_from_filing_to_closing_with_every_date_as_it_happened() {
    let app = TestApp::spawn().await;
    let today = shanghai_today();
    let case = investigating(&app, Some(29)).await;
    let case = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "333.33", "effectiveAt": days_ago(27)})).await;
    let notice_day = today - Duration::days(27);
    assert!(case["statementDue"].as_str().expect("statementDue") > day(notice_day).as_str());
    let case =
        ok(&app, &case, "RECORD_STATEMENT", json!({"note": "当事人书面陈述", "effectiveAt": days_ago(24)})).await;
    let case = ok(&app, &case, "DECIDE", json!({"effectiveAt": days_ago(20)})).await;
    assert_eq!(case["deliveryDue"].as_str().map(|d| d > day(today - Duration::days(20)).as_str()), Some(true));
    let case = ok(&app, &case, "DELIVER", json!({"effectiveAt": days_ago(17)})).await;
    // T4 counts from the delivery as it happened: 15 days after it, passed 2 days ago.
    assert_eq!(case["paymentDue"], day(today - Duration::days(2)));
    assert_eq!((case["overdue"].clone(), case["lateSurcharge"].clone()), (json!(true), json!("19.99")));
    let pay = |amount: &str, on: NaiveDate, receipt: &str| json!({"id": case["id"], "input": {"amount": amount, "paidOn": day(on), "receiptNo": receipt}});
    let part =
        app.data(OFFICER, &pay_query(), pay("100", today - Duration::days(1), "S1")).await["recordPayment"].clone();
    assert_eq!(part["lateSurcharge"], "16.99");
    bad(&act(&app, &part, "CLOSE", json!({})).await, "paidAmount");
    let paid = app.data(OFFICER, &pay_query(), pay("250.32", today, "S2")).await["recordPayment"].clone();
    let closed = ok(&app, &paid, "CLOSE", json!({})).await;
    assert_eq!(closed["status"], "CLOSED");
    let kinds: Vec<&str> =
        closed["timeline"].as_array().expect("timeline").iter().map(|e| e["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "UPDATED").count(), 2, "two payments: {kinds:?}");
}

#[actix_rt::test]
async fn a_revoked_decision_leaves_the_fines_total_and_an_altered_one_counts_at_its_new_amount() {
    let app = TestApp::spawn().await;
    let year = shanghai_today().format("%Y").to_string().parse::<i64>().expect("year");
    let stats = "query($year: Int!) { statistics(year: $year) { finesTotal cases { total } byMonth { fines } } }";
    let figures = |v: Value| {
        let fen = |s: &str| -> i64 {
            let (y, f) = s.split_once('.').expect("two decimals");
            y.parse::<i64>().expect("yuan") * 100 + f.parse::<i64>().expect("fen")
        };
        let total = fen(v["statistics"]["finesTotal"].as_str().expect("finesTotal"));
        // The months add up to the year: a revoked fine leaves its month too.
        let months: i64 = v["statistics"]["byMonth"]
            .as_array()
            .expect("byMonth")
            .iter()
            .map(|m| fen(m["fines"].as_str().expect("fines")))
            .sum();
        assert_eq!(months, total, "{v}");
        (total, v["statistics"]["cases"]["total"].clone())
    };
    let before = figures(app.data("dashboard", stats, json!({"year": year})).await);
    let matter = matter_for(&app, OFFICER, json!({"domain": "市容"})).await;
    let simple = || {
        filing(
            &matter,
            json!({"procedure": "SIMPLE", "fineAmount": "200", "party": {"kind": "PERSON", "name": "李四"}}),
        )
    };
    let revoked = file(&app, OFFICER, simple()).await;
    let altered = file(&app, OFFICER, simple()).await;
    let after_filing = figures(app.data("dashboard", stats, json!({"year": year})).await);
    assert_eq!(after_filing.0, before.0 + 40_000);

    let register = r#"mutation($c: ID!, $d: Date!) { registerReconsideration(input: {caseId: $c, kind: RECONSIDERATION,
        applicant: "李四", body: "区人民政府", receivedOn: $d}) { id } }"#;
    let conclude = r#"mutation($id: ID!, $o: ReconsiderationOutcome!, $d: Date!, $f: Decimal) {
        concludeReconsideration(id: $id, outcome: $o, concludedOn: $d, fineAmount: $f) { outcome } }"#;
    let today = day(shanghai_today());
    for (case, outcome, fine) in [(&revoked, "REVOKED", Value::Null), (&altered, "ALTERED", json!("50"))] {
        let id = app.data("bureau.reviewer", register, json!({"c": case["id"], "d": today})).await["registerReconsideration"]
            ["id"]
            .clone();
        let done = app.data("bureau.reviewer", conclude, json!({"id": id, "o": outcome, "d": today, "f": fine})).await;
        assert_eq!(done["concludeReconsideration"]["outcome"], outcome);
    }
    let after = figures(app.data("dashboard", stats, json!({"year": year})).await);
    // The revoked ¥200 leaves; the altered one counts at ¥50. Both decisions still count as cases.
    assert_eq!(after.0, before.0 + 5_000);
    assert_eq!(after.1, after_filing.1);
    let q = "query($id: ID!) { case(id: $id) { fineAmount } }";
    assert_eq!(app.data(OFFICER, q, json!({"id": altered["id"]})).await["case"]["fineAmount"], "50.00");
}

/// rules.md: a cancelled case counts in no figure. A town's filing in a matter it had not yet
/// acted on this year raises its implementation rate; cancelling the filing takes it back.
#[actix_rt::test]
async fn a_cancelled_town_filing_leaves_the_implementation_rate() {
    let app = TestApp::spawn().await;
    let year = chrono::Datelike::year(&shanghai_today());
    let rate = r#"query($y: Int!) { statistics(year: $y, town: "北岙街道") { implementationRate { numerator denominator } } }"#;
    let acted = |v: &Value| v["statistics"]["implementationRate"]["numerator"].as_i64().expect("numerator");
    let before = acted(&app.data("town.beiao", rate, json!({"y": year})).await);
    let q = r#"{ matters(first: 100, filter: {town: "北岙街道"}) { edges { node { code } } } }"#;
    let matters = app.data("town.beiao", q, json!({})).await;
    let file = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id version } }"#;
    let cancel = r#"mutation($id: ID!, $v: Int!) { transitionCase(id: $id, expectedVersion: $v, action: CANCEL, input: {reason: "立案错误"}) { status } }"#;
    for edge in matters["matters"]["edges"].as_array().expect("matters") {
        let input = json!({"title": "撤销立案测试", "procedure": "GENERAL", "matterCode": edge["node"]["code"],
            "party": {"kind": "PERSON", "name": "赵六"}, "occurredAt": chrono::Utc::now().to_rfc3339(),
            "facts": "现场发现违法行为。"});
        let filed = app.data("town.beiao", file, json!({"input": input})).await["fileCase"].clone();
        let raised = acted(&app.data("town.beiao", rate, json!({"y": year})).await) > before;
        let done = app.data("town.beiao", cancel, json!({"id": filed["id"], "v": filed["version"]})).await;
        assert_eq!(done["transitionCase"]["status"], "CANCELLED");
        if raised {
            let after = acted(&app.data("town.beiao", rate, json!({"y": year})).await);
            assert_eq!(after, before, "the cancelled filing no longer counts as acting on the matter");
            return;
        }
    }
    panic!("every empowered matter of 北岙街道 was acted on this year already: no pair to test with");
}

/// APL 63: the hearing level depends on the party's kind. A notice of ¥20,000 on a company is
/// not hearing-level; corrected to a person, the same notice is (T2 runs, the case is major).
#[actix_rt::test]
async fn a_corrected_party_kind_decides_the_hearing_level_again() {
    let app = TestApp::spawn().await;
    let matter = matter_for(&app, OFFICER, json!({"domain": "市容"})).await;
    let officers = certified_bureau_officers(&app).await;
    let extra = json!({"officerIds": officers[..2], "occurredAt": days_ago(40),
        "party": {"kind": "ORGANIZATION", "name": "洞头望海贸易有限公司"}});
    let filed = file(&app, OFFICER, filing(&matter, extra)).await;
    let case = ok(&app, &filed, "INVESTIGATE", json!({})).await;
    let case = ok(&app, &case, "SERVE_NOTICE", json!({"fineAmount": "20000"})).await;
    assert_eq!((case["hearingRequestDue"].clone(), case["major"].clone()), (Value::Null, json!(false)), "{case}");

    let update = format!(
        "mutation($id: ID!, $v: Int!, $input: UpdateCaseInput!) {{ updateCase(id: $id, expectedVersion: $v, input: $input) {{ {CASE_FIELDS} }} }}"
    );
    let input = json!({"party": {"kind": "PERSON", "name": "王望海"}});
    let corrected = app.data(OFFICER, &update, json!({"id": case["id"], "v": case["version"], "input": input})).await;
    let corrected = &corrected["updateCase"];
    assert!(corrected["hearingRequestDue"].is_string(), "T2 runs for a person's ¥20,000: {corrected}");
    assert_eq!(corrected["major"], true, "{corrected}");
}
