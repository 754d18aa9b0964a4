//! R15 (APL 66, 67, 72; 行政强制法 53): payments of a fine, the late-payment surcharge,
//! deferrals, and the window to ask the court for enforcement.
//!
//! The surcharge model (加处罚款, APL 72): from the day after T4 (`paymentDue`, moved by a
//! deferral) each day adds 3% of the fine still unpaid at the start of that day (payments
//! count against the fine first, from their `paidOn` date: a payment made on a day stops that
//! day's surcharge on the part it paid). The daily amounts are added exactly (in hundredths of
//! a fen) and the total is truncated to the fen once, in the party's favour; it never exceeds
//! the fine. It is computed as of today, so it grows while the fine is unpaid and stops once
//! the fine itself is paid; what is owed is fine + surcharge − paid.

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::enums::CaseStatus;
use entity::{case, case_event, payment};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::lifecycle::{is_case_worker, load_for_write, save};
use super::timers;
use crate::auth::Principal;
use crate::calendar::{Calendar, local_date, start_of_day};
use crate::domain::Yuan;
use crate::error::{AppError, AppResult};
use crate::events::EventDetail;

/// Per day, 3% of the unpaid fine.
const DAILY_PERCENT: i64 = 3;
/// 申请法院强制执行: from 6 months after delivery (the periods for reconsideration and
/// litigation) until 9 months after it (行政强制法 53).
const ENFORCEMENT_FROM_MONTHS: u32 = 6;
const ENFORCEMENT_UNTIL_MONTHS: u32 = 9;

/// The surcharge as of `as_of`, in fen (see the module docs for the model).
pub fn late_surcharge(fine_fen: i64, due: Option<NaiveDate>, payments: &[(NaiveDate, i64)], as_of: NaiveDate) -> i64 {
    let Some(due) = due else { return 0 };
    if fine_fen <= 0 {
        return 0;
    }
    let mut hundredths: i128 = 0;
    let cap = i128::from(fine_fen) * 100;
    let mut day = due.succ_opt().unwrap_or(due);
    while day <= as_of && day > due {
        let paid: i64 = payments.iter().filter(|(on, _)| *on < day).map(|(_, a)| *a).sum();
        let unpaid = (fine_fen - paid).max(0);
        if unpaid == 0 {
            break;
        }
        hundredths += i128::from(unpaid) * i128::from(DAILY_PERCENT);
        if hundredths >= cap {
            break;
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    (hundredths.min(cap) / 100) as i64
}

/// What a case owes, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyState {
    pub fine_fen: i64,
    pub paid_fen: i64,
    pub surcharge_fen: i64,
    /// fine + surcharge − paid, never below zero.
    pub outstanding_fen: i64,
}

fn state_of(c: &case::Model, payments: &[(NaiveDate, i64)], as_of: NaiveDate) -> MoneyState {
    let fine_fen = c.fine_fen.unwrap_or(0);
    let paid_fen: i64 = payments.iter().map(|(_, a)| *a).sum();
    let surcharge_fen = late_surcharge(fine_fen, c.payment_due, payments, as_of);
    MoneyState { fine_fen, paid_fen, surcharge_fen, outstanding_fen: (fine_fen + surcharge_fen - paid_fen).max(0) }
}

/// The case's payments, oldest first.
pub async fn payments_of(db: &impl ConnectionTrait, case_id: Uuid) -> AppResult<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::CaseId.eq(case_id))
        .order_by_asc(payment::Column::PaidOn)
        .order_by_asc(payment::Column::RecordedAt)
        .all(db)
        .await?)
}

fn dated(rows: &[payment::Model]) -> Vec<(NaiveDate, i64)> {
    rows.iter().map(|p| (p.paid_on, p.amount_fen)).collect()
}

/// What `c` owes as of `as_of`.
pub async fn money_state(db: &impl ConnectionTrait, c: &case::Model, as_of: NaiveDate) -> AppResult<MoneyState> {
    if c.fine_fen.unwrap_or(0) <= 0 {
        return Ok(MoneyState { fine_fen: 0, paid_fen: c.paid_fen, surcharge_fen: 0, outstanding_fen: 0 });
    }
    let rows = payments_of(db, c.id).await?;
    Ok(state_of(c, &dated(&rows), as_of))
}

/// `REQUEST_ENFORCEMENT`: T4 passed with money unpaid, between 6 and 9 months after delivery.
pub(crate) async fn check_enforcement(db: &impl ConnectionTrait, c: &case::Model, today: NaiveDate) -> AppResult<()> {
    let bad = |m: String| Err(AppError::bad_input("enforcement", m));
    if c.enforcement_requested_at.is_some() {
        return bad("enforcement was already requested".into());
    }
    let (Some(delivered), Some(due)) = (c.delivered_at, c.payment_due) else {
        return bad("there is no fine to enforce".into());
    };
    if today <= due {
        return bad(format!("the fine is due until {due} (T4): enforcement only after it passed unpaid"));
    }
    if money_state(db, c, today).await?.outstanding_fen == 0 {
        return bad("the fine is paid in full".into());
    }
    let delivered = local_date(delivered);
    let from = delivered.checked_add_months(Months::new(ENFORCEMENT_FROM_MONTHS)).unwrap_or(delivered);
    let until = delivered.checked_add_months(Months::new(ENFORCEMENT_UNTIL_MONTHS)).unwrap_or(delivered);
    if today < from {
        return bad(format!(
            "enforcement may be requested from {from}, once the periods for reconsideration and litigation have passed"
        ));
    }
    if today > until {
        return bad(format!("the period to request enforcement ended on {until} (行政强制法 53)"));
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_surcharge_is_three_percent_a_day_of_the_unpaid_fine_capped_at_the_fine() {
        let due = Some(d("2026-03-01"));
        assert_eq!(late_surcharge(10_000, due, &[], d("2026-03-01")), 0, "nothing on the due date");
        assert_eq!(late_surcharge(10_000, due, &[], d("2026-03-02")), 300);
        assert_eq!(late_surcharge(10_000, due, &[], d("2026-03-11")), 3_000);
        assert_eq!(late_surcharge(10_000, due, &[], d("2026-06-01")), 10_000, "capped at the fine");
        // ¥33.33 a day at 3% is 99.99 fen: truncated once, after adding the days.
        assert_eq!(late_surcharge(3_333, due, &[], d("2026-03-02")), 99);
        assert_eq!(late_surcharge(3_333, due, &[], d("2026-03-04")), 299);
        // Half paid on the 3rd: the 2nd and 3rd on the whole fine, the 4th on half of it.
        let paid = [(d("2026-03-03"), 5_000)];
        assert_eq!(late_surcharge(10_000, due, &paid, d("2026-03-04")), 300 + 300 + 150);
        // Paid in full: no more surcharge after the payment.
        let full = [(d("2026-03-03"), 10_000)];
        assert_eq!(late_surcharge(10_000, due, &full, d("2026-04-01")), 600);
        assert_eq!(late_surcharge(10_000, None, &[], d("2026-04-01")), 0);
    }
}
