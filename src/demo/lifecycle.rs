//! How a case moves through the states of rules.md, as data: a timeline of dated actions is
//! drawn first ([`general_timeline`], [`simple_timeline`]), then [`Builder::add_case`] walks it
//! to produce the case row (statuses, timers T1–T5, `next_due`), its officers, its events and
//! its hash-chained records.
//!
//! The demo writes in bulk but decides nothing of its own: each step goes through the API's
//! state machine (`cases::lifecycle::next_status`), the hearing level and the R1 caps come from
//! the configured [`Rules`], every due date from `cases::timers`, and every event detail from
//! the event builders ([`EventDetail`]) the API's services use.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::enums::{CaseStatus, HearingState, PartyKind, Procedure, RecordKind, ReviewState};
use entity::{case, case_officer, party, payment, record};
use sea_orm::DbErr;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::org::Org;
use super::plan::Plan;
use super::rng::Rng;
use crate::calendar::{Calendar, local_date, start_of_day};
use crate::cases::{lifecycle as rules_of_cases, timers};
use crate::config::Rules;
use crate::domain::Yuan;
use crate::events::{EventDetail, NewEvent};
use crate::records::chain;

/// R1 (APL 51): the largest on-the-spot fine on a party of `kind`, as configured.
pub(super) fn simple_cap_fen(rules: &Rules, kind: PartyKind) -> i64 {
    match kind {
        PartyKind::Person => rules.simple_cap_person_fen,
        PartyKind::Organization => rules.simple_cap_org_fen,
    }
}

/// The configured hearing level (APL 63) for a party of `kind`: the smallest hearing-level fine.
pub(super) fn hearing_threshold_fen(rules: &Rules, kind: PartyKind) -> i64 {
    match kind {
        PartyKind::Person => rules.hearing_person_fen,
        PartyKind::Organization => rules.hearing_org_fen,
    }
}

/// R3+: the statement-and-defence window after the notice, working days (APL 44, 45).
pub(super) const STATEMENT_DAYS: u32 = 5;

/// A step of a timeline: the API's `CaseAction`.
pub(super) use entity::enums::CaseAction as Action;

#[derive(Debug, Clone)]
pub(super) struct Step {
    pub action: Action,
    pub at: DateTime<Utc>,
    pub actor: Uuid,
}

