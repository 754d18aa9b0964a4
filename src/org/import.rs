//! `casebridge import matters FILE [--dry-run]`: the matter catalogue from a CSV or XLSX sheet
//! (by the file's extension), one matter per row, idempotent by `code`.
//!
//! Columns (a header row names them, in any order): `code,name,domain,legalBasis,penaltyBasis`
//! (required), `personMin,personMax,organizationMin,organizationMax` (yuan; empty = no bound),
//! `active` (`true`/`false`; empty keeps the flag, a new matter is active) and `towns`: items
//! `town:from:until` (dates `YYYY-MM-DD`, `until` optional) separated by `;` or `|`. The row
//! describes the whole matter: its texts and fine range replace the catalogue's; its towns are
//! added (merged with the periods a town already holds, never taken away: `endEmpowerment` does
//! that). Every row is checked first; one bad row (reported with its line and column) and
//! nothing is written. The writes are one transaction with its audit rows; a dry run makes the
//! same writes and rolls them back, so what it prints is exactly what an import would do.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use chrono::{NaiveDate, Utc};
use entity::matter;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Statement};

use super::admin::{self, FineRange, MatterChange, MatterSpec};
use crate::domain::Yuan;
use crate::error::AppError;

const REQUIRED: [&str; 5] = ["code", "name", "domain", "legalBasis", "penaltyBasis"];
const OPTIONAL: [&str; 6] = ["personMin", "personMax", "organizationMin", "organizationMax", "active", "towns"];

/// A sheet as read: the header and each row with its line (1-based, as a spreadsheet shows it).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A problem with one cell (or the header: line 1), or with the file itself (line 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column.is_empty()) {
            (0, _) => write!(f, "{}", self.message),
            (line, true) => write!(f, "line {line}: {}", self.message),
            (line, false) => write!(f, "line {line}, column {}: {}", self.column, self.message),
        }
    }
}

fn row_error(line: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError { line, column: column.to_string(), message: message.into() }
}

/// Reads `path` as CSV (`.csv`) or XLSX (`.xlsx`, `.xlsm`, `.xls`, `.ods`: the first sheet).
pub fn read(path: &Path) -> Result<Sheet, RowError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let fail = |e: &dyn fmt::Display| row_error(0, "", format!("reading {}: {e}", path.display()));
    match ext.as_str() {
        "csv" => {
            let bytes = std::fs::read(path).map_err(|e| fail(&e))?;
            read_csv(&bytes)
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {
            let bytes = std::fs::read(path).map_err(|e| fail(&e))?;
            read_spreadsheet(&bytes).map_err(|e| fail(&e))
        }
        _ => Err(row_error(0, "", format!("{}: a .csv or .xlsx file is expected", path.display()))),
    }
}

/// A CSV sheet (UTF-8, a byte-order mark allowed).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, RowError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut sheet = Sheet::default();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            row_error(line, "", format!("not CSV: {e}"))
        })?;
        let line = record.position().map_or(i + 1, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if i == 0 {
            sheet.header = cells;
        } else {
            sheet.rows.push((line, cells));
        }
    }
    Ok(sheet)
}

/// The first sheet of a workbook.
pub fn read_spreadsheet(bytes: &[u8]) -> Result<Sheet, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let range = book.worksheet_range_at(0).ok_or("the workbook has no sheet")?.map_err(|e| e.to_string())?;
    let first_line = range.start().map_or(1, |(row, _)| row as usize + 1);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let cell = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    let mut sheet = Sheet::default();
    for (i, row) in range.rows().enumerate() {
        // Cells left of the used range are empty: keep the columns where the sheet has them.
        let cells: Vec<String> = std::iter::repeat_n(String::new(), first_col).chain(row.iter().map(cell)).collect();
        if sheet.header.is_empty() && i == 0 {
            sheet.header = cells;
        } else {
            sheet.rows.push((first_line + i, cells));
        }
    }
    Ok(sheet)
}

