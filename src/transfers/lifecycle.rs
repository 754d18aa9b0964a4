//! The transfer state machine of rules.md ("Transfer states"): a PENDING request ends exactly
//! once, accepted, rejected or returned by the receiver, or withdrawn by the sender. Every
//! write is one transaction that also appends the case events; the caller publishes the
//! returned events after the commit.

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{
    CaseStatus, DepartmentKind, HearingState, Procedure, ReviewState, Role, TransferCategory, TransferStatus,
};
use entity::{case, case_event, department, matter, matter_empowerment, party, transfer, transfer_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::service;
use crate::auth::{Principal, visibility};
use crate::calendar::{Calendar, local_date};
use crate::cases::lifecycle::{self as cases, NewParty};
use crate::cases::timers;
use crate::error::{AppError, AppResult};
use crate::events::{self, EventDetail, NewEvent};

/// `requestTransfer`, parsed.
#[derive(Debug, Clone)]
pub struct RequestTransfer {
    pub to_department_id: Uuid,
    pub category: TransferCategory,
    pub subject: String,
    pub facts: String,
    pub case_id: Option<Uuid>,
    pub party: Option<NewParty>,
    pub matter_code: Option<String>,
    /// R6+: the act's dates, kept by the case an acceptance files.
    pub occurred_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The RETURNED request of the same sender this one resubmits.
    pub replaces_transfer_id: Option<Uuid>,
}

/// `acceptTransfer`, parsed.
#[derive(Debug, Clone, Default)]
pub struct AcceptTransfer {
    pub note: Option<String>,
    pub matter_code: Option<String>,
    pub officer_ids: Option<Vec<Uuid>>,
}

/// The receiver's two ways of saying no (rules.md, "Transfer states").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not its competence: `REJECTED`.
    Reject,
    /// Materials incomplete, the sender may send a new request: `RETURNED`.
    Return,
}

impl Refusal {
    fn status(self) -> TransferStatus {
        match self {
            Refusal::Reject => TransferStatus::Rejected,
            Refusal::Return => TransferStatus::Returned,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Refusal::Reject => "rejectTransfer",
            Refusal::Return => "returnTransfer",
        }
    }
}

/// A written transfer and the events to publish after the commit: case events, and events of
/// the transfer's own timeline when no case carries them (`events::transfer`).
#[derive(Debug)]
pub struct Written {
    pub transfer: transfer::Model,
    pub events: Vec<case_event::Model>,
    pub transfer_events: Vec<transfer_event::Model>,
}

impl Written {
    fn new(transfer: transfer::Model, events: Vec<case_event::Model>) -> Self {
        Self { transfer, events, transfer_events: Vec::new() }
    }
}

/// Microseconds, the precision both backends keep.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}

/// Subjects become case titles, which hold 200 characters.
const SUBJECT_MAX_CHARS: usize = 200;

/// Who may send: a liaison for its line department, the bureau for its own cases (R8: e.g.
/// suspected crime), a town team for hearing-level cases (R7).
fn may_send(p: &Principal) -> bool {
    p.has(Role::DepartmentLiaison) || p.has(Role::BureauOfficer) || p.has(Role::TownOfficer)
}

fn is_sender(p: &Principal, t: &transfer::Model) -> bool {
    p.department_id == t.from_department_id && may_send(p)
}

/// The receiver answers through its officers (they file the case an acceptance opens); a line
/// department, which has no enforcement officers here, answers through its liaison.
fn is_receiver(p: &Principal, t: &transfer::Model) -> bool {
    p.department_id == t.to_department_id
        && (p.has(Role::BureauOfficer) || p.has(Role::TownOfficer) || p.has(Role::DepartmentLiaison))
}

/// rules.md: every move but from PENDING is `CONFLICT`; the four end states are final.
fn require_pending(t: &transfer::Model, verb: &str) -> AppResult<()> {
    if t.status != TransferStatus::Pending {
        return Err(AppError::Conflict(format!(
            "the transfer is {} and cannot be {verb}: only a PENDING transfer can",
            t.status.as_str()
        )));
    }
    Ok(())
}

