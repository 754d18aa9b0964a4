//! Exports: the rows of `cases` and `transfers` exactly as the caller reads them (the lists'
//! own visibility conditions, filters and keyset pages, a court trainee's masking), and the
//! statistics of section 一, written to a spreadsheet, kept in the file store for a short
//! while and handed out by a link with a key of its own.
//!
//! The lists are read a page at a time (the lists' largest page) and each page is written
//! before the next is read, so an export of 100k rows holds one page and the writer's queue
//! in memory, never the list.

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{PartyKind, Role, TransferStatus};
use entity::{department, export, party};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::labels::{case_status_label, procedure_label, transfer_category_label, transfer_status_label};
use super::sheet::{self, Cell, Feed, FileFormat, Line};
use super::statistics;
use crate::auth::Principal;
use crate::calendar::{Calendar, shanghai};
use crate::cases::service::{self as cases, CaseFetch, CaseFilter, CaseOrder};
use crate::config::Exports as Settings;
use crate::error::{AppError, AppResult};
use crate::files::{Store, StoreError};
use crate::pagination::{MAX_PAGE, PageArgs};
use crate::statistics::service::Figures;
use crate::transfers::service::{self as transfers, TransferFilter};

/// What an export needs from the application.
pub struct Env<'a> {
    pub db: &'a DatabaseConnection,
    pub files: &'a Store,
    pub settings: &'a Settings,
    pub calendar: &'a Calendar,
    /// T7's working days (`transferAnswerDays`), for a transfer's answer date.
    pub transfer_answer_days: u32,
}

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cases,
    Transfers,
    Statistics,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cases => "cases",
            Kind::Transfers => "transfers",
            Kind::Statistics => "statistics",
        }
    }

    /// The audit action of creating such an export (rules.md: every export is audited).
    pub fn action(self) -> &'static str {
        match self {
            Kind::Cases => "export:cases",
            Kind::Transfers => "export:transfers",
            Kind::Statistics => "export:statistics",
        }
    }

    fn sheet(self) -> &'static str {
        match self {
            Kind::Cases => "案件",
            Kind::Transfers => "移交",
            Kind::Statistics => "统计",
        }
    }
}

/// The audit action of a download of an export.
pub const DOWNLOAD: &str = "export:download";

/// A kept export: its id, the key of its link (never stored), when the link stops working,
/// and the data rows written.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: Uuid,
    pub key: String,
    pub expires_at: DateTime<Utc>,
    pub rows: u64,
}

impl Created {
    /// The link: works for whoever holds it until `expires_at` (api.md: "a short-lived signed
    /// parameter"), on any instance sharing the store and the database.
    pub fn url(&self) -> String {
        format!("/exports/{}?key={}", self.id.simple(), self.key)
    }
}

fn store_error(e: StoreError) -> AppError {
    AppError::internal(format!("export storage: {e}"))
}

/// A file being written: a temporary directory, the file in it and its writer.
struct Draft {
    dir: tempfile::TempDir,
    path: PathBuf,
    feed: Feed,
    kind: Kind,
    format: FileFormat,
}

impl Draft {
    fn start(kind: Kind, format: FileFormat, widths: &[f64]) -> AppResult<Self> {
        let dir = tempfile::Builder::new()
            .prefix("casebridge-export")
            .tempdir()
            .map_err(|e| AppError::internal(format!("export staging: {e}")))?;
        let path = dir.path().join(format!("{}.{}", kind.as_str(), format.extension()));
        let feed = sheet::spawn(format, &path, kind.sheet(), widths);
        Ok(Self { dir, path, feed, kind, format })
    }

    async fn send(&self, line: Line) -> AppResult<()> {
        self.feed.send(line).await
    }
}