/// When everything happens to one case.
#[derive(Debug, Clone)]
pub(super) struct Timeline {
    pub filed_at: DateTime<Utc>,
    pub steps: Vec<Step>,
    pub paid_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Timeline {
    fn at(&self, action: Action) -> Option<DateTime<Utc>> {
        self.steps.iter().find(|s| s.action == action).map(|s| s.at)
    }

    /// Open work: keeps what happened before `now`, and nothing after the notice of rights.
    pub fn truncate_open(&mut self, now: DateTime<Utc>) {
        let mut kept = Vec::new();
        for step in self.steps.drain(..) {
            if step.at > now {
                break;
            }
            let stop = step.action == Action::ServeNotice;
            kept.push(step);
            if stop {
                break;
            }
        }
        self.steps = kept;
        self.paid_at = None;
        self.published_at = None;
    }

    pub fn decided_day(&self) -> Option<NaiveDate> {
        self.at(Action::Decide).map(local_date)
    }
}

/// A random instant in office hours (08:30–17:30, Shanghai) of `day`.
pub(super) fn office_time(rng: &mut Rng, day: NaiveDate) -> DateTime<Utc> {
    start_of_day(day) + TimeDelta::seconds(8 * 3600 + 1800 + rng.range(0, 9 * 3600 - 1))
}

/// An instant on `day` after `prev`: later the same day when `prev` is on `day`, else in
/// office hours.
fn after(rng: &mut Rng, prev: DateTime<Utc>, day: NaiveDate) -> DateTime<Utc> {
    if local_date(prev) >= day { prev + TimeDelta::seconds(rng.range(600, 5400)) } else { office_time(rng, day) }
}

/// `lo..=hi`, shrunk towards `lo` by `pace` (1.0 = the full range, 0.0 = always `lo`).
fn span(rng: &mut Rng, lo: u32, hi: u32, pace: f64) -> u32 {
    let top = f64::from(hi - lo) * pace;
    lo + (rng.unit() * (top + 1.0)).floor().min(top.max(0.0)) as u32
}

/// The path of a general case.
#[derive(Debug, Clone, Copy)]
pub(super) struct GeneralShape {
    pub hearing_level: bool,
    pub major: bool,
    pub fined: bool,
}

pub(super) struct Actors {
    pub officers: Vec<Uuid>,
    pub reviewer: Uuid,
}

impl Actors {
    fn lead(&self) -> Uuid {
        self.officers.first().copied().unwrap_or(self.reviewer)
    }
    fn second(&self) -> Uuid {
        self.officers.get(1).copied().unwrap_or_else(|| self.lead())
    }
}

/// FILED → INVESTIGATING → NOTICE_SERVED → [hearing] → [legal review] → DECIDED → DELIVERED →
/// CLOSED, with the decision on or before `decide_by` (T1 and the end of the demo year): the
/// durations are drawn again, shorter, until it fits.
pub(super) fn general_timeline(
    rng: &mut Rng,
    cal: &Calendar,
    filed_at: DateTime<Utc>,
    shape: GeneralShape,
    actors: &Actors,
    decide_by: NaiveDate,
) -> Timeline {
    let t1 = timers::decision_due_after(cal, filed_at, 0);
    let decide_by = decide_by.min(t1);
    let mut timeline = general_attempt(rng, cal, filed_at, shape, actors, 1.0);
    for pace in [0.7, 0.45, 0.25, 0.0] {
        if timeline.decided_day().is_some_and(|d| d <= decide_by) {
            break;
        }
        timeline = general_attempt(rng, cal, filed_at, shape, actors, pace);
    }
    timeline
}

fn general_attempt(
    rng: &mut Rng,
    cal: &Calendar,
    filed_at: DateTime<Utc>,
    shape: GeneralShape,
    actors: &Actors,
    pace: f64,
) -> Timeline {
    let mut steps = Vec::new();
    let push = |steps: &mut Vec<Step>, action, at, actor| {
        steps.push(Step { action, at, actor });
        at
    };
    let d0 = local_date(filed_at);
    let inv_day = if rng.chance(0.5) { d0 } else { cal.add_working_days(d0, span(rng, 1, 2, pace)) };
    let t = after(rng, filed_at, inv_day);
    let mut last = push(&mut steps, Action::Investigate, t, actors.lead());

    let notice_day = cal.add_working_days(inv_day, span(rng, 8, 30, pace));
    let t = after(rng, last, notice_day);
    last = push(&mut steps, Action::ServeNotice, t, actors.lead());
    let mut ready_day = notice_day;

    if shape.hearing_level {
        // APL 64: the party asks within 5 working days (T2); the hearing is announced 7
        // days ahead.
        match rng.weighted(&[4, 4, 2]) {
            0 => {
                let req = cal.add_working_days(notice_day, span(rng, 1, 4, pace.max(0.5)));
                let t = after(rng, last, req);
                last = push(&mut steps, Action::RequestHearing, t, actors.lead());
                let held = cal.add_working_days(req, span(rng, 6, 12, pace));
                let t = after(rng, last, held);
                last = push(&mut steps, Action::HoldHearing, t, actors.lead());
                ready_day = held;
            }
            1 => {
                let waived = cal.add_working_days(notice_day, span(rng, 1, 3, pace));
                let t = after(rng, last, waived);
                last = push(&mut steps, Action::WaiveHearing, t, actors.lead());
                ready_day = waived;
            }
            _ => {
                // The T2 window closes with no request: the decision may follow from the next
                // working day (R3).
                ready_day = timers::hearing_window_closed_on(cal, last);
            }
        }
    }

    let decide_day = if shape.major {
        // APL 58: legal review before the decision, by a reviewer who is not on the case.
        let submit = if shape.hearing_level {
            cal.add_working_days(ready_day, span(rng, 1, 3, pace))
        } else {
            cal.add_working_days(notice_day, span(rng, 4, 6, pace))
        };
        let t = after(rng, last, submit);
        last = push(&mut steps, Action::SubmitForReview, t, actors.lead());
        let approve = cal.add_working_days(submit, span(rng, 1, 4, pace));
        let t = after(rng, last, approve);
        last = push(&mut steps, Action::ApproveReview, t, actors.reviewer);
        cal.add_working_days(approve, span(rng, 1, 3, pace))
    } else {
        // APL 45: the statement and defence period (3 working days) passes first.
        cal.add_working_days(ready_day, span(rng, 4, 10, pace))
    };
    let t = after(rng, last, decide_day);
    let decided = push(&mut steps, Action::Decide, t, actors.lead());

    // T3: delivered within 7 working days; T5: published within 7 working days.
    let deliver_day = if rng.chance(0.3) { decide_day } else { cal.add_working_days(decide_day, span(rng, 1, 5, 1.0)) };
    let delivered = after(rng, decided, deliver_day);
    push(&mut steps, Action::Deliver, delivered, actors.second());
    let publish_day = cal.add_working_days(decide_day, span(rng, 1, 6, 1.0));
    let published_at = office_time(rng, publish_day).max(decided + TimeDelta::minutes(30));

    // T4: fines paid within 15 days of delivery.
    let paid_at = shape.fined.then(|| {
        let day = cal.add_calendar_days(deliver_day, span(rng, 1, 14, 1.0));
        office_time(rng, day).max(delivered + TimeDelta::minutes(30))
    });
    let settled = paid_at.unwrap_or(delivered).max(published_at);
    let close_day = cal.add_working_days(local_date(settled), span(rng, 1, 8, 1.0));
    let t = after(rng, settled, close_day);
    push(&mut steps, Action::Close, t, actors.lead());

    Timeline { filed_at, steps, paid_at, published_at: Some(published_at) }
}

/// Simple procedure: decided on the spot at filing (status DECIDED), delivered there and
/// then, paid on the spot or within 15 days, published within 7 working days, closed.
/// `unpaid` leaves a fine outstanding (status DELIVERED, T4 running).
pub(super) fn simple_timeline(
    rng: &mut Rng,
    cal: &Calendar,
    filed_at: DateTime<Utc>,
    fined: bool,
    unpaid: bool,
    actors: &Actors,
) -> Timeline {
    let d0 = local_date(filed_at);
    let delivered = filed_at + TimeDelta::seconds(rng.range(180, 900));
    let mut steps = vec![Step { action: Action::Deliver, at: delivered, actor: actors.lead() }];
    let paid_at = (fined && !unpaid).then(|| {
        if rng.chance(0.55) {
            delivered + TimeDelta::seconds(rng.range(60, 1200))
        } else {
            let day = cal.add_calendar_days(d0, span(rng, 1, 14, 1.0));
            office_time(rng, day).max(delivered + TimeDelta::minutes(30))
        }
    });
    let publish_day = cal.add_working_days(d0, span(rng, 1, 6, 1.0));
    let published_at = office_time(rng, publish_day).max(delivered);
    if !unpaid {
        let settled = paid_at.unwrap_or(delivered).max(published_at);
        let close_day = cal.add_working_days(local_date(settled), span(rng, 0, 3, 1.0));
        let t = after(rng, settled, close_day);
        steps.push(Step { action: Action::Close, at: t, actor: actors.lead() });
    }
    Timeline { filed_at, steps, paid_at, published_at: Some(published_at) }
}

/// Everything about a case except its dates.
pub(super) struct CaseDraft {
    pub department_id: Uuid,
    pub town: Option<&'static str>,
    pub procedure: Procedure,
    pub matter: usize,
    pub party: party::Model,
    pub officers: Vec<Uuid>,
    pub major: bool,
    pub serious_harm: bool,
    /// The fine of the decision (fen); `None` for a warning.
    pub fine_fen: Option<i64>,
    /// The fine announced in the notice (R5: never below the decided one).
    pub notice_fine_fen: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub location: String,
    pub facts: String,
    pub source_transfer_id: Option<Uuid>,
    /// Field records to submit (general cases: 2–5).
    pub records: usize,
    pub created_by: Uuid,
}

/// Generators share the calendar, the configured rules, the org and the plan through this.
pub(super) struct Builder<'a> {
    pub cal: &'a Calendar,
    pub rules: &'a Rules,
    pub org: Org,
    pub plan: Plan,
    /// True while planning the chunk that carries the rows a scale does not multiply (the
    /// trainee's followed cases, trainings, matter claims, activities): the only chunk of a
    /// small seed, the first of a large one.
    pub first_chunk: bool,
}

