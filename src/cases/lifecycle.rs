//! Filing, updating and moving cases through the state machine of rules.md, enforcing
//! R1–R7 where they apply. Each write is one transaction that also appends the case's event;
//! the caller publishes the returned events after the commit.

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{CaseStatus, DepartmentKind, HearingState, PartyKind, PenaltyKind, Procedure, ReviewState, Role};
use entity::{case, case_event, case_officer, department, matter, matter_empowerment, party, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use super::{penalties, timers};
use crate::auth::{Principal, visibility};
use crate::calendar::{Calendar, local_date};
use crate::config::Rules;
use crate::domain::{CreditCode, IdNumber, Yuan};
use crate::error::{AppError, AppResult};
use crate::events::{self, EventDetail, NewEvent};

/// A party as given, validated (R10).
#[derive(Debug, Clone)]
pub struct NewParty {
    pub kind: PartyKind,
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub credit_code: Option<CreditCode>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

impl NewParty {
    /// `prefix` is the input path of the party (`input.party`), for error fields.
    pub fn parse(
        prefix: &str,
        kind: PartyKind,
        name: &str,
        id_number: Option<&str>,
        credit_code: Option<&str>,
        phone: Option<&str>,
        address: Option<&str>,
    ) -> AppResult<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::bad_input(format!("{prefix}.name"), "a name of 1 to 200 characters is required"));
        }
        fn blank(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let id_number = blank(id_number)
            .map(|s| IdNumber::parse(s).map_err(|m| AppError::bad_input(format!("{prefix}.idNumber"), m)))
            .transpose()?;
        let credit_code = blank(credit_code)
            .map(|s| CreditCode::parse(s).map_err(|m| AppError::bad_input(format!("{prefix}.creditCode"), m)))
            .transpose()?;
        if kind == PartyKind::Person && credit_code.is_some() {
            return Err(AppError::bad_input(
                format!("{prefix}.creditCode"),
                "a person has an ID number, not a credit code",
            ));
        }
        if kind == PartyKind::Organization && id_number.is_some() {
            return Err(AppError::bad_input(
                format!("{prefix}.idNumber"),
                "an organisation has a credit code, not an ID number",
            ));
        }
        let phone = blank(phone).map(str::to_string);
        let phone_ok = |p: &String| p.len() <= 20 && p.chars().all(|c| c.is_ascii_digit() || "-+ ".contains(c));
        if phone.as_ref().is_some_and(|p| !phone_ok(p)) {
            return Err(AppError::bad_input(format!("{prefix}.phone"), "not a phone number"));
        }
        Ok(Self {
            kind,
            name: name.to_string(),
            id_number,
            credit_code,
            phone,
            address: blank(address).map(str::to_string),
        })
    }

    pub fn into_model(self, now: DateTime<Utc>) -> party::Model {
        party::Model {
            id: Uuid::now_v7(),
            kind: self.kind,
            name: self.name,
            id_number: self.id_number.map(|i| i.as_str().to_string()),
            credit_code: self.credit_code.map(|c| c.as_str().to_string()),
            phone: self.phone,
            address: self.address,
            created_at: now,
        }
    }
}

/// `fileCase`, parsed.
#[derive(Debug, Clone)]
pub struct FileCase {
    pub title: String,
    pub procedure: Procedure,
    pub matter_code: String,
    pub party: NewParty,
    pub town: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub serious_harm: bool,
    pub major: bool,
    pub location: Option<String>,
    pub facts: String,
    pub fine: Option<Yuan>,
    pub officer_ids: Option<Vec<Uuid>>,
    /// R14: when the filing happened (default now).
    pub effective_at: Option<DateTime<Utc>>,
}

/// What a transition carries.
#[derive(Debug, Clone, Default)]
pub struct TransitionArgs {
    pub fine: Option<Yuan>,
    pub note: Option<String>,
    pub major: Option<bool>,
    /// EXEMPT: the corrected rectification notice the exemption rests on (else the case's
    /// latest corrected one).
    pub rectification_notice_id: Option<Uuid>,
    /// R13: the penalty kinds of a notice or decision (default by the fine).
    pub penalties: Option<Vec<PenaltyKind>>,
    pub confiscation: Option<Yuan>,
    /// R14: when the action happened (default now).
    pub effective_at: Option<DateTime<Utc>>,
    /// CANCEL: why the filing is cancelled.
    pub reason: Option<String>,
}

/// `updateCase`, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateCase {
    pub title: Option<String>,
    pub facts: Option<String>,
    pub location: Option<String>,
    pub major: Option<bool>,
    pub serious_harm: Option<bool>,
    pub officer_ids: Option<Vec<Uuid>>,
    /// APL 60: extra days on T1, recorded with a reason.
    pub extend_decision_days: Option<i32>,
    pub note: Option<String>,
    /// Corrections before the decision (re-checking R1, R6, R7, R12).
    pub party: Option<NewParty>,
    pub matter_code: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// An action on the state machine (the GraphQL `CaseAction`).
pub use entity::enums::CaseAction as Action;

