//! T1–T5 on a case: due dates are fixed when the event that starts each timer happens, and
//! `next_due` keeps the earliest one still running so `overdue` is one indexed comparison.
//! The API and the demo both compute them here, so a demo case is timed as a served one.

use chrono::{DateTime, NaiveDate, Utc};
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

/// T1: the decision is due `DECISION_DAYS` (plus recorded extensions) calendar days after
/// the filing date.
pub fn decision_due_after(cal: &Calendar, filed_at: DateTime<Utc>, extension_days: i32) -> NaiveDate {
    cal.add_calendar_days(local_date(filed_at), DECISION_DAYS + extension_days.max(0) as u32)
}

/// T2: the party may ask for a hearing until `HEARING_REQUEST_DAYS` working days after the
/// notice.
pub fn hearing_request_due_after(cal: &Calendar, notice_served_at: DateTime<Utc>) -> NaiveDate {
    cal.add_working_days(local_date(notice_served_at), HEARING_REQUEST_DAYS)
}

/// The first day a hearing-level case may be decided when no hearing was requested: the day
/// after T2 closed (R3).
pub fn hearing_window_closed_on(cal: &Calendar, notice_served_at: DateTime<Utc>) -> NaiveDate {
    cal.add_working_days(hearing_request_due_after(cal, notice_served_at), 1)
}

/// T3: the decision is delivered within `DELIVERY_DAYS` working days.
pub fn delivery_due_after(cal: &Calendar, decided_at: DateTime<Utc>) -> NaiveDate {
    cal.add_working_days(local_date(decided_at), DELIVERY_DAYS)
}

/// T4: a fine is paid within `PAYMENT_DAYS` calendar days of delivery.
pub fn payment_due_after(cal: &Calendar, delivered_at: DateTime<Utc>) -> NaiveDate {
    cal.add_calendar_days(local_date(delivered_at), PAYMENT_DAYS)
}

/// T5: the decision is published within `PUBLICATION_DAYS` working days.
pub fn publication_due_after(cal: &Calendar, decided_at: DateTime<Utc>) -> NaiveDate {
    cal.add_working_days(local_date(decided_at), PUBLICATION_DAYS)
}

pub fn decision_due(cal: &Calendar, c: &case::Model) -> Option<NaiveDate> {
    (c.procedure == Procedure::General).then(|| decision_due_after(cal, c.filed_at, c.decision_extension_days))
}

/// Recomputes every due date from the case's own dates, and `next_due` from the timers that
/// are still running. T2 is the party's window, not a duty of the department, so it never
/// makes a case overdue.
pub fn refresh(cal: &Calendar, c: &mut case::Model) {
    use CaseStatus::*;
    c.decision_due = decision_due(cal, c);
    c.hearing_request_due = c.notice_served_at.filter(|_| c.hearing_level).map(|t| hearing_request_due_after(cal, t));
    c.delivery_due = c.decided_at.map(|t| delivery_due_after(cal, t));
    // A deferral (APL 66) moves T4.
    c.payment_due = c
        .delivered_at
        .filter(|_| c.fine_fen.unwrap_or(0) > 0)
        .map(|t| c.deferred_until.unwrap_or_else(|| payment_due_after(cal, t)));
    c.publication_due = c.decided_at.map(|t| publication_due_after(cal, t));

    let mut running: Vec<NaiveDate> = Vec::new();
    if matches!(c.status, Filed | Investigating | NoticeServed | Hearing | LegalReview) {
        running.extend(c.decision_due);
    }
    if c.status == Decided {
        running.extend(c.delivery_due);
    }
    // Closing a delivered case means the penalty was carried out; until then T4 runs.
    // Full payment (R15) ends T4; so does a request to the court to enforce it.
    if c.status == Delivered && c.paid_at.is_none() && c.enforcement_requested_at.is_none() {
        running.extend(c.payment_due);
    }
    if matches!(c.status, Decided | Delivered | Closed) && c.published_at.is_none() {
        running.extend(c.publication_due);
    }
    c.next_due = running.into_iter().min();
}