impl Builder<'_> {
    /// Adds the case, its party, officers, events and records; returns the case id.
    /// `now` is set for open work: records end before it. A step the state machine does not
    /// allow is a bug of the generator, refused here rather than written.
    pub fn add_case(
        &mut self,
        rng: &mut Rng,
        draft: CaseDraft,
        timeline: &Timeline,
        now: Option<DateTime<Utc>>,
    ) -> Result<Uuid, DbErr> {
        let cal = self.cal;
        let matter = &self.org.matters[draft.matter];
        let id = rng.uuid_at(timeline.filed_at);
        let title = format!("{}{}案", draft.party.name, matter.def.name);
        let party_kind = draft.party.kind;

        // A simple case is decided on the spot (APL 51–52), as `fileCase` does.
        let simple = draft.procedure == Procedure::Simple;
        let mut status = if simple { CaseStatus::Decided } else { CaseStatus::Filed };
        let mut hearing_state = HearingState::None;
        let mut review_state = ReviewState::None;
        let mut version = 1;
        let mut events = Vec::new();
        let event = |at, actor, case_version, detail| NewEvent {
            case_id: id,
            at,
            actor_id: Some(actor),
            transfer_id: None,
            record_id: None,
            case_version,
            detail,
        };

        // The case number is given when the plan is numbered (`Plan::number_cases`).
        let filed = EventDetail::filed(None, draft.procedure, status, draft.source_transfer_id, draft.fine_fen);
        let (filed_event, answer_event) = ordered_pair(rng, timeline.filed_at);
        let filed =
            NewEvent { transfer_id: draft.source_transfer_id, ..event(timeline.filed_at, draft.created_by, 1, filed) };
        events.push(filed.into_model(filed_event));
        if let Some(transfer) = draft.source_transfer_id {
            // The acceptance that filed this case, on the case's timeline for the sender.
            let accepted = EventDetail::transfer_accepted(transfer, id, None);
            let accepted =
                NewEvent { transfer_id: Some(transfer), ..event(timeline.filed_at, draft.created_by, 1, accepted) };
            events.push(accepted.into_model(answer_event));
        }

        let mut notice_served_at = None;
        let mut decided_at = simple.then_some(timeline.filed_at);
        let mut delivered_at = None;
        let mut closed_at = None;
        let mut updated_at = timeline.filed_at;
        // The case's fines as each step leaves them: the decided one, the notice's one.
        let mut fine_fen = if simple { draft.fine_fen } else { None };
        let mut notice_fine_fen = None;
        // R3+: the recorded statement (or its waiver) is a step of the case's own, written as
        // `transitionCase` writes it; its id and wording come from the case's own stream so
        // the rest of the demo year draws exactly what it drew before.
        let statement = statement_recorded(cal, timeline);
        let mut statement_rng = Rng::stream(id.as_u128() as u64, "statement");
        let steps = with_statement(timeline, statement);
        for step in &steps {
            let from = status;
            status = rules_of_cases::next_status(draft.procedure, from, step.action).ok_or_else(|| {
                DbErr::Custom(format!("demo: {} is not allowed on a {} case", step.action.as_str(), from.as_str()))
            })?;
            version += 1;
            match step.action {
                Action::ServeNotice => {
                    notice_served_at = Some(step.at);
                    notice_fine_fen = draft.notice_fine_fen;
                }
                Action::RequestHearing => hearing_state = HearingState::Requested,
                Action::HoldHearing => hearing_state = HearingState::Held,
                Action::WaiveHearing => hearing_state = HearingState::Waived,
                Action::SubmitForReview => review_state = ReviewState::Pending,
                Action::ApproveReview => review_state = ReviewState::Approved,
                Action::RejectReview => review_state = ReviewState::Rejected,
                Action::Decide => {
                    decided_at = Some(step.at);
                    fine_fen = draft.fine_fen;
                }
                Action::Deliver => delivered_at = Some(step.at),
                Action::Close => closed_at = Some(step.at),
                Action::Investigate
                | Action::Exempt
                | Action::RecordStatement
                | Action::Cancel
                | Action::RequestEnforcement => {}
            }
            let (note, event_id) = if step.action == Action::RecordStatement {
                let note = if statement_rng.chance(0.7) {
                    "当事人进行了陈述申辩"
                } else {
                    "当事人放弃陈述申辩"
                };
                (Some(note.to_string()), statement_rng.uuid_at(step.at))
            } else {
                (None, rng.uuid_at(step.at))
            };
            let detail = EventDetail::transitioned(step.action, from, status, fine_fen, notice_fine_fen, note);
            events.push(event(step.at, step.actor, version, detail).into_model(event_id));
            updated_at = step.at;
        }

        let decided = decided_at.is_some();
        let fined = fine_fen.is_some_and(|f| f > 0);
        let paid_at = if fined { timeline.paid_at } else { None };
        let published_at = if decided { timeline.published_at } else { None };

        // R13: the penalties the notice announced and the decision imposed, a fine or else a
        // warning (a simple case is decided on the spot, with no notice before it).
        let penalties_of = |fine: Option<i64>| if fine.is_some_and(|f| f > 0) { "FINE" } else { "WARNING" };
        let penalties = if decided { penalties_of(fine_fen).to_string() } else { String::new() };
        let notice_penalties =
            if notice_served_at.is_some() { penalties_of(notice_fine_fen).to_string() } else { String::new() };
        // R3+: the statement window runs 5 working days from the notice; a decision inside it
        // follows the party's recorded statement and defence, halfway between the two.
        let statement_due = notice_served_at.map(|n| cal.add_working_days(local_date(n), STATEMENT_DAYS));
        let statement_recorded_at = statement;
        // R15: a paid fine is paid in full, by one receipt; drawn from the case's own stream so
        // the rest of the demo year draws exactly what it drew before.
        let paid_fen = if paid_at.is_some() { fine_fen.unwrap_or(0) } else { 0 };
        if let Some(at) = paid_at {
            let mut side = Rng::stream(id.as_u128() as u64, "payment");
            let paid_on = local_date(at);
            self.plan.payments.push(payment::Model {
                id: side.uuid_at(at),
                case_id: id,
                amount_fen: paid_fen,
                paid_on,
                receipt_no: format!("3303{}{:08}", paid_on.format("%Y%m%d"), side.below(100_000_000)),
                recorded_at: at,
                recorded_by: draft.officers.first().copied(),
            });
        }

        for officer in &draft.officers {
            self.plan.case_officers.push(case_officer::Model {
                case_id: id,
                user_id: *officer,
                assigned_at: timeline.filed_at,
            });
        }

        // Field records (R11): recorded between filing and the notice (or now, for open
        // work), each chained to the previous one of the case.
        if draft.records > 0 {
            let window_end =
                timeline.at(Action::ServeNotice).or(now).unwrap_or(timeline.filed_at + TimeDelta::hours(2));
            let records = RecordSpec {
                case_id: id,
                case_location: draft.location.as_str(),
                matter: matter.def.name,
                domain: matter.def.domain,
                party: draft.party.name.as_str(),
                officers: &draft.officers,
                count: draft.records,
                from: timeline.filed_at,
                until: window_end,
            };
            let made = make_records(rng, &records);
            for r in &made {
                // A record adds to the file without changing the case (as `submitRecord`).
                let version_then = 1 + steps.iter().filter(|s| s.at <= r.submitted_at).count() as i32;
                let submitted = NewEvent {
                    record_id: Some(r.id),
                    ..event(r.submitted_at, r.submitted_by, version_then, EventDetail::record_submitted(r))
                };
                events.push(submitted.into_model(rng.uuid_at(r.submitted_at)));
            }
            self.plan.records.extend(made);
        }

        self.plan.case_events.extend(events);
        let mut row = case::Model {
            id,
            case_no: String::new(),
            title,
            procedure: draft.procedure,
            status,
            version,
            party_id: draft.party.id,
            department_id: draft.department_id,
            town: draft.town.map(str::to_string),
            matter_id: matter.id,
            matter_code: matter.def.code.to_string(),
            major: draft.major,
            serious_harm: draft.serious_harm,
            fine_fen,
            notice_fine_fen,
            hearing_level: rules_of_cases::hearing_level(self.rules, party_kind, notice_fine_fen.map(Yuan::from_fen)),
            hearing_state,
            review_state,
            occurred_at: draft.occurred_at,
            ended_at: draft.ended_at,
            location: Some(draft.location),
            facts: draft.facts,
            filed_at: timeline.filed_at,
            decision_extension_days: 0,
            notice_served_at,
            decided_at,
            delivered_at,
            paid_at,
            published_at,
            closed_at,
            penalties,
            notice_penalties,
            confiscation_fen: None,
            statement_due,
            statement_recorded_at,
            paid_fen,
            deferred_until: None,
            instalments: None,
            enforcement_requested_at: None,
            cancelled_at: None,
            cancel_reason: None,
            decision_due: None,
            hearing_request_due: None,
            delivery_due: None,
            payment_due: None,
            publication_due: None,
            next_due: None,
            source_transfer_id: draft.source_transfer_id,
            search_text: String::new(),
            created_by: Some(draft.created_by),
            updated_at,
        };
        // T1–T5 and `next_due`, exactly as the API times a case it moved to the same state.
        timers::refresh(cal, &mut row);
        self.plan.cases.push(row);
        self.plan.parties.push(draft.party);
        Ok(id)
    }
}