/// The state machine: the status an action leads to from `from`, or `None` when the action is
/// not allowed there (`CONFLICT`). Preconditions (R2–R5) are checked separately.
pub fn next_status(procedure: Procedure, from: CaseStatus, action: Action) -> Option<CaseStatus> {
    use Action::*;
    use CaseStatus::*;
    if procedure == Procedure::Simple {
        return match (from, action) {
            (Decided, Deliver) => Some(Delivered),
            (Delivered, Close) => Some(Closed),
            (Delivered, RequestEnforcement) => Some(Delivered),
            _ => None,
        };
    }
    match (from, action) {
        (Filed, Investigate) => Some(Investigating),
        // A new notice may be served to raise the penalty (R5).
        (Investigating | NoticeServed | Hearing, ServeNotice) => Some(NoticeServed),
        (NoticeServed, RequestHearing) => Some(Hearing),
        (Hearing, HoldHearing) => Some(Hearing),
        (NoticeServed | Hearing, WaiveHearing) => Some(NoticeServed),
        (NoticeServed | Hearing, SubmitForReview) => Some(LegalReview),
        (LegalReview, ApproveReview) => Some(LegalReview),
        (LegalReview, RejectReview) => Some(Investigating),
        (NoticeServed | Hearing | LegalReview, Decide) => Some(Decided),
        (Decided, Deliver) => Some(Delivered),
        (Delivered | NotPenalized, Close) => Some(Closed),
        (Filed | Investigating, Exempt) => Some(NotPenalized),
        // R3+: the party's statement and defence (or its waiver); the status stays.
        (NoticeServed | Hearing | LegalReview, RecordStatement) => Some(from),
        // 撤销立案.
        (Filed | Investigating | NoticeServed, Cancel) => Some(Cancelled),
        // R15: 申请法院强制执行; the status stays.
        (Delivered, RequestEnforcement) => Some(Delivered),
        _ => None,
    }
}

/// Hearing level (APL 63): a fine at or above the configured figure for the party's kind.
pub fn hearing_level(rules: &Rules, kind: PartyKind, fine: Option<Yuan>) -> bool {
    let threshold = match kind {
        PartyKind::Person => rules.hearing_person_fen,
        PartyKind::Organization => rules.hearing_org_fen,
    };
    fine.is_some_and(|f| f.fen() >= threshold)
}

pub(crate) fn is_case_worker(p: &Principal, dept: Uuid) -> bool {
    p.department_id == dept && (p.has(Role::BureauOfficer) || p.has(Role::TownOfficer))
}

pub(crate) async fn department(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<department::Model> {
    department::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(format_args!("missing department {id}")))
}

/// Takes the next number of a department's yearly series. The counter row is bumped inside
/// the caller's transaction, so a rollback gives the number back: no gaps, no duplicates.
pub async fn next_case_no(txn: &DatabaseTransaction, dept: &department::Model, year: i32) -> AppResult<String> {
    let backend = txn.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO counters (scope, year, value) VALUES ($1, $2, 1) \
                 ON CONFLICT (scope, year) DO UPDATE SET value = counters.value + 1 RETURNING value"
            }
            _ => {
                "INSERT INTO counters (scope, year, value) VALUES (?, ?, 1) \
                 ON CONFLICT (scope, year) DO UPDATE SET value = counters.value + 1 RETURNING value"
            }
        },
        [dept.code.clone().into(), year.into()],
    );
    let row = txn.query_one_raw(stmt).await?.ok_or_else(|| AppError::internal("counter returned no row"))?;
    let n: i64 = row.try_get_by_index(0)?;
    Ok(format!("{}罚〔{year}〕{n:04}号", dept.case_prefix))
}

/// Checks officer ids: active users of the case's department.
pub(crate) async fn officers(txn: &impl ConnectionTrait, dept: Uuid, ids: &[Uuid]) -> AppResult<Vec<user::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied())).all(txn).await?;
    for id in ids {
        let ok = found.iter().any(|u| u.id == *id && u.active && u.department_id == dept);
        if !ok {
            return Err(AppError::bad_input(
                "officerIds",
                "each officer must be an active user of the case's department",
            ));
        }
    }
    Ok(found)
}

