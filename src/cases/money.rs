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

use chrono::{Months, NaiveDate};
use entity::{case, payment};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::calendar::local_date;
use crate::error::{AppError, AppResult};

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

pub(crate) fn state_of(c: &case::Model, payments: &[(NaiveDate, i64)], as_of: NaiveDate) -> MoneyState {
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

pub(crate) fn dated(rows: &[payment::Model]) -> Vec<(NaiveDate, i64)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
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
