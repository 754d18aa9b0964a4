//! R15 (APL 66, 67, 72): `recordPayment` and `grantDeferral`; what is owed is computed in
//! [`super::money`].

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::CaseStatus;
use entity::{case, case_event, payment};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::lifecycle::{is_case_worker, load_for_write, save};
use super::money::{dated, payments_of, state_of};
use super::timers;
use crate::auth::Principal;
use crate::calendar::{Calendar, local_date, start_of_day};
use crate::domain::Yuan;
use crate::error::{AppError, AppResult};
use crate::events::EventDetail;

/// `recordPayment`, parsed.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub amount: Yuan,
    pub paid_on: NaiveDate,
    pub receipt_no: String,
}

/// Records a payment (R15). The same receipt again returns the case as it is (no second
/// payment); the same receipt with another amount is `CONFLICT`.
pub async fn record_payment(
    db: &DatabaseConnection,
    cal: &Calendar,
    p: &Principal,
    case_id: Uuid,
    input: NewPayment,
) -> AppResult<(case::Model, Vec<case_event::Model>)> {
    let receipt_no = input.receipt_no.trim().to_string();
    if receipt_no.is_empty() || receipt_no.chars().count() > 64 {
        return Err(AppError::bad_input("input.receiptNo", "a receipt number of 1 to 64 characters is required"));
    }
    let txn = crate::db::begin_write(db).await?;
    let before = load_for_write(&txn, p, case_id).await?;
    if !is_case_worker(p, before.department_id) {
        return Err(AppError::Forbidden("only officers of the case's department record its payments".into()));
    }
    let existing = payment::Entity::find()
        .filter(payment::Column::CaseId.eq(before.id))
        .filter(payment::Column::ReceiptNo.eq(receipt_no.as_str()))
        .one(&txn)
        .await?;
    if let Some(existing) = existing {
        if existing.amount_fen != input.amount.fen() || existing.paid_on != input.paid_on {
            return Err(AppError::Conflict(format!(
                "receipt {receipt_no} was already recorded with {} yuan paid on {}",
                Yuan::from_fen(existing.amount_fen),
                existing.paid_on
            )));
        }
        txn.rollback().await?;
        return Ok((before, Vec::new()));
    }
    if !matches!(before.status, CaseStatus::Decided | CaseStatus::Delivered) {
        return Err(AppError::Conflict(format!(
            "payments are recorded after the decision, not on a {} case",
            before.status.as_str()
        )));
    }
    let now = Utc::now();
    let today = local_date(now);
    if input.amount.fen() <= 0 {
        return Err(AppError::bad_input("input.amount", "a payment is above zero"));
    }
    if input.paid_on > today {
        return Err(AppError::bad_input("input.paidOn", "a payment cannot lie in the future"));
    }
    if before.decided_at.is_some_and(|d| input.paid_on < local_date(d)) {
        return Err(AppError::bad_input("input.paidOn", "a payment cannot precede the decision"));
    }
    let rows = payments_of(&txn, before.id).await?;
    let mut dated = dated(&rows);
    let paid_before: i64 = dated.iter().map(|(_, a)| *a).sum();
    dated.push((input.paid_on, input.amount.fen()));
    let with = state_of(&before, &dated, today);
    let owed = with.fine_fen + with.surcharge_fen - paid_before;
    if owed <= 0 {
        return Err(AppError::bad_input("input.amount", "nothing is outstanding on this case"));
    }
    if input.amount.fen() > owed {
        return Err(AppError::bad_input(
            "input.amount",
            format!("at most {} yuan is outstanding (fine + surcharge − paid)", Yuan::from_fen(owed)),
        ));
    }
    let row = payment::Model {
        id: Uuid::now_v7(),
        case_id: before.id,
        amount_fen: input.amount.fen(),
        paid_on: input.paid_on,
        receipt_no: receipt_no.clone(),
        recorded_at: now,
        recorded_by: Some(p.user_id),
    };
    payment::Entity::insert(row.clone().into_active_model()).exec_without_returning(&txn).await?;
    let mut after = before.clone();
    after.paid_fen = paid_before + input.amount.fen();
    if with.outstanding_fen == 0 {
        // Paid in full: T4 is met.
        after.paid_at = Some(paid_at(input.paid_on, now));
    }
    timers::refresh(cal, &mut after);
    let note = format!("receipt {receipt_no}, paid on {}", input.paid_on);
    let (after, event) = save(&txn, p, &before, after, EventDetail::paid(input.amount, note)).await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:recordPayment",
        &[after.id, row.id],
        serde_json::json!({
            "amount": input.amount.to_string(),
            "paidOn": input.paid_on.to_string(),
            "receiptNo": receipt_no,
            "paidInFull": after.paid_at.is_some(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok((after, vec![event]))
}

/// The instant a payment made on `on` is recorded as: the start of that day, or now when made today.
fn paid_at(on: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    if on == local_date(now) { now } else { start_of_day(on) }
}

/// `grantDeferral`, parsed.
#[derive(Debug, Clone)]
pub struct Deferral {
    pub until: NaiveDate,
    pub instalments: Option<i32>,
    pub reason: String,
}

/// Moves T4 to `until` (APL 66), optionally in instalments.
pub async fn grant_deferral(
    db: &DatabaseConnection,
    cal: &Calendar,
    p: &Principal,
    case_id: Uuid,
    input: Deferral,
) -> AppResult<(case::Model, Vec<case_event::Model>)> {
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::bad_input("input.reason", "a deferral gives its reason (APL 66)"));
    }
    if input.instalments.is_some_and(|n| !(1..=36).contains(&n)) {
        return Err(AppError::bad_input("input.instalments", "between 1 and 36 instalments"));
    }
    let txn = crate::db::begin_write(db).await?;
    let before = load_for_write(&txn, p, case_id).await?;
    if !is_case_worker(p, before.department_id) {
        return Err(AppError::Forbidden("only officers of the case's department grant deferrals".into()));
    }
    if !matches!(before.status, CaseStatus::Decided | CaseStatus::Delivered)
        || before.fine_fen.unwrap_or(0) <= 0
        || before.paid_at.is_some()
    {
        return Err(AppError::Conflict("only an unpaid fine of a decided case may be deferred".into()));
    }
    let today = local_date(Utc::now());
    if input.until <= today {
        return Err(AppError::bad_input("input.until", "a deferral ends after today"));
    }
    if before.payment_due.is_some_and(|due| input.until <= due) {
        return Err(AppError::bad_input("input.until", "a deferral moves the payment due date later"));
    }
    let mut after = before.clone();
    after.deferred_until = Some(input.until);
    after.instalments = input.instalments;
    timers::refresh(cal, &mut after);
    let (after, event) =
        save(&txn, p, &before, after, EventDetail::updated(&["deferredUntil"], Some(reason.clone()))).await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:grantDeferral",
        &[after.id],
        serde_json::json!({ "until": input.until.to_string(), "instalments": input.instalments, "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    Ok((after, vec![event]))
}