pub(crate) async fn set_officers(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<()> {
    case_officer::Entity::delete_many().filter(case_officer::Column::CaseId.eq(case_id)).exec(txn).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids.iter().enumerate().map(|(i, id)| case_officer::ActiveModel {
        case_id: Set(case_id),
        user_id: Set(*id),
        // Keep the given order stable.
        assigned_at: Set(now + chrono::Duration::microseconds(i as i64)),
    });
    case_officer::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([case_officer::Column::CaseId, case_officer::Column::UserId]).do_nothing().to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// R6 (APL 36): no filing when the act ended more than 2 years (5 with serious harm) ago.
/// `filed_at` is the filing's time (R14: it may lie in the past), `prefix` the input path.
pub(crate) fn check_limitation(
    (occurred_at, ended_at): (DateTime<Utc>, Option<DateTime<Utc>>),
    serious_harm: bool,
    filed_at: DateTime<Utc>,
    prefix: &str,
) -> AppResult<()> {
    let now = Utc::now().max(filed_at);
    if occurred_at > now {
        return Err(AppError::bad_input(format!("{prefix}occurredAt"), "the act cannot lie in the future"));
    }
    if let Some(ended) = ended_at {
        if ended < occurred_at {
            return Err(AppError::bad_input(format!("{prefix}endedAt"), "a continuing act ends after it began"));
        }
        if ended > now {
            return Err(AppError::bad_input(format!("{prefix}endedAt"), "the act cannot end in the future"));
        }
    }
    let ended = ended_at.unwrap_or(occurred_at);
    let years = if serious_harm { 5 } else { 2 };
    let filed = local_date(filed_at);
    let limit = filed.with_year(filed.year() - years).unwrap_or(filed - chrono::Duration::days(365 * years as i64));
    if local_date(ended) < limit {
        let field = if ended_at.is_some() { "endedAt" } else { "occurredAt" };
        return Err(AppError::bad_input(
            format!("{prefix}{field}"),
            format!("the act ended more than {years} years before filing (APL 36): no penalty may be given"),
        ));
    }
    Ok(())
}

/// Files a case for the caller's department.
pub async fn file_case(
    db: &DatabaseConnection,
    cal: &Calendar,
    rules: &Rules,
    p: &Principal,
    input: FileCase,
) -> AppResult<(case::Model, Vec<case_event::Model>)> {
    if !(p.has(Role::BureauOfficer) || p.has(Role::TownOfficer)) {
        return Err(AppError::Forbidden("only bureau and town officers file cases".into()));
    }
    let recorded = Utc::now();
    // R14: the filing may be recorded after it happened; its dates count from then.
    let now = effective_at(rules, input.effective_at, recorded, None)?;
    let today = local_date(now);
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::bad_input("title", "a title of 1 to 200 characters is required"));
    }
    if input.facts.trim().is_empty() {
        return Err(AppError::bad_input("facts", "the facts are required"));
    }
    check_limitation((input.occurred_at, input.ended_at), input.serious_harm, now, "")?;
    // R1 (APL 51): simple procedure only for a warning or a small fine; a general case's fine
    // is decided later.
    match input.procedure {
        Procedure::Simple => {
            let cap = match input.party.kind {
                PartyKind::Person => rules.simple_cap_person_fen,
                PartyKind::Organization => rules.simple_cap_org_fen,
            };
            if input.fine.is_some_and(|f| f.fen() > cap) {
                return Err(AppError::bad_input(
                    "fineAmount",
                    format!("simple procedure allows at most {} yuan on this party (APL 51)", Yuan::from_fen(cap)),
                ));
            }
        }
        Procedure::General => {
            if input.fine.is_some() {
                return Err(AppError::bad_input(
                    "fineAmount",
                    "a general case's fine is set by SERVE_NOTICE and DECIDE",
                ));
            }
        }
    }

    let txn = crate::db::begin_write(db).await?;
    let dept = department(&txn, p.department_id).await?;
    let matter = matter::Entity::find()
        .filter(matter::Column::Code.eq(input.matter_code.trim()))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("matterCode", "no such matter"))?;
    if !matter.active {
        return Err(AppError::bad_input("matterCode", "this matter is no longer in the catalogue"));
    }

    let town = match (dept.kind, &dept.town) {
        (DepartmentKind::TownTeam, Some(own)) => {
            if input.town.as_deref().is_some_and(|t| t != own) {
                return Err(AppError::bad_input("town", format!("a town team files in its own town ({own})")));
            }
            // R7: only matters empowered to the town on the filing date.
            let empowerments = matter_empowerment::Entity::find()
                .filter(matter_empowerment::Column::MatterId.eq(matter.id))
                .all(&txn)
                .await?;
            if !crate::org::service::empowered_on(&empowerments, own, today) {
                return Err(AppError::bad_input("matterCode", format!("this matter is not empowered to {own} today")));
            }
            Some(own.clone())
        }
        _ => match input.town.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => {
                let known = department::Entity::find().filter(department::Column::Town.eq(t)).count(&txn).await? > 0;
                if !known {
                    return Err(AppError::bad_input("town", "not a town or street of the district"));
                }
                Some(t.to_string())
            }
            None => None,
        },
    };

    let officer_ids = input.officer_ids.clone().unwrap_or_else(|| vec![p.user_id]);
    officers(&txn, dept.id, &officer_ids).await?;
    let simple_kinds = if input.procedure == Procedure::Simple {
        // R13: a simple case is a WARNING or a FINE; R12: the fine lies in the matter's range;
        // R2+ (APL 52): the filing officer holds a certificate valid on the filing date.
        let fine = input.fine.map(Yuan::fen);
        let kinds = penalties::resolve(Procedure::Simple, None, fine, None)?;
        penalties::check_range(&matter, input.party.kind, fine)?;
        if certified_among(&txn, &[p.user_id], today).await? < 1 {
            return Err(AppError::bad_input(
                "officerIds",
                format!("the officer deciding on the spot needs an enforcement certificate valid on {today} (APL 52)"),
            ));
        }
        penalties::to_list(&kinds)
    } else {
        String::new()
    };

    let party = input.party.clone().into_model(now);
    party::Entity::insert(party.clone().into_active_model()).exec_without_returning(&txn).await?;

    let case_no = next_case_no(&txn, &dept, today.year()).await?;
    let simple = input.procedure == Procedure::Simple;
    let mut model = case::Model {
        id: Uuid::now_v7(),
        search_text: format!("{} {}", case_no, title).to_lowercase(),
        case_no,
        title,
        procedure: input.procedure,
        // A simple case is decided on the spot (APL 51–52).
        status: if simple { CaseStatus::Decided } else { CaseStatus::Filed },
        version: 1,
        party_id: party.id,
        department_id: dept.id,
        town,
        matter_id: matter.id,
        matter_code: matter.code.clone(),
        major: input.major,
        serious_harm: input.serious_harm,
        fine_fen: if simple { Some(input.fine.unwrap_or(Yuan::ZERO).fen()) } else { None },
        notice_fine_fen: None,
        hearing_level: false,
        hearing_state: HearingState::None,
        review_state: ReviewState::None,
        occurred_at: input.occurred_at,
        ended_at: input.ended_at,
        location: input.location.map(|l| l.trim().to_string()).filter(|l| !l.is_empty()),
        facts: input.facts.trim().to_string(),
        filed_at: now,
        decision_extension_days: 0,
        notice_served_at: None,
        decided_at: simple.then_some(now),
        delivered_at: None,
        paid_at: None,
        published_at: None,
        closed_at: None,
        penalties: simple_kinds,
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
        source_transfer_id: None,
        created_by: Some(p.user_id),
        updated_at: recorded,
    };
    timers::refresh(cal, &mut model);
    case::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await?;
    set_officers(&txn, model.id, &officer_ids, now).await?;
    let event = events::append(
        &txn,
        NewEvent {
            case_id: model.id,
            at: recorded,
            actor_id: Some(p.user_id),
            transfer_id: None,
            record_id: None,
            case_version: model.version,
            detail: EventDetail::filed(Some(&model.case_no), model.procedure, model.status, None, model.fine_fen),
        },
    )
    .await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:fileCase",
        &[model.id],
        serde_json::json!({
            "caseNo": model.case_no,
            "effectiveAt": now.to_rfc3339(),
            "recordedAt": recorded.to_rfc3339(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok((model, vec![event]))
}

/// Loads a case for a write, locked (PostgreSQL `FOR NO KEY UPDATE`, which leaves inserts that reference the row unblocked; SQLite's `BEGIN IMMEDIATE`
/// already holds the write lock), if the caller may see it.
pub(crate) async fn load_for_write(txn: &DatabaseTransaction, p: &Principal, id: Uuid) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(visibility::cases(p, local_date(Utc::now())))
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("case"))
}