/// R3+: when the party's statement and defence (or its waiver) was recorded: for a decision
/// inside the statement window after the notice, halfway between the two; otherwise none (the
/// window passed, or there is no notice or no decision).
fn statement_recorded(cal: &Calendar, timeline: &Timeline) -> Option<DateTime<Utc>> {
    let notice = timeline.steps.iter().rev().find(|s| s.action == Action::ServeNotice)?.at;
    let decision = timeline.at(Action::Decide)?;
    let due = cal.add_working_days(local_date(notice), STATEMENT_DAYS);
    (decision > notice && local_date(decision) <= due)
        .then(|| notice + TimeDelta::seconds((decision - notice).num_seconds() / 2))
}

/// The timeline's steps with the RECORD_STATEMENT at `statement` (if any) in its place, by the
/// officer who served the notice.
fn with_statement(timeline: &Timeline, statement: Option<DateTime<Utc>>) -> Vec<Step> {
    let mut steps = timeline.steps.clone();
    if let Some(at) = statement {
        let actor = steps.iter().find(|s| s.action == Action::ServeNotice).map_or(Uuid::nil(), |s| s.actor);
        let place = steps.iter().position(|s| s.at > at).unwrap_or(steps.len());
        steps.insert(place, Step { action: Action::RecordStatement, at, actor });
    }
    steps
}