/// Trimmed, non-empty text, at most `max` characters.
fn required(field: &str, value: &str, max: Option<usize>) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, "required, and may not be blank"));
    }
    if let Some(max) = max.filter(|m| value.chars().count() > *m) {
        return Err(AppError::bad_input(field, format!("at most {max} characters")));
    }
    Ok(value.to_string())
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

async fn matter_by_code(txn: &impl ConnectionTrait, code: &str) -> AppResult<matter::Model> {
    matter::Entity::find()
        .filter(matter::Column::Code.eq(code))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::bad_input("matterCode", "no such matter"))
}

/// Writes the transfer's end state. The row is locked (`service::get_for_update`), and the
/// update is guarded by the old status and version as well, so of two answers racing on any
/// backend exactly one writes and the other is `CONFLICT`.
async fn finish(
    txn: &DatabaseTransaction,
    before: &transfer::Model,
    mut after: transfer::Model,
) -> AppResult<transfer::Model> {
    after.version = before.version + 1;
    let mut active = after.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = transfer::Entity::update_many()
        .set(active)
        .filter(transfer::Column::Id.eq(before.id))
        .filter(transfer::Column::Status.eq(TransferStatus::Pending))
        .filter(transfer::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict("the transfer was answered meanwhile; reload it".into()));
    }
    Ok(after)
}

/// Appends a transfer event to the sender's case, if the transfer carries one, so the sender
/// follows the transfer on its own timeline (rules.md). The case itself does not change, so
/// the event carries its current version.
async fn sender_case_event(
    txn: &DatabaseTransaction,
    p: &Principal,
    t: &transfer::Model,
    at: DateTime<Utc>,
    detail: EventDetail,
) -> AppResult<Option<case_event::Model>> {
    let Some(case_id) = t.case_id else {
        return Ok(None);
    };
    let case = case::Entity::find_by_id(case_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(format_args!("transfer {} without its case", t.id)))?;
    let event = events::append(
        txn,
        NewEvent {
            case_id,
            at,
            actor_id: Some(p.user_id),
            transfer_id: Some(t.id),
            record_id: None,
            case_version: case.version,
            detail,
        },
    )
    .await?;
    Ok(Some(event))
}

/// The sender's side of a transfer change: an event on the sender's case when the transfer
/// hands one over, else (a fresh referral) an event on the transfer's own timeline, so the
/// sender is told of every change (rules.md, "Transfer states"; api.md: "also when no case
/// exists").
async fn sender_event(
    txn: &DatabaseTransaction,
    p: &Principal,
    t: &transfer::Model,
    at: DateTime<Utc>,
    detail: EventDetail,
) -> AppResult<Written> {
    let mut written = Written::new(t.clone(), Vec::new());
    if t.case_id.is_some() {
        written.events.extend(sender_case_event(txn, p, t, at, detail).await?);
    } else {
        written.transfer_events.push(events::transfer::append(txn, t, at, Some(p.user_id), None, detail).await?);
    }
    Ok(written)
}

/// Whether a case's status still allows it to be handed over: FILED or INVESTIGATING (rules.md,
/// case states), and for a town team's case also NOTICE_SERVED (R7+: a town case that reaches
/// hearing level goes to the bureau once the notice shows it).
fn may_hand_over(case: &case::Model, sender_kind: DepartmentKind) -> bool {
    matches!(case.status, CaseStatus::Filed | CaseStatus::Investigating)
        || (sender_kind == DepartmentKind::TownTeam && case.status == CaseStatus::NoticeServed)
}

/// The act's dates as given: never in the future, and a continuing act ends after it began.
fn check_act_dates(
    occurred_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if occurred_at.is_some_and(|o| o > now) {
        return Err(AppError::bad_input("occurredAt", "the act cannot lie in the future"));
    }
    if let Some(ended) = ended_at {
        let Some(occurred) = occurred_at else {
            return Err(AppError::bad_input("occurredAt", "a continuing act's end needs its beginning"));
        };
        if ended < occurred {
            return Err(AppError::bad_input("endedAt", "a continuing act ends after it began"));
        }
        if ended > now {
            return Err(AppError::bad_input("endedAt", "the act cannot end in the future"));
        }
    }
    Ok(())
}

