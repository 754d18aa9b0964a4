//! The two file formats of an export, behind one writer fed row by row: XLSX with
//! `rust_xlsxwriter` in constant-memory mode (each row goes to a temporary file as soon as the
//! next one starts, so a 100k-row list is never held in memory) and CSV in UTF-8 with a BOM and
//! CRLF line ends (Excel opens such a file as UTF-8, so Chinese reads right).
//!
//! Writing is blocking file and zip work: [`spawn`] runs it on a blocking thread fed through
//! a bounded channel, so the async runtime never waits on it and at most a few pages are in
//! flight.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use tokio::sync::mpsc;

use crate::error::{AppError, AppResult};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }

    pub fn parse(extension: &str) -> Option<Self> {
        match extension {
            "xlsx" => Some(FileFormat::Xlsx),
            "csv" => Some(FileFormat::Csv),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One cell. Money is kept in fen and written as yuan with two decimals (a number in XLSX
/// with the format `#,##0.00`, `1234.50` in CSV); dates and times are real dates in XLSX.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Money(i64),
    Date(NaiveDate),
    /// A local (Asia/Shanghai) date and time, to the minute.
    DateTime(NaiveDateTime),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(fen) => crate::domain::Yuan::from_fen(*fen).to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

/// What the writer is told, in order.
#[derive(Debug)]
pub enum Line {
    /// A table's title, in bold in XLSX.
    Title(String),
    /// Column names, in bold in XLSX.
    Header(Vec<String>),
    /// A data row (counted in `rows`).
    Row(Vec<Cell>),
    /// An empty line between two tables.
    Blank,
}

/// Rows a writer may be behind the reader (pages are sent row by row).
const CHANNEL_ROWS: usize = 2_000;

/// A writer running on a blocking thread: send lines with [`Feed::send`], then
/// [`Feed::finish`] to close the file and learn how many data rows it holds.
pub struct Feed {
    tx: mpsc::Sender<Line>,
    done: tokio::task::JoinHandle<AppResult<u64>>,
}

impl Feed {
    pub async fn send(&self, line: Line) -> AppResult<()> {
        // A closed channel means the writer stopped on an error: `finish` reports it.
        if self.tx.send(line).await.is_err() {
            return Err(AppError::internal("the export writer stopped"));
        }
        Ok(())
    }

    /// Closes the channel, waits for the file to be complete, and returns the data rows.
    pub async fn finish(self) -> AppResult<u64> {
        drop(self.tx);
        self.done.await.map_err(|e| AppError::internal(format!("export writer: {e}")))?
    }
}

/// Starts a writer of `format` into `path`, on a sheet named `sheet` (XLSX).
pub fn spawn(format: FileFormat, path: &Path, sheet: &str, widths: &[f64]) -> Feed {
    let (tx, rx) = mpsc::channel(CHANNEL_ROWS);
    let (path, sheet, widths) = (path.to_path_buf(), sheet.to_string(), widths.to_vec());
    let done = tokio::task::spawn_blocking(move || match format {
        FileFormat::Xlsx => {
            write_xlsx(rx, &path, &sheet, &widths).map_err(|e| AppError::internal(format!("xlsx: {e}")))
        }
        FileFormat::Csv => write_csv(rx, &path).map_err(|e| AppError::internal(format!("csv: {e}"))),
    });
    Feed { tx, done }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    // Years outside u16 cannot occur in cases (chrono and the database keep 4-digit years).
    ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(1900), d.month() as u8, d.day() as u8)
}

fn write_xlsx(mut rx: mpsc::Receiver<Line>, path: &Path, sheet: &str, widths: &[f64]) -> Result<u64, XlsxError> {
    let mut book = Workbook::new();
    if let Some(dir) = path.parent() {
        // The row files of constant-memory mode sit beside the output, not in /tmp.
        book.set_tempdir(dir)?;
    }
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    for (col, width) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
    }
    let (mut row, mut rows): (u32, u64) = (0, 0);
    while let Some(line) = rx.blocking_recv() {
        match line {
            Line::Title(t) => {
                ws.write_string_with_format(row, 0, t, &bold)?;
            }
            Line::Header(names) => {
                for (col, name) in names.iter().enumerate() {
                    ws.write_string_with_format(row, col as u16, name, &bold)?;
                }
                if row == 0 {
                    ws.set_freeze_panes(1, 0)?;
                }
            }
            Line::Row(cells) => {
                rows += 1;
                for (col, cell) in cells.iter().enumerate() {
                    let col = col as u16;
                    match cell {
                        Cell::Empty => {}
                        Cell::Text(s) => {
                            ws.write_string(row, col, s)?;
                        }
                        Cell::Int(n) => {
                            ws.write_number(row, col, *n as f64)?;
                        }
                        Cell::Money(fen) => {
                            ws.write_number_with_format(row, col, *fen as f64 / 100.0, &money)?;
                        }
                        Cell::Date(d) => {
                            ws.write_datetime_with_format(row, col, excel_date(*d)?, &date)?;
                        }
                        Cell::DateTime(t) => {
                            let at = excel_date(t.date())?.and_hms(t.hour() as u16, t.minute() as u8, 0)?;
                            ws.write_datetime_with_format(row, col, at, &datetime)?;
                        }
                    }
                }
            }
            Line::Blank => {}
        }
        row += 1;
    }
    book.save(path)?;
    Ok(rows)
}

fn write_csv(mut rx: mpsc::Receiver<Line>, path: &Path) -> Result<u64, csv::Error> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    // The UTF-8 byte order mark: without it Excel reads the file in the system's code page.
    file.write_all(b"\xEF\xBB\xBF")?;
    let builder = {
        let mut b = csv::WriterBuilder::new();
        b.flexible(true).terminator(csv::Terminator::CRLF);
        b
    };
    let mut out = builder.from_writer(file);
    let mut rows = 0;
    while let Some(line) = rx.blocking_recv() {
        match line {
            Line::Title(t) => out.write_record([t])?,
            Line::Header(names) => out.write_record(&names)?,
            Line::Row(cells) => {
                rows += 1;
                out.write_record(cells.iter().map(Cell::csv))?;
            }
            Line::Blank => {
                // An empty line, not the `""` record `csv` would write for one empty field.
                let mut file = out.into_inner().map_err(|e| e.into_error())?;
                file.write_all(b"\r\n")?;
                out = builder.from_writer(file);
            }
        }
    }
    out.flush()?;
    Ok(rows)
}