/// Two ids of the same instant, in ascending order (so a timeline sorted by id keeps them in
/// the order they were written).
pub(super) fn ordered_pair(rng: &mut Rng, at: DateTime<Utc>) -> (Uuid, Uuid) {
    let (a, b) = (rng.uuid_at(at), rng.uuid_at(at));
    if a < b { (a, b) } else { (b, a) }
}

struct RecordSpec<'a> {
    case_id: Uuid,
    case_location: &'a str,
    matter: &'a str,
    domain: &'a str,
    party: &'a str,
    officers: &'a [Uuid],
    count: usize,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

fn make_records(rng: &mut Rng, spec: &RecordSpec<'_>) -> Vec<record::Model> {
    let span_secs = (spec.until - spec.from).num_seconds().max(spec.count as i64 * 120);
    let gap = span_secs / (spec.count as i64 + 1);
    let mut out: Vec<record::Model> = Vec::with_capacity(spec.count);
    // Paperwork cases (bid rigging, provident fund) have no site to photograph.
    let desk_work = matches!(spec.domain, "招投标" | "公积金");
    let later_kinds: &[RecordKind] = if desk_work {
        &[RecordKind::Interview, RecordKind::Document, RecordKind::Document, RecordKind::Note]
    } else {
        &[
            RecordKind::Interview,
            RecordKind::Photo,
            RecordKind::Photo,
            RecordKind::Document,
            RecordKind::Video,
            RecordKind::Note,
        ]
    };
    let mut previous: Option<String> = None;
    let mut last_submitted = spec.from;
    for i in 0..spec.count {
        let kind = if i == 0 { RecordKind::Inspection } else { *rng.pick(later_kinds) };
        // Evenly spread over the window, moved into office hours of the same day when that
        // keeps the order. Whole seconds: the chain hashes the times exactly, and
        // every backend stores seconds exactly.
        let slot_start = spec.from + TimeDelta::seconds(gap * (i as i64 + 1));
        let slot_end = spec.from + TimeDelta::seconds(gap * (i as i64 + 2));
        let office = office_time(rng, local_date(slot_start));
        let recorded_at = if office > last_submitted && office + TimeDelta::hours(1) < slot_end.min(spec.until) {
            office
        } else {
            slot_start
        };
        // Submitted before the next one is recorded, so `seq` is also the submission order.
        let submitted_at = recorded_at + TimeDelta::seconds(rng.range(30, 1800).min(gap / 3).max(1));
        last_submitted = submitted_at;
        let submitted_by = spec.officers.get(i % spec.officers.len().max(1)).copied().unwrap_or_default();
        let (content, attachment) = record_content(rng, kind, spec);
        let attachment_sha256 = attachment.as_ref().map(|a| a.sha256.clone());
        let id = rng.uuid_at(submitted_at);
        let seq = i as i32 + 1;
        let mut record = record::Model {
            id,
            case_id: spec.case_id,
            seq,
            kind,
            content,
            recorded_at,
            submitted_at,
            submitted_by,
            idempotency_key: format!("demo-{id}"),
            attachment_sha256,
            attachment_media_type: attachment.as_ref().map(|a| a.media_type.to_string()),
            attachment_size_bytes: attachment.as_ref().map(|a| a.size),
            attachment_uri: attachment.map(|a| a.uri),
            attachment_personal: None,
            corrects_record_id: None,
            previous_hash: previous.take(),
            hash: String::new(),
            hash_version: 0,
        };
        // Sealed as `submitRecord` seals: one rule for the hash.
        chain::seal(&mut record);
        let hash = record.hash.clone();
        out.push(record);
        previous = Some(hash);
    }
    out
}