/// `requestTransfer`: a PENDING transfer from the caller's department.
pub async fn request_transfer(db: &DatabaseConnection, p: &Principal, input: RequestTransfer) -> AppResult<Written> {
    if !may_send(p) {
        return Err(AppError::Forbidden(
            "transfers are requested by department liaisons, bureau officers and town officers".into(),
        ));
    }
    let subject = required("subject", &input.subject, Some(SUBJECT_MAX_CHARS))?;
    let facts = required("facts", &input.facts, None)?;
    if input.to_department_id == p.department_id {
        return Err(AppError::bad_input("toDepartmentId", "a department does not transfer to itself"));
    }
    let party = match (input.case_id, input.party) {
        (None, None) => {
            return Err(AppError::bad_input("party", "a transfer without a case names its party (当事人)"));
        }
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input("party", "a transferred case brings its own party: leave party out"));
        }
        (_, party) => party,
    };
    let now = Utc::now();
    let today = local_date(now);
    check_act_dates(input.occurred_at, input.ended_at, now)?;

    let txn = crate::db::begin_write(db).await?;
    if let Some(old) = input.replaces_transfer_id {
        // A resubmission names a RETURNED request of the same sender (rules.md: "the sender may
        // send a new request"); anything else, seen or not, is the same refusal.
        let replaced = match service::get(&txn, p, today, old).await {
            Ok(t) => Some(t),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        if !replaced.is_some_and(|r| r.status == TransferStatus::Returned && r.from_department_id == p.department_id) {
            return Err(AppError::bad_input(
                "replacesTransferId",
                "a resubmission replaces a RETURNED transfer sent by your department",
            ));
        }
    }
    let to = department::Entity::find_by_id(input.to_department_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("toDepartmentId", "no such department"))?;
    let proposed_matter = match optional(input.matter_code) {
        Some(code) => Some(matter_by_code(&txn, &code).await?.code),
        None => None,
    };

    let (case, party_id) = match (input.case_id, party) {
        (Some(case_id), _) => {
            // Locked, so two requests for one case run one after the other and the second
            // sees the first's PENDING transfer.
            let case = case::Entity::find_by_id(case_id)
                .filter(visibility::cases(p, today))
                .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::not_found("case"))?;
            if case.department_id != p.department_id {
                return Err(AppError::Forbidden("only the owning department transfers its case out".into()));
            }
            // R8: a case that came in by transfer is accepted, rejected or returned, never
            // passed on.
            if case.source_transfer_id.is_some() {
                return Err(AppError::bad_input(
                    "caseId",
                    "this case came in by transfer and may not be transferred on (R8)",
                ));
            }
            // rules.md, case states: FILED|INVESTIGATING -> TRANSFERRED_OUT; R7+: a town case
            // also from NOTICE_SERVED.
            if !may_hand_over(&case, p.department_kind) {
                return Err(AppError::Conflict(format!(
                    "a {} case can no longer be transferred out: only a FILED or INVESTIGATING one \
                     (a town team's also NOTICE_SERVED, R7+)",
                    case.status.as_str()
                )));
            }
            let pending = transfer::Entity::find()
                .filter(transfer::Column::CaseId.eq(case.id))
                .filter(transfer::Column::Status.eq(TransferStatus::Pending))
                .count(&txn)
                .await?;
            if pending > 0 {
                return Err(AppError::Conflict(
                    "this case already has a PENDING transfer: wait for its answer or withdraw it".into(),
                ));
            }
            let party_id = case.party_id;
            (Some(case), party_id)
        }
        (None, Some(party)) => {
            // R10: the party was validated when parsed (NewParty).
            let party = party.into_model(now);
            party::Entity::insert(party.clone().into_active_model()).exec_without_returning(&txn).await?;
            (None, party.id)
        }
        (None, None) => return Err(AppError::internal("transfer without case or party")),
    };

    let model = transfer::Model {
        id: Uuid::now_v7(),
        from_department_id: p.department_id,
        to_department_id: to.id,
        category: input.category,
        status: TransferStatus::Pending,
        subject,
        facts,
        case_id: case.as_ref().map(|c| c.id),
        party_id: Some(party_id),
        // A handed-over case proposes its own matter (a town's hearing-level case under R7
        // stays in its matter at the bureau); the receiver may name another on acceptance.
        matter_code: proposed_matter.or_else(|| case.as_ref().map(|c| c.matter_code.clone())),
        resulting_case_id: None,
        requested_at: now,
        requested_by: Some(p.user_id),
        answered_at: None,
        answered_by: None,
        reason: None,
        note: None,
        version: 1,
        // A handed-over case brings its own act dates unless the request names them.
        occurred_at: input.occurred_at.map(micros).or_else(|| case.as_ref().map(|c| c.occurred_at)),
        ended_at: input.ended_at.map(micros).or_else(|| case.as_ref().and_then(|c| c.ended_at)),
        replaces_transfer_id: input.replaces_transfer_id,
    };
    transfer::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await?;
    let detail = EventDetail::transfer_requested(model.id, &to.code, model.category);
    let written = sender_event(&txn, p, &model, now, detail).await?;
    let mut targets = vec![model.id];
    targets.extend(model.case_id);
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:requestTransfer",
        &targets,
        serde_json::json!({
            "transferId": model.id.to_string(),
            "toDepartment": to.code,
            "replaces": model.replaces_transfer_id.map(|r| r.to_string()),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(written)
}

/// `acceptTransfer`: files the receiver's case and links it, in one transaction; a
/// handed-over case of the sender becomes TRANSFERRED_OUT (R8).
pub async fn accept_transfer(
    db: &DatabaseConnection,
    cal: &Calendar,
    p: &Principal,
    id: Uuid,
    input: AcceptTransfer,
) -> AppResult<Written> {
    let now = Utc::now();
    let today = local_date(now);
    let txn = crate::db::begin_write(db).await?;
    let before = service::get_for_update(&txn, p, today, id).await?;
    if !is_receiver(p, &before) {
        return Err(AppError::Forbidden("only officers of the receiving department answer a transfer".into()));
    }
    require_pending(&before, "accepted")?;

    let dept = cases::department(&txn, before.to_department_id).await?;
    let code = optional(input.matter_code).or_else(|| before.matter_code.clone()).ok_or_else(|| {
        AppError::bad_input("matterCode", "the transfer proposes no matter: name the one the case is filed under")
    })?;
    let matter = matter_by_code(&txn, &code).await?;

    let sender_case = match before.case_id {
        Some(case_id) => Some(
            case::Entity::find_by_id(case_id)
                .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::internal(format_args!("transfer {} without its case", before.id)))?,
        ),
        None => None,
    };
    // The sender kept working on its case while the transfer was pending; past
    // INVESTIGATING it can no longer become TRANSFERRED_OUT (rules.md, case states).
    let sender_kind = cases::department(&txn, before.from_department_id).await?.kind;
    if let Some(c) = sender_case.as_ref().filter(|c| !may_hand_over(c, sender_kind)) {
        return Err(AppError::Conflict(format!(
            "the sender's case is now {} and can no longer be transferred out: reject or return the transfer",
            c.status.as_str()
        )));
    }

    let town = match (dept.kind, &dept.town) {
        (DepartmentKind::TownTeam, Some(own)) => {
            // R7: a town team files only in matters empowered to its town on the filing date.
            let empowerments = matter_empowerment::Entity::find()
                .filter(matter_empowerment::Column::MatterId.eq(matter.id))
                .all(&txn)
                .await?;
            if !crate::org::service::empowered_on(&empowerments, own, today) {
                return Err(AppError::bad_input(
                    "matterCode",
                    format!("this matter is not empowered to {own} today (R7)"),
                ));
            }
            Some(own.clone())
        }
        _ => sender_case.as_ref().and_then(|c| c.town.clone()),
    };

    let officer_ids = input.officer_ids.unwrap_or_else(|| vec![p.user_id]);
    if officer_ids.is_empty() {
        return Err(AppError::bad_input("officerIds", "a case has at least one officer"));
    }
    cases::officers(&txn, dept.id, &officer_ids).await?;

    // The receiver's case gets its own copy of the party: personal data lives in one row per
    // case, so masking and later corrections stay per case.
    let source_party = before.party_id.or(sender_case.as_ref().map(|c| c.party_id));
    let source_party = match source_party {
        Some(pid) => party::Entity::find_by_id(pid).one(&txn).await?,
        None => None,
    }
    .ok_or_else(|| AppError::internal(format_args!("transfer {} without a party", before.id)))?;
    let party = party::Model { id: Uuid::now_v7(), created_at: now, ..source_party };
    party::Entity::insert(party.clone().into_active_model()).exec_without_returning(&txn).await?;

    // R6+: the case keeps the act's dates of the request (or of the handed-over case), and
    // the limitation period is checked again on the acceptance date.
    let serious_harm = sender_case.as_ref().is_some_and(|c| c.serious_harm);
    let occurred_at = before.occurred_at.or(sender_case.as_ref().map(|c| c.occurred_at));
    let ended_at = before.ended_at.or(sender_case.as_ref().and_then(|c| c.ended_at));
    if let Some(occurred) = occurred_at {
        // Acceptance files the case: the filing's rule, on the transfer's fields.
        cases::check_limitation((occurred, ended_at), serious_harm, now, "")?;
    }

    let case_no = cases::next_case_no(&txn, &dept, today.year()).await?;
    let mut filed = case::Model {
        id: Uuid::now_v7(),
        search_text: format!("{} {}", case_no, before.subject).to_lowercase(),
        case_no,
        title: before.subject.clone(),
        procedure: Procedure::General,
        status: CaseStatus::Filed,
        version: 1,
        party_id: party.id,
        department_id: dept.id,
        town,
        matter_id: matter.id,
        matter_code: matter.code.clone(),
        major: sender_case.as_ref().is_some_and(|c| c.major),
        serious_harm,
        fine_fen: None,
        notice_fine_fen: None,
        hearing_level: false,
        hearing_state: HearingState::None,
        review_state: ReviewState::None,
        // Without act dates (a request made before R6+), the request's time, as before.
        occurred_at: occurred_at.unwrap_or(before.requested_at),
        ended_at,
        location: sender_case.as_ref().and_then(|c| c.location.clone()),
        facts: before.facts.clone(),
        filed_at: now,
        decision_extension_days: 0,
        notice_served_at: None,
        decided_at: None,
        delivered_at: None,
        paid_at: None,
        published_at: None,
        closed_at: None,
        penalties: String::new(),
        notice_penalties: String::new(),
        confiscation_fen: None,
        statement_due: None,
        statement_recorded_at: None,
        paid_fen: 0,
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
        // R8: marks the case as received, so it is never transferred on.
        source_transfer_id: Some(before.id),
        created_by: Some(p.user_id),
        updated_at: now,
    };
    timers::refresh(cal, &mut filed);
    case::Entity::insert(filed.clone().into_active_model()).exec_without_returning(&txn).await?;
    cases::set_officers(&txn, filed.id, &officer_ids, now).await?;

    let note = optional(input.note);
    let mut out = Vec::new();
    let new_case_event = |detail| NewEvent {
        case_id: filed.id,
        at: now,
        actor_id: Some(p.user_id),
        transfer_id: Some(before.id),
        record_id: None,
        case_version: filed.version,
        detail,
    };
    out.push(
        events::append(
            &txn,
            new_case_event(EventDetail::filed(
                Some(&filed.case_no),
                filed.procedure,
                filed.status,
                Some(before.id),
                filed.fine_fen,
            )),
        )
        .await?,
    );
    let answered = EventDetail::transfer_accepted(before.id, filed.id, note.clone());
    out.push(events::append(&txn, new_case_event(answered.clone())).await?);
    // The sender's materials enter the new case's record chain, in their order (R11).
    out.extend(super::materials::carry_into_case(&txn, p, &before, &filed).await?);

    if let Some(old) = &sender_case {
        // R8: the handed-over case leaves the sender's workload; its timers stop.
        let mut gone = old.clone();
        gone.status = CaseStatus::TransferredOut;
        gone.version = old.version + 1;
        gone.updated_at = now;
        timers::refresh(cal, &mut gone);
        let mut active = gone.clone().into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::NotSet;
        let result = case::Entity::update_many()
            .set(active)
            .filter(case::Column::Id.eq(old.id))
            .filter(case::Column::Version.eq(old.version))
            .exec(&txn)
            .await?;
        if result.rows_affected != 1 {
            return Err(AppError::Conflict("the sender's case changed meanwhile; retry".into()));
        }
        let detail = answered.moving(old.status, gone.status);
        out.push(
            events::append(
                &txn,
                NewEvent {
                    case_id: gone.id,
                    at: now,
                    actor_id: Some(p.user_id),
                    transfer_id: Some(before.id),
                    record_id: None,
                    case_version: gone.version,
                    detail,
                },
            )
            .await?,
        );
    }

    let after = transfer::Model {
        status: TransferStatus::Accepted,
        resulting_case_id: Some(filed.id),
        answered_at: Some(now),
        answered_by: Some(p.user_id),
        note,
        ..before.clone()
    };
    let after = finish(&txn, &before, after).await?;
    let mut targets = vec![after.id, filed.id];
    targets.extend(after.case_id);
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:acceptTransfer",
        &targets,
        serde_json::json!({ "transferId": after.id.to_string(), "caseNo": filed.case_no }),
    )
    .await?;
    txn.commit().await?;
    Ok(Written::new(after, out))
}