/// One town's empowerment as a row gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TownPeriod {
    pub town: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl fmt::Display for TownPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.until {
            Some(u) => write!(f, "{} from {} until {u}", self.town, self.from),
            None => write!(f, "{} from {}", self.town, self.from),
        }
    }
}

/// A row, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterRow {
    pub line: usize,
    pub spec: MatterSpec,
    pub towns: Vec<TownPeriod>,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn parse_towns(line: usize, cell: &str, known: &[String]) -> Result<Vec<TownPeriod>, RowError> {
    let bad = |m: String| row_error(line, "towns", m);
    let mut out = Vec::new();
    for item in cell.split([';', '|']).map(str::trim).filter(|i| !i.is_empty()) {
        let parts: Vec<&str> = item.split(':').map(str::trim).collect();
        let (town, from, until) = match parts.as_slice() {
            [t, f] => (*t, *f, ""),
            [t, f, u] => (*t, *f, *u),
            _ => return Err(bad(format!("{item:?}: an item is town:from or town:from:until"))),
        };
        if !known.iter().any(|k| k == town) {
            return Err(bad(format!("{town:?} is not a town or street served by a town team")));
        }
        let from = date(from).ok_or_else(|| bad(format!("{item:?}: the start is a date such as 2024-01-01")))?;
        let until = match until {
            "" => None,
            u => Some(date(u).ok_or_else(|| bad(format!("{item:?}: the end is a date such as 2024-12-31")))?),
        };
        if until.is_some_and(|u| u < from) {
            return Err(bad(format!("{item:?}: the period ends before it starts")));
        }
        out.push(TownPeriod { town: town.to_string(), from, until });
    }
    Ok(out)
}

fn flag(line: usize, cell: &str) -> Result<Option<bool>, RowError> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" | "是" => Ok(Some(true)),
        "false" | "no" | "0" | "否" => Ok(Some(false)),
        _ => Err(row_error(line, "active", "true or false")),
    }
}

/// Checks every row against the header and the district's towns. All errors are returned,
/// not just the first.
pub fn parse(sheet: &Sheet, known_towns: &[String]) -> Result<Vec<MatterRow>, Vec<RowError>> {
    let header: Vec<String> = sheet.header.iter().map(|h| h.trim().to_string()).collect();
    let mut errors = Vec::new();
    for h in header.iter().filter(|h| !h.is_empty()) {
        if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
            errors.push(row_error(1, h, "not a column of MatterInput"));
        }
        if header.iter().filter(|x| *x == h).count() > 1 {
            errors.push(row_error(1, h, "the column appears twice"));
        }
    }
    for r in REQUIRED {
        if !header.iter().any(|h| h == r) {
            errors.push(row_error(1, r, "the column is missing"));
        }
    }
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut codes: HashSet<String> = HashSet::new();
    for (line, cells) in &sheet.rows {
        let line = *line;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |name: &str| col(name).and_then(|i| cells.get(i)).map_or("", |c| c.as_str());
        let money = |name: &str| -> Result<Option<i64>, RowError> {
            match get(name).trim() {
                "" => Ok(None),
                v => Yuan::parse(v).map(|y| Some(y.fen())).map_err(|e| row_error(line, name, e.to_string())),
            }
        };
        let row = (|| {
            let fine_range = FineRange {
                person_min: money("personMin")?,
                person_max: money("personMax")?,
                organization_min: money("organizationMin")?,
                organization_max: money("organizationMax")?,
            };
            let spec = MatterSpec {
                code: get("code").to_string(),
                name: get("name").to_string(),
                domain: get("domain").to_string(),
                legal_basis: get("legalBasis").to_string(),
                penalty_basis: get("penaltyBasis").to_string(),
                fine_range: Some(fine_range),
                active: flag(line, get("active"))?,
            }
            .check()
            .map_err(|e| match e {
                AppError::BadInput { field, message } => {
                    row_error(line, field.strip_prefix("fineRange.").unwrap_or(&field), message)
                }
                other => row_error(line, "", other.message()),
            })?;
            let towns = parse_towns(line, get("towns"), known_towns)?;
            if !codes.insert(spec.code.clone()) {
                return Err(row_error(line, "code", format!("{} appears on an earlier row", spec.code)));
            }
            Ok(MatterRow { line, spec, towns })
        })();
        match row {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// What the import did (or, in a dry run, would do) to one matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: String,
    pub change: MatterChange,
    pub empowerments_added: Vec<TownPeriod>,
}

impl Outcome {
    pub fn is_change(&self) -> bool {
        self.change.is_change() || !self.empowerments_added.is_empty()
    }
}

/// A summary of the whole import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub dry_run: bool,
}

