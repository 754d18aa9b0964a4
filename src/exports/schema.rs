//! The GraphQL face of exports: `ExportFormat`, `Export`, `exportCases`, `exportTransfers`,
//! `exportStatistics`.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::service::{self, Created, Env};
use super::sheet::FileFormat;
use crate::cases::schema::CaseFilter;
use crate::graphql::context::{AppState, principal, request, state};
use crate::graphql::scalars::DateTime;
use crate::transfers::schema::TransferFilter;

/// The file format of an export: XLSX (Excel workbook) or CSV (UTF-8 with a byte order mark,
/// CRLF line ends, so Excel opens Chinese text correctly).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl From<ExportFormat> for FileFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Xlsx => FileFormat::Xlsx,
            ExportFormat::Csv => FileFormat::Csv,
        }
    }
}

/// A generated spreadsheet (导出文件). `url` is a relative link that downloads it until
/// `expiresAt` with the key it carries; without the key, only the exporter's bearer token
/// opens it. After expiry, or for anyone else, it is `404`.
#[derive(SimpleObject)]
#[graphql(name = "Export")]
pub struct ExportObject {
    pub url: String,
    pub expires_at: DateTime,
    /// Data rows written (table headers and titles not counted).
    pub rows: i32,
}

impl From<Created> for ExportObject {
    fn from(c: Created) -> Self {
        ExportObject { url: c.url(), expires_at: c.expires_at.into(), rows: i32::try_from(c.rows).unwrap_or(i32::MAX) }
    }
}

fn env(s: &AppState) -> Env<'_> {
    Env {
        db: &s.db,
        files: &s.files,
        settings: &s.settings.exports,
        calendar: &s.calendar,
        transfer_answer_days: s.settings.rules.transfer_answer_days,
    }
}

#[derive(Default)]
pub struct ExportQuery;

#[Object]
impl ExportQuery {
    /// The cases `cases(filter)` would list for the caller, every page, newest filing first,
    /// as a spreadsheet: the same rows, masked as the caller reads them (court trainees: 张某 /
    /// 某公司, no identifiers). Audited. `FORBIDDEN` to dashboards (statistics only).
    async fn export_cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        format: ExportFormat,
    ) -> Result<ExportObject> {
        let p = principal(ctx)?;
        let parsed = filter.unwrap_or_default().parse()?;
        let created = service::export_cases(&env(state(ctx)?), p, request(ctx)?.today, &parsed, format.into()).await?;
        Ok(created.into())
    }

    /// The transfers `transfers(filter)` would list for the caller, every page, newest request
    /// first, as a spreadsheet. Audited. `FORBIDDEN` to dashboards (statistics only).
    async fn export_transfers(
        &self,
        ctx: &Context<'_>,
        filter: Option<TransferFilter>,
        format: ExportFormat,
    ) -> Result<ExportObject> {
        let p = principal(ctx)?;
        let app = state(ctx)?;
        let today = request(ctx)?.today;
        // The parsing of `transfers(filter)`.
        let parsed = filter.unwrap_or_default().parse(app, today)?;
        let created = service::export_transfers(&env(app), p, today, &parsed, format.into()).await?;
        Ok(created.into())
    }

    /// The tables of section 一 of the annual report for `year` (the figures of
    /// `statistics(year, departmentId, town)`, same scope rules and roles) as a spreadsheet,
    /// one table after another. Audited.
    async fn export_statistics(
        &self,
        ctx: &Context<'_>,
        year: i32,
        department_id: Option<ID>,
        town: Option<String>,
        format: ExportFormat,
    ) -> Result<ExportObject> {
        let scope = crate::statistics::schema::parse_scope(department_id.as_ref(), town)?;
        let figures = crate::statistics::schema::figures(ctx, year, &scope).await?;
        let created = service::export_statistics(&env(state(ctx)?), principal(ctx)?, &figures, format.into()).await?;
        Ok(created.into())
    }
}