struct Attachment {
    sha256: String,
    media_type: &'static str,
    size: i64,
    uri: String,
}

fn attachment(rng: &mut Rng, case_id: Uuid, media_type: &'static str, size: i64) -> Attachment {
    let ext = match media_type {
        "image/jpeg" => "jpg",
        "video/mp4" => "mp4",
        _ => "pdf",
    };
    let name = rng.hex(8);
    let uri = format!("https://evidence.dongtou.example/{case_id}/{name}.{ext}");
    let sha256 = hex::encode(Sha256::digest(uri.as_bytes()));
    Attachment { sha256, media_type, size, uri }
}

fn record_content(rng: &mut Rng, kind: RecordKind, spec: &RecordSpec<'_>) -> (String, Option<Attachment>) {
    let (place, act, party) = (spec.case_location, spec.matter, spec.party);
    match kind {
        RecordKind::Inspection if spec.domain == "招投标" => (
            format!(
                "调查笔录：执法人员出示执法证件，调取当事人{party}的投标文件、开标记录及电子投标文件制作信息，核查涉嫌{act}的事实。"
            ),
            None,
        ),
        RecordKind::Inspection if spec.domain == "公积金" => (
            format!(
                "调查笔录：执法人员出示执法证件，至当事人{party}经营场所调取职工名册、劳动合同及工资发放记录，核查住房公积金缴存情况。"
            ),
            None,
        ),
        RecordKind::Inspection => (
            format!(
                "现场检查笔录：执法人员出示执法证件，对{place}进行检查，发现当事人{party}涉嫌{act}，现场已拍照取证。"
            ),
            None,
        ),
        RecordKind::Interview => {
            (format!("询问笔录：当事人{party}对{act}的基本事实无异议，称系对相关规定不了解，愿意配合整改。"), None)
        }
        RecordKind::Photo => {
            let n = rng.range(2, 12);
            let size = rng.range(300_000, 4_000_000);
            (
                format!("现场照片{n}张，拍摄于{place}，反映{act}的现场情况。"),
                Some(attachment(rng, spec.case_id, "image/jpeg", size)),
            )
        }
        RecordKind::Video => {
            let (m, s) = (rng.range(1, 14), rng.range(0, 59));
            let size = rng.range(8_000_000, 120_000_000);
            (
                format!("执法记录仪视频，时长{m}分{s:02}秒，记录{place}现场检查全过程。"),
                Some(attachment(rng, spec.case_id, "video/mp4", size)),
            )
        }
        RecordKind::Document => {
            let title = match spec.domain {
                "林业" => "林木蓄积及价值鉴定意见书",
                "招投标" => "投标文件雷同性比对报告及开标记录",
                "公积金" => "单位职工名册及住房公积金缴存明细",
                "城乡规划" => "违法建设测绘报告",
                _ => "责令改正通知书及送达回证",
            };
            let size = rng.range(80_000, 2_500_000);
            (format!("{title}（{party}）。"), Some(attachment(rng, spec.case_id, "application/pdf", size)))
        }
        _ => (format!("办案说明：已告知当事人{party}整改要求，承办人复查{place}。"), None),
    }
}