impl Report {
    pub fn created(&self) -> usize {
        self.outcomes.iter().filter(|o| o.change == MatterChange::Created).count()
    }

    pub fn updated(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(&o.change, MatterChange::Updated(f) if !f.is_empty())).count()
    }

    pub fn empowerments_added(&self) -> usize {
        self.outcomes.iter().map(|o| o.empowerments_added.len()).sum()
    }

    pub fn unchanged(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.is_change()).count()
    }

    /// One line per change, then the totals.
    pub fn lines(&self) -> Vec<String> {
        let (create, update, empower) = if self.dry_run {
            ("would create", "would update", "would empower")
        } else {
            ("created", "updated", "empowered")
        };
        let mut out = Vec::new();
        for o in &self.outcomes {
            match &o.change {
                MatterChange::Created => out.push(format!("{create} {}", o.code)),
                MatterChange::Updated(fields) if !fields.is_empty() => {
                    out.push(format!("{update} {}: {}", o.code, fields.join(", ")))
                }
                MatterChange::Updated(_) => {}
            }
            for e in &o.empowerments_added {
                out.push(format!("{empower} {} to {e}", o.code));
            }
        }
        out.push(format!(
            "{}{} created, {} updated, {} empowerments added, {} unchanged",
            if self.dry_run { "dry run, nothing written: " } else { "" },
            self.created(),
            self.updated(),
            self.empowerments_added(),
            self.unchanged()
        ));
        out
    }
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    Rows(Vec<RowError>),
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        ImportError::App(e.into())
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Rows(rows) if rows.iter().all(|r| r.line == 0) => {
                let messages: Vec<String> = rows.iter().map(ToString::to_string).collect();
                write!(f, "{}; nothing written", messages.join("; "))
            }
            ImportError::Rows(rows) => {
                writeln!(f, "{} bad row(s), nothing written:", rows.len())?;
                for r in rows {
                    writeln!(f, "  {r}")?;
                }
                Ok(())
            }
            ImportError::App(AppError::Internal(cause)) => write!(f, "{cause}"),
            ImportError::App(e) => write!(f, "{}", e.message()),
        }
    }
}

impl std::error::Error for ImportError {}