/// A stale `expectedVersion` is a conflict (checked after permissions, so a reader who may
/// not act learns that first).
fn check_version(case: &case::Model, expected_version: i32) -> AppResult<()> {
    if case.version != expected_version {
        return Err(AppError::Conflict(format!(
            "the case changed meanwhile: it is at version {}, not {expected_version}; reload and retry",
            case.version
        )));
    }
    Ok(())
}

/// Records the publication of a case's decision (T5 met) as a change of the case, with its
/// event, inside the publishing transaction.
pub(crate) async fn mark_published(
    txn: &DatabaseTransaction,
    cal: &Calendar,
    p: &Principal,
    before: case::Model,
    at: DateTime<Utc>,
    publication_id: Uuid,
) -> AppResult<case_event::Model> {
    let mut after = before.clone();
    after.published_at = Some(at);
    timers::refresh(cal, &mut after);
    let (_, event) = save(txn, p, &before, after, EventDetail::published(publication_id)).await?;
    Ok(event)
}

/// A reconsideration or a court altered the decision's fine: the case carries the new amount,
/// with its event, inside the concluding transaction.
pub(crate) async fn alter_fine(
    txn: &DatabaseTransaction,
    cal: &Calendar,
    p: &Principal,
    case_id: Uuid,
    fine: Yuan,
    outcome: entity::enums::ReconsiderationOutcome,
) -> AppResult<case_event::Model> {
    let before = case::Entity::find_by_id(case_id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("case"))?;
    if before.fine_fen.is_none() {
        return Err(AppError::bad_input("fineAmount", "the decision had no fine to alter"));
    }
    let mut after = before.clone();
    after.fine_fen = Some(fine.fen());
    if after.paid_fen >= fine.fen() && after.paid_at.is_none() && after.delivered_at.is_some() {
        after.paid_at = Some(Utc::now());
    }
    timers::refresh(cal, &mut after);
    let note = format!("{}: the fine is now {fine} yuan", outcome.as_str());
    let (_, event) = save(txn, p, &before, after, EventDetail::updated(&["fineAmount"], Some(note))).await?;
    Ok(event)
}

/// Writes a changed case with its version bumped (guarded by the old version), and appends
/// its event.
pub(crate) async fn save(
    txn: &DatabaseTransaction,
    p: &Principal,
    before: &case::Model,
    mut after: case::Model,
    detail: EventDetail,
) -> AppResult<(case::Model, case_event::Model)> {
    let now = Utc::now();
    after.version = before.version + 1;
    after.updated_at = now;
    after.search_text = format!("{} {}", after.case_no, after.title).to_lowercase();
    let mut active = after.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = case::Entity::update_many()
        .set(active)
        .filter(case::Column::Id.eq(after.id))
        .filter(case::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict("the case changed meanwhile; reload and retry".into()));
    }
    let event = events::append(
        txn,
        NewEvent {
            case_id: after.id,
            at: now,
            actor_id: Some(p.user_id),
            transfer_id: None,
            record_id: None,
            case_version: after.version,
            detail,
        },
    )
    .await?;
    Ok((after, event))
}