fn new_key() -> String {
    // 32 bytes from two random (v4) UUIDs: 244 random bits, from the OS's generator.
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Closes the draft, keeps the file in the store, records the export and its audit row.
async fn keep(env: &Env<'_>, p: &Principal, draft: Draft, mut detail: serde_json::Value) -> AppResult<Created> {
    let Draft { dir, path, feed, kind, format } = draft;
    let rows = feed.finish().await?;
    let id = Uuid::now_v7();
    let object_name = format!("exports/{}.{}", id.simple(), format.extension());
    env.files.put_named(&object_name, &path).await.map_err(store_error)?;
    // Removing the directory is file I/O: off the runtime.
    drop(tokio::task::spawn_blocking(move || drop(dir)));

    let key = new_key();
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(env.settings.ttl).unwrap_or(chrono::Duration::minutes(10));
    let expires_at = now + ttl;
    let file_name =
        format!("{}-{}.{}", kind.as_str(), now.with_timezone(&shanghai()).format("%Y-%m-%d"), format.extension());
    detail["format"] = format.extension().into();
    detail["rows"] = rows.into();
    let txn = crate::db::begin_write(env.db).await?;
    export::Entity::insert(export::ActiveModel {
        id: Set(id),
        user_id: Set(p.user_id),
        kind: Set(kind.as_str().into()),
        format: Set(format.extension().into()),
        rows: Set(i64::try_from(rows).unwrap_or(i64::MAX)),
        object_name: Set(object_name),
        file_name: Set(file_name),
        key_sha256: Set(key_hash(&key)),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(&txn)
    .await?;
    crate::audit::write(&txn, Some(p), kind.action(), &[id], detail).await?;
    txn.commit().await?;
    Ok(Created { id, key, expires_at, rows })
}

/// Removes expired exports (their files, then their rows), a bounded batch at a time; run
/// before each new export. A failure is logged: it never stops the export.
pub async fn sweep(env: &Env<'_>, now: DateTime<Utc>) {
    let expired = export::Entity::find().filter(export::Column::ExpiresAt.lte(now)).limit(200).all(env.db).await;
    let expired = match expired {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "could not read expired exports");
            return;
        }
    };
    let mut gone = Vec::new();
    for e in expired {
        match env.files.delete_named(&e.object_name).await {
            Ok(()) => gone.push(e.id),
            Err(err) => tracing::warn!(export = %e.id, error = %err, "could not remove an expired export's file"),
        }
    }
    if !gone.is_empty()
        && let Err(e) = export::Entity::delete_many().filter(export::Column::Id.is_in(gone)).exec(env.db).await
    {
        tracing::warn!(error = %e, "could not remove expired exports");
    }
}

fn over_cap(env: &Env<'_>, n: u64) -> AppResult<()> {
    let max = env.settings.max_rows;
    if n > max {
        return Err(AppError::bad_input(
            "filter",
            format!("{n} rows match, more than the {max} one export may hold; narrow the filter"),
        ));
    }
    Ok(())
}

/// rules.md: a dashboard sees statistics only.
fn refuse_dashboards(p: &Principal) -> AppResult<()> {
    if p.roles.iter().all(|r| *r == Role::Dashboard) {
        return Err(AppError::Forbidden("a dashboard exports statistics only".into()));
    }
    Ok(())
}

async fn department_names(db: &DatabaseConnection) -> AppResult<HashMap<Uuid, String>> {
    Ok(department::Entity::find().all(db).await?.into_iter().map(|d| (d.id, d.name)).collect())
}

fn local(at: DateTime<Utc>) -> Cell {
    Cell::DateTime(at.with_timezone(&shanghai()).naive_local())
}

fn yes_no(b: bool) -> Cell {
    Cell::text(if b { "是" } else { "否" })
}

/// The columns of a case export.
pub const CASE_COLUMNS: [&str; 16] = [
    "案件编号",
    "案由/标题",
    "程序",
    "状态",
    "当事人",
    "当事人类型",
    "证件号码",
    "部门",
    "镇街",
    "执法事项编码",
    "立案时间",
    "决定时间",
    "罚款金额",
    "没收金额",
    "已缴金额",
    "超期",
];
const CASE_WIDTHS: [f64; 16] =
    [26.0, 40.0, 10.0, 10.0, 16.0, 10.0, 22.0, 20.0, 12.0, 14.0, 17.0, 17.0, 14.0, 14.0, 14.0, 6.0];

/// One case as `p` reads it: a court trainee reads the party's name masked (张某 / 某公司), no
/// identifier, and the title with the name masked, as `Case.title` and `Party` show them.
fn case_cells(row: &cases::CaseRow, trainee: bool, departments: &HashMap<Uuid, String>, today: NaiveDate) -> Vec<Cell> {
    let (c, party) = row;
    let (title, party_name, identifier) = match (party, trainee) {
        (Some(m), true) => {
            (crate::privacy::mask_text(&c.title, Some(m)), crate::privacy::masked_name(m.kind, &m.name), None)
        }
        (Some(m), false) => (c.title.clone(), m.name.clone(), m.id_number.clone().or_else(|| m.credit_code.clone())),
        (None, true) => (crate::privacy::mask_text(&c.title, None), String::new(), None),
        (None, false) => (c.title.clone(), String::new(), None),
    };
    let kind = party.as_ref().map(|m| match m.kind {
        PartyKind::Person => "公民",
        PartyKind::Organization => "法人或其他组织",
    });
    vec![
        Cell::text(&c.case_no),
        Cell::Text(title),
        Cell::text(procedure_label(c.procedure)),
        Cell::text(case_status_label(c.status)),
        Cell::Text(party_name),
        Cell::opt_text(kind),
        Cell::opt_text(identifier),
        Cell::opt_text(departments.get(&c.department_id).cloned()),
        Cell::opt_text(c.town.clone()),
        Cell::text(&c.matter_code),
        local(c.filed_at),
        c.decided_at.map_or(Cell::Empty, local),
        c.fine_fen.map_or(Cell::Empty, Cell::Money),
        c.confiscation_fen.map_or(Cell::Empty, Cell::Money),
        Cell::Money(c.paid_fen),
        yes_no(c.next_due.is_some_and(|due| due < today)),
    ]
}

/// `exportCases`: the cases `p` may see matching `filter`, newest filing first (the order of
/// `cases`), masked as `p` reads them. A court trainee's export is a read of every case in
/// it, audited like one (`read:case`).
pub async fn export_cases(
    env: &Env<'_>,
    p: &Principal,
    today: NaiveDate,
    filter: &CaseFilter,
    format: FileFormat,
) -> AppResult<Created> {
    refuse_dashboards(p)?;
    sweep(env, Utc::now()).await;
    let trainee = p.is_trainee_only();
    let departments = department_names(env.db).await?;
    let fetch = CaseFetch { party: true, facts: false };
    let draft = Draft::start(Kind::Cases, format, &CASE_WIDTHS)?;
    draft.send(Line::Header(CASE_COLUMNS.iter().map(|c| c.to_string()).collect())).await?;
    let (mut after, mut written) = (None::<String>, 0u64);
    loop {
        let args = PageArgs { first: Some(MAX_PAGE as i32), after: after.as_deref(), last: None, before: None };
        let (page, info, matching) = cases::list(env.db, p, today, filter, CaseOrder::FiledAtDesc, args, fetch).await?;
        if after.is_none() && info.has_next_page {
            over_cap(env, u64::try_from(cases::count(env.db, p, today, matching).await?).unwrap_or(u64::MAX))?;
        }
        written += page.len() as u64;
        over_cap(env, written)?;
        if p.has(Role::CourtTrainee) {
            let ids: Vec<Uuid> = page.iter().map(|(_, (c, _))| c.id).collect();
            crate::audit::write(env.db, Some(p), crate::audit::READ_CASE, &ids, serde_json::json!({"export": true}))
                .await?;
        }
        for (_, row) in &page {
            draft.send(Line::Row(case_cells(row, trainee, &departments, today))).await?;
        }
        match info.end_cursor.filter(|_| info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    keep(env, p, draft, filter_detail(filter)).await
}

fn filter_detail(f: &CaseFilter) -> serde_json::Value {
    serde_json::json!({
        "filter": {
            "status": f.statuses.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            "procedure": f.procedure.map(|p| format!("{p:?}")),
            "departmentId": f.department_id,
            "town": f.town,
            "matterCode": f.matter_code,
            "filedFrom": f.filed_from,
            "filedTo": f.filed_to,
            "search": f.search,
            "overdue": f.overdue,
            "party": f.party.is_some(),
        }
    })
}

/// The columns of a transfer export.
pub const TRANSFER_COLUMNS: [&str; 11] = [
    "申请时间",
    "类别",
    "状态",
    "移出部门",
    "接收部门",
    "事由",
    "执法事项编码",
    "答复期限",
    "超期",
    "答复时间",
    "原因",
];
const TRANSFER_WIDTHS: [f64; 11] = [17.0, 10.0, 10.0, 20.0, 20.0, 40.0, 14.0, 12.0, 6.0, 17.0, 30.0];

/// `exportTransfers`: the transfers `p` may see matching `filter`, newest request first (the
/// order of `transfers`); a court trainee reads the subject masked, as `Transfer.subject`.
pub async fn export_transfers(
    env: &Env<'_>,
    p: &Principal,
    today: NaiveDate,
    filter: &TransferFilter,
    format: FileFormat,
) -> AppResult<Created> {
    refuse_dashboards(p)?;
    sweep(env, Utc::now()).await;
    let trainee = p.is_trainee_only();
    let departments = department_names(env.db).await?;
    let draft = Draft::start(Kind::Transfers, format, &TRANSFER_WIDTHS)?;
    draft.send(Line::Header(TRANSFER_COLUMNS.iter().map(|c| c.to_string()).collect())).await?;
    let (mut after, mut written) = (None::<String>, 0u64);
    loop {
        let (page, info, cond) =
            transfers::list(env.db, p, today, filter, Some(MAX_PAGE as i32), after.as_deref()).await?;
        if after.is_none() && info.has_next_page {
            over_cap(env, entity::transfer::Entity::find().filter(cond).count(env.db).await?)?;
        }
        written += page.len() as u64;
        over_cap(env, written)?;
        let parties: HashMap<Uuid, party::Model> = if trainee {
            let ids: Vec<Uuid> = page.iter().filter_map(|(_, t)| t.party_id).collect();
            party::Entity::find()
                .filter(Condition::all().add(party::Column::Id.is_in(ids)))
                .all(env.db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect()
        } else {
            HashMap::new()
        };
        for (_, t) in &page {
            let subject = if trainee {
                crate::privacy::mask_text(&t.subject, t.party_id.and_then(|id| parties.get(&id)))
            } else {
                t.subject.clone()
            };
            let due = transfers::answer_due(env.calendar, t, env.transfer_answer_days);
            let name = |id: Uuid| Cell::opt_text(departments.get(&id).cloned());
            draft
                .send(Line::Row(vec![
                    local(t.requested_at),
                    Cell::text(transfer_category_label(t.category)),
                    Cell::text(transfer_status_label(t.status)),
                    name(t.from_department_id),
                    name(t.to_department_id),
                    Cell::Text(subject),
                    Cell::opt_text(t.matter_code.clone()),
                    Cell::Date(due),
                    yes_no(t.status == TransferStatus::Pending && due < today),
                    t.answered_at.map_or(Cell::Empty, local),
                    Cell::opt_text(t.reason.clone()),
                ]))
                .await?;
        }
        match info.end_cursor.filter(|_| info.has_next_page) {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    let detail = serde_json::json!({
        "filter": {
            "status": filter.statuses.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            "category": filter.category.map(|c| format!("{c:?}")),
            "fromDepartmentId": filter.from_department_id,
            "toDepartmentId": filter.to_department_id,
            "overdue": filter.overdue.map(|o| o.overdue),
        }
    });
    keep(env, p, draft, detail).await
}

/// `exportStatistics`: the tables of section 一 for figures the caller was allowed to compute
/// (`statistics::service::authorize`), one after another on one sheet.
pub async fn export_statistics(env: &Env<'_>, p: &Principal, f: &Figures, format: FileFormat) -> AppResult<Created> {
    sweep(env, Utc::now()).await;
    let draft = Draft::start(Kind::Statistics, format, &statistics::WIDTHS)?;
    for (i, table) in statistics::tables(f).into_iter().enumerate() {
        if i > 0 {
            draft.send(Line::Blank).await?;
        }
        draft.send(Line::Title(table.title)).await?;
        draft.send(Line::Header(table.header)).await?;
        for row in table.rows {
            draft.send(Line::Row(row)).await?;
        }
    }
    let detail = serde_json::json!({
        "year": f.year,
        "departmentId": f.scope.department_id,
        "town": f.scope.town,
    });
    keep(env, p, draft, detail).await
}

/// An export opened for download: its row and its bytes.
pub struct Opened {
    pub export: export::Model,
    pub format: FileFormat,
    pub reading: crate::files::store::Reading,
}

/// Opens export `id` for a download with the link's `key`, or else for the exporter itself
/// (`caller`, from its bearer token). Anything else (unknown, expired, a wrong key, another
/// user) is `NOT_FOUND`: the caller learns nothing of exports it may not read. Each download
/// is audited.
pub async fn open(
    db: &DatabaseConnection,
    files: &Store,
    id: &str,
    key: Option<&str>,
    caller: Option<&Principal>,
) -> AppResult<Opened> {
    let missing = || AppError::not_found("export");
    let id = Uuid::try_parse(id).map_err(|_| missing())?;
    let e = export::Entity::find_by_id(id).one(db).await?.ok_or_else(missing)?;
    if e.expires_at <= Utc::now() {
        return Err(missing());
    }
    let via = match (key, caller) {
        (Some(k), _) if key_hash(k) == e.key_sha256 => "key",
        (None, Some(p)) if p.user_id == e.user_id => "token",
        _ => return Err(missing()),
    };
    let format = FileFormat::parse(&e.format).ok_or_else(|| AppError::internal("an export of an unknown format"))?;
    let reading = files.read_named(&e.object_name, None).await.map_err(|err| match err {
        StoreError::NotFound => missing(),
        other => store_error(other),
    })?;
    let detail = serde_json::json!({"via": via, "kind": e.kind, "exporter": e.user_id});
    crate::audit::write(db, caller, DOWNLOAD, &[e.id], detail).await?;
    Ok(Opened { export: e, format, reading })
}