/// Imports the rows of `sheet` (from `source`, named in the audit) in one transaction; with
/// `dry_run` the transaction is rolled back.
pub async fn import_matters(
    db: &DatabaseConnection,
    sheet: &Sheet,
    source: &str,
    dry_run: bool,
) -> Result<Report, ImportError> {
    let txn = crate::db::begin_write(db).await?;
    let towns = admin::towns(&txn).await?;
    let rows = parse(sheet, &towns).map_err(ImportError::Rows)?;
    let now = Utc::now();
    let mut report = Report { outcomes: Vec::new(), dry_run };
    for row in &rows {
        let existing = matter::Entity::find().filter(matter::Column::Code.eq(row.spec.code.as_str())).one(&txn).await?;
        let (m, change) = admin::write_matter(&txn, existing, &row.spec, now)
            .await
            .map_err(|e| ImportError::Rows(vec![row_error(row.line, "code", e.message())]))?;
        let mut added = Vec::new();
        for t in &row.towns {
            if admin::write_empowerment(&txn, m.id, &t.town, t.from, t.until, now).await? {
                added.push(t.clone());
            }
        }
        if change.is_change() || !added.is_empty() {
            let fields = match &change {
                MatterChange::Created => vec!["created"],
                MatterChange::Updated(f) => f.clone(),
            };
            let towns: Vec<String> = added.iter().map(ToString::to_string).collect();
            crate::audit::write(
                &txn,
                None,
                "import:matters",
                &[m.id],
                serde_json::json!({ "source": source, "code": m.code, "changed": fields, "empowered": towns }),
            )
            .await?;
        }
        report.outcomes.push(Outcome { code: m.code, change, empowerments_added: added });
    }
    if dry_run {
        txn.rollback().await?;
        return Ok(report);
    }
    txn.commit().await?;
    if report.outcomes.iter().any(Outcome::is_change) && db.get_database_backend() == DbBackend::Postgres {
        // The running servers' live statistics recompute (empowerments are figures).
        let notify = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, '')",
            [crate::events::FIGURES_CHANNEL.into()],
        );
        db.execute_raw(notify).await?;
    }
    Ok(report)
}

/// Reads `path` and imports it: the command's whole work.
pub async fn import_file(db: &DatabaseConnection, path: &Path, dry_run: bool) -> Result<Report, ImportError> {
    let sheet = read(path).map_err(|e| ImportError::Rows(vec![e]))?;
    import_matters(db, &sheet, &path.display().to_string(), dry_run).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn towns() -> Vec<String> {
        vec!["北岙街道".into(), "东屏街道".into()]
    }

    const CSV: &str = "code,name,domain,legalBasis,penaltyBasis,personMin,personMax,organizationMin,organizationMax,active,towns\n\
        X-001,乱扔垃圾,市容,条例第一条,条例第二条,50,200,,,true,北岙街道:2024-01-01|东屏街道:2024-01-01:2024-12-31\n\
        X-002,噪声扰民,环境保护,条例第三条,条例第四条,,,1000,5000.5,,\n";

    #[test]
    fn a_csv_sheet_is_read_with_its_lines() {
        let sheet = read_csv(CSV.as_bytes()).expect("csv");
        let rows = parse(&sheet, &towns()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].spec.fine_range.and_then(|r| r.person_max), Some(20_000));
        assert_eq!(rows[0].towns.len(), 2);
        assert_eq!(rows[0].towns[1].until, NaiveDate::from_ymd_opt(2024, 12, 31));
        assert_eq!(rows[1].spec.fine_range.and_then(|r| r.organization_max), Some(500_050));
        assert_eq!(rows[1].spec.active, None);
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_column() {
        let csv = "code,name,domain,legalBasis,penaltyBasis,personMin,personMax,towns\n\
            A-1,甲,市容,据,罚,300,200,\n\
            A-2,乙,市容,据,罚,,,霓虹街道:2024-01-01\n\
            A-3,,市容,据,罚,,,\n\
            A-1,丙,市容,据,罚,-5,,\n\
            A-4,丁,市容,据,罚,,,北岙街道:2024-13-01\n";
        let errors = parse(&read_csv(csv.as_bytes()).expect("csv"), &towns()).expect_err("bad rows");
        let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(at, [(2, "personMax"), (3, "towns"), (4, "name"), (5, "personMin"), (6, "towns")], "{errors:?}");
        assert_eq!(errors[0].to_string(), "line 2, column personMax: the maximum is below the minimum");
    }

    #[test]
    fn the_header_must_name_the_required_columns() {
        let errors = parse(&read_csv(b"code,name,colour\n").expect("csv"), &towns()).expect_err("bad header");
        assert!(errors.iter().any(|e| e.line == 1 && e.column == "colour"));
        assert!(errors.iter().any(|e| e.line == 1 && e.column == "legalBasis"));
    }
}