pub async fn update_case(
    db: &DatabaseConnection,
    cal: &Calendar,
    rules: &Rules,
    p: &Principal,
    id: Uuid,
    expected_version: i32,
    input: UpdateCase,
) -> AppResult<(case::Model, Vec<case_event::Model>)> {
    let txn = crate::db::begin_write(db).await?;
    let before = load_for_write(&txn, p, id).await?;
    if !is_case_worker(p, before.department_id) {
        return Err(AppError::Forbidden("only officers of the owning department change a case".into()));
    }
    check_version(&before, expected_version)?;
    use CaseStatus::*;
    if !matches!(before.status, Filed | Investigating | NoticeServed | Hearing | LegalReview) {
        return Err(AppError::Conflict(format!("a {} case can no longer be changed", before.status.as_str())));
    }
    let mut after = before.clone();
    let mut changed = Vec::new();
    if let Some(title) = input.title {
        let title = title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(AppError::bad_input("input.title", "a title of 1 to 200 characters is required"));
        }
        after.title = title;
        changed.push("title");
    }
    if let Some(facts) = input.facts {
        if facts.trim().is_empty() {
            return Err(AppError::bad_input("input.facts", "the facts may not be emptied"));
        }
        after.facts = facts.trim().to_string();
        changed.push("facts");
    }
    if let Some(location) = input.location {
        after.location = Some(location.trim().to_string()).filter(|l| !l.is_empty());
        changed.push("location");
    }
    if let Some(major) = input.major {
        // R4: `major` is never cleared.
        if before.major && !major {
            return Err(AppError::bad_input("input.major", "a major case stays major (APL 58)"));
        }
        after.major = major;
        changed.push("major");
    }
    if let Some(serious) = input.serious_harm {
        after.serious_harm = serious;
        changed.push("seriousHarm");
    }
    if let Some(days) = input.extend_decision_days {
        if !(1..=365).contains(&days) {
            return Err(AppError::bad_input("input.extendDecisionDays", "between 1 and 365 days"));
        }
        if input.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(AppError::bad_input("input.note", "an extension of T1 is recorded with its reason (APL 60)"));
        }
        after.decision_extension_days += days;
        changed.push("decisionExtensionDays");
    }
    if let Some(ids) = &input.officer_ids {
        officers(&txn, before.department_id, ids).await?;
        if ids.is_empty() {
            return Err(AppError::bad_input("input.officerIds", "a case keeps at least one officer"));
        }
        // R2+ (APL 42): once investigated, a general case keeps two officers certified today.
        let investigated = matches!(before.status, Investigating | NoticeServed | Hearing | LegalReview);
        if before.procedure == Procedure::General
            && investigated
            && certified_among(&txn, ids, local_date(Utc::now())).await? < 2
        {
            return Err(AppError::bad_input(
                "officerIds",
                "an investigated general case needs at least two officers with enforcement certificates valid today (APL 42)",
            ));
        }
        set_officers(&txn, before.id, ids, Utc::now()).await?;
        changed.push("officers");
    }
    // Corrections of the party, the matter and the act's dates, re-checking R6, R7 and R12.
    let mut party_kind = None;
    if let Some(new_party) = input.party {
        let model = new_party.into_model(Utc::now());
        party::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await?;
        after.party_id = model.id;
        party_kind = Some(model.kind);
        changed.push("party");
    }
    let mut matter_changed = false;
    if let Some(code) = input.matter_code {
        let matter = matter::Entity::find()
            .filter(matter::Column::Code.eq(code.trim()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input("input.matterCode", "no such matter"))?;
        if !matter.active {
            return Err(AppError::bad_input("input.matterCode", "this matter is no longer in the catalogue"));
        }
        if matter.id != before.matter_id {
            // R7: a town team's matter is empowered to its town on the filing date.
            let dept = department(&txn, before.department_id).await?;
            if let (DepartmentKind::TownTeam, Some(own)) = (dept.kind, &dept.town) {
                let empowerments = matter_empowerment::Entity::find()
                    .filter(matter_empowerment::Column::MatterId.eq(matter.id))
                    .all(&txn)
                    .await?;
                let filed = local_date(before.filed_at);
                if !crate::org::service::empowered_on(&empowerments, own, filed) {
                    return Err(AppError::bad_input(
                        "input.matterCode",
                        format!("this matter was not empowered to {own} on the filing date {filed}"),
                    ));
                }
            }
            after.matter_id = matter.id;
            after.matter_code = matter.code.clone();
            matter_changed = true;
            changed.push("matterCode");
        }
    }
    if let Some(occurred) = input.occurred_at {
        after.occurred_at = occurred;
        changed.push("occurredAt");
    }
    if let Some(ended) = input.ended_at {
        after.ended_at = Some(ended);
        changed.push("endedAt");
    }
    if after.occurred_at != before.occurred_at
        || after.ended_at != before.ended_at
        || after.serious_harm != before.serious_harm
    {
        // R6+: the limitation is checked again against the filing date.
        check_limitation((after.occurred_at, after.ended_at), after.serious_harm, before.filed_at, "input.")?;
    }
    if (matter_changed || party_kind.is_some()) && before.notice_fine_fen.is_some() {
        // R12: the notice's fine still lies in the (corrected) matter's range for the party.
        let kind = match party_kind {
            Some(kind) => kind,
            None => {
                party::Entity::find_by_id(before.party_id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| AppError::internal("case without party"))?
                    .kind
            }
        };
        let matter = matter_of(&txn, after.matter_id).await?;
        let field = if matter_changed { "input.matterCode" } else { "input.party" };
        penalties::check_range(&matter, kind, before.notice_fine_fen).map_err(|e| match e {
            AppError::BadInput { message, .. } => AppError::bad_input(field, message),
            other => other,
        })?;
    }
    if let (Some(kind), Some(_)) = (party_kind, before.notice_served_at) {
        // APL 63: the hearing level of the notice's penalty depends on the party's kind, so a
        // corrected kind decides it again (T2 follows in `timers::refresh`). A hearing already
        // requested or held stays what it is; a case that becomes hearing-level is major (R4).
        let kinds = penalties::parse_list(&before.notice_penalties);
        let level = penalties::hearing_level(rules, kind, &kinds, before.notice_fine_fen, before.confiscation_fen);
        if level && !before.hearing_level {
            after.hearing_level = true;
            after.major = true;
        } else if !level && before.hearing_level && before.hearing_state == HearingState::None {
            after.hearing_level = false;
        }
    }
    timers::refresh(cal, &mut after);
    let detail = EventDetail::updated(&changed, input.note);
    let (after, event) = save(&txn, p, &before, after, detail).await?;
    crate::audit::write(&txn, Some(p), "mutation:updateCase", &[after.id], serde_json::json!({ "changed": changed }))
        .await?;
    txn.commit().await?;
    Ok((after, vec![event]))
}

