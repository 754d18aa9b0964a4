//! T1–T5 on a case: due dates are fixed when the event that starts each timer happens, and
//! `next_due` keeps the earliest one still running so `overdue` is one indexed comparison.

use chrono::NaiveDate;
use entity::case;
use entity::enums::{CaseStatus, Procedure};

use crate::calendar::{Calendar, local_date};

/// T1: days from filing to decision (APL 60).
pub const DECISION_DAYS: u32 = 90;
/// T2: working days to request a hearing after the notice (APL 64).
pub const HEARING_REQUEST_DAYS: u32 = 5;
/// T3: working days to deliver the decision (APL 61).
pub const DELIVERY_DAYS: u32 = 7;
/// T4: days to pay after delivery (APL 67).
pub const PAYMENT_DAYS: u32 = 15;
/// T5: working days to publish a decision (2018 State Council guideline).
pub const PUBLICATION_DAYS: u32 = 7;

pub fn decision_due(cal: &Calendar, c: &case::Model) -> Option<NaiveDate> {
    (c.procedure == Procedure::General)
        .then(|| cal.add_calendar_days(local_date(c.filed_at), DECISION_DAYS + c.decision_extension_days.max(0) as u32))
}

/// Recomputes every due date from the case's own dates, and `next_due` from the timers that
/// are still running. T2 is the party's window, not a duty of the department, so it never
/// makes a case overdue.
pub fn refresh(cal: &Calendar, c: &mut case::Model) {
    use CaseStatus::*;
    c.decision_due = decision_due(cal, c);
    c.hearing_request_due = c
        .notice_served_at
        .filter(|_| c.hearing_level)
        .map(|t| cal.add_working_days(local_date(t), HEARING_REQUEST_DAYS));
    c.delivery_due = c.decided_at.map(|t| cal.add_working_days(local_date(t), DELIVERY_DAYS));
    c.payment_due = c
        .delivered_at
        .filter(|_| c.fine_fen.unwrap_or(0) > 0)
        .map(|t| cal.add_calendar_days(local_date(t), PAYMENT_DAYS));
    c.publication_due = c.decided_at.map(|t| cal.add_working_days(local_date(t), PUBLICATION_DAYS));

    let mut running: Vec<NaiveDate> = Vec::new();
    if matches!(c.status, Filed | Investigating | NoticeServed | Hearing | LegalReview) {
        running.extend(c.decision_due);
    }
    if c.status == Decided {
        running.extend(c.delivery_due);
    }
    // Closing a delivered case means the penalty was carried out; until then T4 runs.
    if c.status == Delivered && c.paid_at.is_none() {
        running.extend(c.payment_due);
    }
    if matches!(c.status, Decided | Delivered | Closed) && c.published_at.is_none() {
        running.extend(c.publication_due);
    }
    c.next_due = running.into_iter().min();
}