/// `rejectTransfer` / `returnTransfer`: the receiver says no, with its reason.
pub async fn refuse_transfer(
    db: &DatabaseConnection,
    p: &Principal,
    id: Uuid,
    how: Refusal,
    reason: &str,
) -> AppResult<Written> {
    let reason = required("reason", reason, None)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let before = service::get_for_update(&txn, p, local_date(now), id).await?;
    if !is_receiver(p, &before) {
        return Err(AppError::Forbidden("only officers of the receiving department answer a transfer".into()));
    }
    require_pending(&before, if how == Refusal::Reject { "rejected" } else { "returned" })?;
    let after = transfer::Model {
        status: how.status(),
        reason: Some(reason.clone()),
        answered_at: Some(now),
        answered_by: Some(p.user_id),
        ..before.clone()
    };
    let after = finish(&txn, &before, after).await?;
    let detail = EventDetail::transfer_refused(after.id, after.status, reason);
    let written = sender_event(&txn, p, &after, now, detail).await?;
    crate::audit::write(
        &txn,
        Some(p),
        &format!("mutation:{}", how.action()),
        &[after.id],
        serde_json::json!({ "status": after.status.as_str() }),
    )
    .await?;
    txn.commit().await?;
    Ok(written)
}

/// `withdrawTransfer`: the sender takes back a request that is still PENDING.
pub async fn withdraw_transfer(db: &DatabaseConnection, p: &Principal, id: Uuid) -> AppResult<Written> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let before = service::get_for_update(&txn, p, local_date(now), id).await?;
    if !is_sender(p, &before) {
        return Err(AppError::Forbidden("only the sending department withdraws a transfer".into()));
    }
    require_pending(&before, "withdrawn")?;
    // Not an answer: `answeredAt` stays empty; the timeline and the audit trail keep the time.
    let after = transfer::Model { status: TransferStatus::Withdrawn, ..before.clone() };
    let after = finish(&txn, &before, after).await?;
    // The sender's timeline shows the transfer ended; CaseEventKind has no kind of its own for
    // a withdrawal, and the fixed enum of api.md is not widened for it.
    let detail = EventDetail::transfer_withdrawn(after.id);
    let written = sender_event(&txn, p, &after, now, detail).await?;
    crate::audit::write(&txn, Some(p), "mutation:withdrawTransfer", &[after.id], serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(written)
}