/// Officers of a case holding an enforcement certificate valid `on` (R2, R2+), from the
/// certificate history.
async fn certified_officers(txn: &impl ConnectionTrait, case_id: Uuid, on: chrono::NaiveDate) -> AppResult<u64> {
    let ids: Vec<Uuid> = case_officer::Entity::find()
        .filter(case_officer::Column::CaseId.eq(case_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|o| o.user_id)
        .collect();
    certified_among(txn, &ids, on).await
}

/// How many of `ids` are active users holding a certificate valid `on`.
pub(crate) async fn certified_among(txn: &impl ConnectionTrait, ids: &[Uuid], on: chrono::NaiveDate) -> AppResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let active: Vec<Uuid> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .filter(user::Column::Active.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    Ok(crate::org::certificates::certified_on(txn, &active, on).await?.len() as u64)
}

pub async fn transition_case(
    (db, cal, rules): (&DatabaseConnection, &Calendar, &Rules),
    p: &Principal,
    id: Uuid,
    expected_version: i32,
    action: Action,
    args: TransitionArgs,
) -> AppResult<(case::Model, Vec<case_event::Model>)> {
    let txn = crate::db::begin_write(db).await?;
    let before = load_for_write(&txn, p, id).await?;
    let now = Utc::now();

    // Who: reviews are the legal reviewer's (not an officer of the case, R4); every other
    // action is the owning department's.
    let reviewing = matches!(action, Action::ApproveReview | Action::RejectReview);
    if reviewing {
        if !p.has(Role::LegalReviewer) {
            return Err(AppError::Forbidden("only a legal reviewer approves or rejects a legal review".into()));
        }
        let is_officer = case_officer::Entity::find()
            .filter(case_officer::Column::CaseId.eq(before.id))
            .filter(case_officer::Column::UserId.eq(p.user_id))
            .count(&txn)
            .await?
            > 0;
        if is_officer {
            return Err(AppError::Forbidden("the reviewer may not be an officer of the case (APL 58)".into()));
        }
    } else if !is_case_worker(p, before.department_id) {
        return Err(AppError::Forbidden("only officers of the owning department act on a case".into()));
    }
    check_version(&before, expected_version)?;

    let Some(status) = next_status(before.procedure, before.status, action) else {
        return Err(AppError::Conflict(format!(
            "{} is not allowed on a {} {} case",
            action.as_str(),
            before.procedure.as_str().to_lowercase(),
            before.status.as_str()
        )));
    };

    // R14: when the action happened; timers count from it, the event's own time stays now.
    let previous = previous_step_at(&txn, &before).await?;
    let at = effective_at(rules, args.effective_at, now, Some(previous))?;
    let today = local_date(at);

    let party = party::Entity::find_by_id(before.party_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("case without party"))?;
    let dept = department(&txn, before.department_id).await?;
    let town_team = dept.kind == DepartmentKind::TownTeam;

    let mut after = before.clone();
    after.status = status;
    if let Some(major) = args.major {
        if before.major && !major {
            return Err(AppError::bad_input("input.major", "a major case stays major (APL 58)"));
        }
        if major && matches!(before.status, CaseStatus::Decided | CaseStatus::Delivered | CaseStatus::Closed) {
            return Err(AppError::bad_input("input.major", "major is set before the decision"));
        }
        after.major = major;
    }
    let penalising = matches!(action, Action::ServeNotice | Action::Decide);
    if args.fine.is_some() && !penalising {
        return Err(AppError::bad_input("input.fineAmount", "a fine is given with SERVE_NOTICE or DECIDE"));
    }
    if (args.penalties.is_some() || args.confiscation.is_some()) && !penalising {
        return Err(AppError::bad_input("penalties", "penalties are named with SERVE_NOTICE or DECIDE"));
    }
    if args.reason.is_some() && action != Action::Cancel {
        return Err(AppError::bad_input("reason", "a reason is given with CANCEL"));
    }
    // R2+ (APL 42): officers act with certificates valid on the day they act.
    if before.procedure == Procedure::General
        && matches!(action, Action::Investigate | Action::ServeNotice | Action::Decide)
        && certified_officers(&txn, before.id, today).await? < 2
    {
        return Err(AppError::bad_input(
            "officerIds",
            format!(
                "{} needs at least two assigned officers with enforcement certificates valid on {today} (APL 42)",
                action.as_str()
            ),
        ));
    }

    let mut exemption_notice = None;
    match action {
        Action::Investigate => {}
        Action::ServeNotice => {
            let fine = args.fine.map(Yuan::fen);
            let confiscation = args.confiscation.map(Yuan::fen);
            let kinds = penalties::resolve(before.procedure, args.penalties.as_deref(), fine, confiscation)?;
            let matter = matter_of(&txn, before.matter_id).await?;
            penalties::check_range(&matter, party.kind, fine)?;
            let level = penalties::hearing_level(rules, party.kind, &kinds, fine, confiscation);
            if level && town_team && rules.towns_refer_hearing_level {
                return Err(AppError::bad_input(
                    "fineAmount",
                    "a hearing-level penalty goes to the bureau by transfer; a town team may not serve notice of it (R7)",
                ));
            }
            after.notice_fine_fen = fine;
            after.notice_penalties = penalties::to_list(&kinds);
            after.confiscation_fen = confiscation;
            after.hearing_level = level;
            after.hearing_state = HearingState::None;
            after.notice_served_at = Some(at);
            // R3+: a new notice opens a new statement window.
            after.statement_due = Some(cal.add_working_days(today, rules.statement_days));
            after.statement_recorded_at = None;
            if level {
                // A hearing-level penalty is a major decision (R4).
                after.major = true;
            }
        }
        Action::RecordStatement => {
            if args.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(AppError::bad_input("note", "the statement and defence, or its waiver, goes in note"));
            }
            after.statement_recorded_at = Some(at);
        }
        Action::RequestHearing => {
            if !before.hearing_level {
                return Err(AppError::bad_input(
                    "hearing",
                    "a hearing may be requested only for a hearing-level penalty (APL 63)",
                ));
            }
            if before.hearing_request_due.is_some_and(|due| today > due) {
                return Err(AppError::bad_input(
                    "hearing",
                    "the 5-working-day window to request a hearing has closed (APL 64)",
                ));
            }
            after.hearing_state = HearingState::Requested;
        }
        Action::HoldHearing => {
            if before.hearing_state != HearingState::Requested {
                return Err(AppError::bad_input("hearing", "no hearing was requested"));
            }
            after.hearing_state = HearingState::Held;
            after.major = true;
        }
        Action::WaiveHearing => {
            if !before.hearing_level {
                return Err(AppError::bad_input("hearing", "there is no hearing right to waive"));
            }
            after.hearing_state = HearingState::Waived;
        }
        Action::SubmitForReview => after.review_state = ReviewState::Pending,
        Action::ApproveReview => after.review_state = ReviewState::Approved,
        Action::RejectReview => {
            if args.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(AppError::bad_input("input.note", "a rejected review says why"));
            }
            after.review_state = ReviewState::Rejected;
        }
        Action::Decide => {
            // R3 (APL 44, 62–64): notice served; a hearing-level penalty waits for the hearing,
            // its waiver, or the close of the request window.
            if before.notice_served_at.is_none() {
                return Err(AppError::bad_input(
                    "notice",
                    "no decision before the notice of rights is served (APL 44)",
                ));
            }
            if before.hearing_level {
                let window_closed = before.hearing_request_due.is_some_and(|due| today > due);
                let settled = match before.hearing_state {
                    HearingState::Held | HearingState::Waived => true,
                    HearingState::None => window_closed,
                    HearingState::Requested => false,
                };
                if !settled {
                    return Err(AppError::bad_input(
                        "hearing",
                        "the hearing was requested but not held, or its request window is still open (APL 63–64)",
                    ));
                }
            }
            // R3+ (APL 44–45): the party's statement and defence window has passed, or its
            // statement (or waiver) was recorded; a held hearing heard it.
            let heard = before.statement_recorded_at.is_some() || before.hearing_state == HearingState::Held;
            if let Some(due) = before.statement_due.filter(|due| !heard && today <= *due) {
                return Err(AppError::bad_input(
                    "statement",
                    format!(
                        "the party may state its case and defend itself until {due}: record it (RECORD_STATEMENT) or wait (APL 44–45)"
                    ),
                ));
            }
            let fine = args.fine.map(Yuan::fen).or(before.notice_fine_fen);
            // R5 (APL 44–45): no heavier penalty than the notice announced.
            if fine.is_some_and(|decided| decided > before.notice_fine_fen.unwrap_or(0)) {
                return Err(AppError::bad_input(
                    "fineAmount",
                    "the decided fine exceeds the one in the notice; serve a new notice first (APL 45)",
                ));
            }
            let notice_kinds = penalties::parse_list(&before.notice_penalties);
            let confiscation = args.confiscation.map(Yuan::fen).or(before.confiscation_fen);
            // Omitted kinds: the notice's (a fine dropped to nothing drops FINE), else by the fine.
            let default_kinds: Option<Vec<PenaltyKind>> = (!notice_kinds.is_empty()).then(|| {
                notice_kinds
                    .iter()
                    .copied()
                    .filter(|k| *k != PenaltyKind::Fine || fine.is_some_and(|f| f > 0))
                    .collect()
            });
            let given = args.penalties.clone().or(default_kinds.filter(|k| !k.is_empty()));
            let kinds = penalties::resolve(before.procedure, given.as_deref(), fine, confiscation)?;
            // R5 on kinds: nothing the notice did not announce, and no larger confiscation.
            if !notice_kinds.is_empty() && kinds.iter().any(|k| !notice_kinds.contains(k)) {
                return Err(AppError::bad_input(
                    "penalties",
                    "the decision names a penalty the notice did not; serve a new notice first (APL 44–45)",
                ));
            }
            if confiscation.unwrap_or(0) > before.confiscation_fen.unwrap_or(0) {
                return Err(AppError::bad_input(
                    "confiscationAmount",
                    "the decided confiscation exceeds the notice's; serve a new notice first (APL 45)",
                ));
            }
            let matter = matter_of(&txn, before.matter_id).await?;
            penalties::check_range(&matter, party.kind, fine)?;
            let level = penalties::hearing_level(rules, party.kind, &kinds, fine, confiscation);
            if town_team && rules.towns_refer_hearing_level && level {
                return Err(AppError::bad_input(
                    "fineAmount",
                    "a town team may not decide a hearing-level penalty (R7)",
                ));
            }
            // R4 (APL 58): major decisions need an approved legal review.
            let major = after.major || before.hearing_level || before.hearing_state == HearingState::Held;
            if major && before.review_state != ReviewState::Approved {
                return Err(AppError::bad_input(
                    "legalReview",
                    "a major case needs an approved legal review before the decision (APL 58)",
                ));
            }
            after.fine_fen = fine;
            after.penalties = penalties::to_list(&kinds);
            after.confiscation_fen = confiscation;
            after.decided_at = Some(at);
        }
        Action::Deliver => after.delivered_at = Some(at),
        Action::Close => {
            // R15: the money is paid in full, or there is none, or the court was asked to
            // enforce it.
            if before.enforcement_requested_at.is_none() {
                let state = super::money::money_state(&txn, &before, today).await?;
                if state.outstanding_fen > 0 {
                    return Err(AppError::bad_input(
                        "paidAmount",
                        format!(
                            "{} yuan is still outstanding: a case closes when paid in full, or once enforcement was requested",
                            Yuan::from_fen(state.outstanding_fen)
                        ),
                    ));
                }
            }
            after.closed_at = Some(at)
        }
        Action::Exempt => {
            // APL 33: first or minor violation, corrected: no penalty, but the correction must
            // be verified (a rectification notice on the case, CORRECTED) and the reason given.
            exemption_notice =
                Some(super::review::corrected_notice_of(&txn, before.id, args.rectification_notice_id).await?);
            if args.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(AppError::bad_input("note", "an exemption gives its reason (APL 33)"));
            }
            after.closed_at = None;
        }
        Action::Cancel => {
            let reason = args.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            let Some(reason) = reason else {
                return Err(AppError::bad_input("reason", "a cancellation (撤销立案) gives its reason"));
            };
            after.cancelled_at = Some(at);
            after.cancel_reason = Some(reason.to_string());
        }
        Action::RequestEnforcement => super::money::check_enforcement(&txn, &before, today).await.map(|()| {
            after.enforcement_requested_at = Some(at);
        })?,
    }
    timers::refresh(cal, &mut after);
    let note = if action == Action::Cancel { args.reason.clone() } else { args.note.clone() };
    let detail =
        EventDetail::transitioned(action, before.status, after.status, after.fine_fen, after.notice_fine_fen, note)
            .effective(args.effective_at.map(|_| at));
    let (after, event) = save(&txn, p, &before, after, detail).await?;
    // The oversight records that follow a transition: legal reviews and exemptions.
    use entity::enums::ReviewOutcome;
    match action {
        Action::SubmitForReview => super::review::on_review_transition(&txn, p, &after, None, None).await?,
        Action::ApproveReview | Action::RejectReview => {
            let outcome =
                if action == Action::ApproveReview { ReviewOutcome::Approved } else { ReviewOutcome::Rejected };
            super::review::on_review_transition(&txn, p, &after, Some(outcome), args.note.clone()).await?
        }
        Action::Exempt => {
            if let Some(notice) = &exemption_notice {
                let reason = args.note.as_deref().unwrap_or_default();
                super::review::record_exemption(&txn, p, &after, notice, reason).await?;
            }
        }
        _ => {}
    }
    crate::audit::write(
        &txn,
        Some(p),
        &format!("mutation:transitionCase:{}", action.as_str()),
        &[after.id],
        serde_json::json!({
            "from": before.status.as_str(),
            "to": after.status.as_str(),
            "effectiveAt": at.to_rfc3339(),
            "recordedAt": now.to_rfc3339(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok((after, vec![event]))
}

/// When the case's latest step happened (R14: no action before it): its dated steps, and its
/// latest state-machine action (as it happened, if recorded later).
async fn previous_step_at(txn: &impl ConnectionTrait, c: &case::Model) -> AppResult<DateTime<Utc>> {
    use sea_orm::QueryOrder;
    let last = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(c.id))
        .filter(case_event::Column::Kind.eq(entity::enums::CaseEventKind::Transitioned))
        .order_by_desc(case_event::Column::CaseVersion)
        .one(txn)
        .await?;
    let action_at = last.map(|e| match EventDetail::read(e.kind, &e.detail) {
        Ok(EventDetail::Transitioned(t)) => t.effective_at.unwrap_or(e.at),
        _ => e.at,
    });
    Ok(previous_step(c).max(action_at.unwrap_or(c.filed_at)))
}

/// The time of the case's latest dated step.
pub(crate) fn previous_step(c: &case::Model) -> DateTime<Utc> {
    [
        c.notice_served_at,
        c.statement_recorded_at,
        c.decided_at,
        c.delivered_at,
        c.closed_at,
        c.enforcement_requested_at,
        c.cancelled_at,
    ]
    .into_iter()
    .flatten()
    .fold(c.filed_at, DateTime::max)
}

/// R14: an action's `effectiveAt`: never in the future (1 minute leeway), never before the
/// previous step, at most `backdate_days` back. Default: now.
pub(crate) fn effective_at(
    rules: &Rules,
    given: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    previous: Option<DateTime<Utc>>,
) -> AppResult<DateTime<Utc>> {
    crate::calendar::effective_at(rules.backdate_days, given, now, previous.map(|at| (at, "the case's previous step")))
}

async fn matter_of(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<matter::Model> {
    matter::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::internal("case without matter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_general_state_machine_follows_rules_md() {
        use Action::*;
        use CaseStatus::*;
        let g = |from, a| next_status(Procedure::General, from, a);
        assert_eq!(g(Filed, Investigate), Some(Investigating));
        assert_eq!(g(Investigating, ServeNotice), Some(NoticeServed));
        assert_eq!(g(NoticeServed, RequestHearing), Some(Hearing));
        assert_eq!(g(NoticeServed, Decide), Some(Decided));
        assert_eq!(g(LegalReview, Decide), Some(Decided));
        assert_eq!(g(Decided, Deliver), Some(Delivered));
        assert_eq!(g(Delivered, Close), Some(Closed));
        assert_eq!(g(Filed, Exempt), Some(NotPenalized));
        assert_eq!(g(NotPenalized, Close), Some(Closed));
        assert_eq!(g(Filed, Decide), None);
        assert_eq!(g(Closed, Investigate), None);
        assert_eq!(g(Decided, Exempt), None);
        let s = |from, a| next_status(Procedure::Simple, from, a);
        assert_eq!(s(Decided, Deliver), Some(Delivered));
        assert_eq!(s(Decided, Investigate), None);
    }

    #[test]
    fn hearing_level_depends_on_the_party_kind() {
        let r = Rules::default();
        assert!(hearing_level(&r, PartyKind::Person, Some(Yuan::from_yuan(10_000))));
        assert!(!hearing_level(&r, PartyKind::Organization, Some(Yuan::from_yuan(10_000))));
        assert!(hearing_level(&r, PartyKind::Organization, Some(Yuan::from_yuan(100_000))));
        assert!(!hearing_level(&r, PartyKind::Person, None));
    }
}
