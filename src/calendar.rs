//! Working days in mainland China: weekends and the State Council's holiday table, with
//! make-up working days (调休) counting as working days. Dates are Asia/Shanghai calendar dates.
//!
//! The table lives in the `holidays` table (2023–2026 ship with the migrations; operators load
//! later years). A year with no rows at all is treated as having no holidays, and
//! [`Calendar::covers`] tells whether a year was loaded, so start-up can warn about it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Utc, Weekday};
use entity::prelude::Holiday;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

/// Asia/Shanghai has been UTC+8 without daylight saving since 1991.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// The Asia/Shanghai calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// Today in Asia/Shanghai.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// The first instant (UTC) of a Shanghai calendar date.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(shanghai()).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| unreachable!("a fixed offset has no gaps"))
}

/// R14: when an action happened (`effectiveAt`, default `now`): never in the future (1 minute
/// leeway), at most `backdate_days` back, never before `previous`, the step it follows (named
/// in the message). Errors name the field `effectiveAt`.
pub fn effective_at(
    backdate_days: u32,
    given: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    previous: Option<(DateTime<Utc>, &str)>,
) -> crate::error::AppResult<DateTime<Utc>> {
    use crate::error::AppError;
    let Some(at) = given else { return Ok(now) };
    if at > now + chrono::Duration::minutes(1) {
        return Err(AppError::bad_input("effectiveAt", "an action cannot happen in the future"));
    }
    if at < now - chrono::Duration::days(i64::from(backdate_days)) {
        return Err(AppError::bad_input(
            "effectiveAt",
            format!("an action may be recorded at most {backdate_days} days after it happened"),
        ));
    }
    if let Some((previous, what)) = previous.filter(|(prev, _)| at < *prev) {
        return Err(AppError::bad_input(
            "effectiveAt",
            format!("{what} happened at {}; an action cannot precede it", previous.to_rfc3339()),
        ));
    }
    Ok(at)
}

/// `[start, end)` in UTC of a Shanghai calendar year, for range conditions on indexed columns.
pub fn year_bounds(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
    Some((start_of_day(from), start_of_day(to)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Off,
    Workday,
}

/// The holiday table, loaded once and shared.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl Calendar {
    /// Builds a calendar from `(day, kind)` rows, kind being `off` or `workday`.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (NaiveDate, &'a str)>) -> Self {
        let mut cal = Self::default();
        for (day, kind) in rows {
            let kind = if kind == "workday" { DayKind::Workday } else { DayKind::Off };
            cal.days.insert(day, kind);
            cal.years.insert(day.year());
        }
        cal
    }

    /// Loads the whole holiday table (a few dozen rows a year).
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let rows = Holiday::find().all(db).await?;
        Ok(Self::from_rows(rows.iter().map(|r| (r.day, r.kind.as_str()))))
    }

    /// Whether a holiday table was loaded for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.days.get(&day) {
            Some(DayKind::Off) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`th working day after `day`: counting starts the day after the event, so a
    /// transfer requested on a plain Monday with `n = 5` is due the next Monday.
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut current = day;
        let mut left = n;
        while left > 0 {
            current = next_day(current);
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }

    /// `day + n` calendar days (T1: the filing date + 90).
    pub fn add_calendar_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        day.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
    }
}

/// One row of a holiday table.
#[derive(serde::Deserialize)]
struct TableRow {
    from: String,
    to: String,
    kind: String,
    #[serde(default)]
    name: String,
}

/// Parses a holiday table (`from,to,kind,name`, one range a row; RFC 4180 CSV, so a name may
/// be quoted and hold commas; a UTF-8 byte-order mark, as Excel writes one, is allowed) into
/// days.
pub fn parse_table(csv: &str) -> Result<Vec<(NaiveDate, String, String)>, String> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(csv.as_bytes());
    let headers = reader.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    if headers.iter().collect::<Vec<_>>() != ["from", "to", "kind", "name"] {
        return Err(format!(
            "line 1: the header is from,to,kind,name, not {}",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut days = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let n = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("line {}: {e}", e.position().map_or(n, |p| p.line()))),
        }
        let n = record.position().map_or(n, |p| p.line());
        let row: TableRow = record.deserialize(Some(&headers)).map_err(|e| format!("line {n}: {e}"))?;
        let TableRow { from, to, kind, name } = row;
        if kind != "off" && kind != "workday" {
            return Err(format!("line {n}: kind is off or workday, not {kind}"));
        }
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("line {n}: {s}: {e}"));
        let (mut day, to) = (date(&from)?, date(&to)?);
        if to < day || (to - day).num_days() > 31 {
            return Err(format!("line {n}: a range runs forward, at most a month"));
        }
        while day <= to {
            days.push((day, kind.clone(), name.clone()));
            day = next_day(day);
        }
    }
    Ok(days)
}

/// Loads a holiday table into the database (replacing the days it covers), in one transaction.
pub async fn load_table(db: &sea_orm::DatabaseConnection, csv: &str) -> Result<usize, crate::error::BoxError> {
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{Set, TransactionTrait};
    let days = parse_table(csv)?;
    let txn = db.begin().await?;
    for (day, kind, name) in &days {
        let row = entity::holiday::ActiveModel { day: Set(*day), kind: Set(kind.clone()), name: Set(name.clone()) };
        Holiday::insert(row)
            .on_conflict(
                OnConflict::column(entity::holiday::Column::Day)
                    .update_columns([entity::holiday::Column::Kind, entity::holiday::Column::Name])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(days.len())
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn an_effective_time_is_bounded_by_now_the_backdate_window_and_the_previous_step() {
        let now = Utc::now();
        let h = chrono::Duration::hours;
        let field = |r: crate::error::AppResult<DateTime<Utc>>| match r {
            Err(crate::error::AppError::BadInput { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(effective_at(30, None, now, Some((now + h(1), "x"))).ok(), Some(now));
        assert_eq!(effective_at(30, Some(now - h(24)), now, Some((now - h(48), "x"))).ok(), Some(now - h(24)));
        assert!(effective_at(30, Some(now + chrono::Duration::seconds(30)), now, None).is_ok());
        assert_eq!(field(effective_at(30, Some(now + h(1)), now, None)), "effectiveAt");
        assert_eq!(field(effective_at(30, Some(now - h(31 * 24)), now, None)), "effectiveAt");
        assert_eq!(
            field(effective_at(30, Some(now - h(2)), now, Some((now - h(1), "the publication")))),
            "effectiveAt"
        );
    }

    fn shipped() -> Calendar {
        let csv = include_str!("../migration/src/holidays-cn.csv");
        let mut rows = Vec::new();
        for line in csv.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let (mut day, to) = (d(cols[0]), d(cols[1]));
            while day <= to {
                rows.push((day, if cols[2] == "workday" { "workday" } else { "off" }));
                day = day.succ_opt().expect("date");
            }
        }
        Calendar::from_rows(rows)
    }

    #[test]
    fn five_working_days_from_a_plain_monday_is_the_next_monday() {
        let cal = shipped();
        assert_eq!(cal.add_working_days(d("2023-03-06"), 5), d("2023-03-13"));
    }

    #[test]
    fn national_day_week_is_skipped_and_makeup_saturday_counts() {
        let cal = shipped();
        // Thu 2023-09-28: Fri 29 – Fri 6 Oct are off; Sat 7 and Sun 8 are make-up working days.
        assert!(!cal.is_working_day(d("2023-10-02")));
        assert!(cal.is_working_day(d("2023-10-07")));
        assert_eq!(cal.add_working_days(d("2023-09-28"), 1), d("2023-10-07"));
        assert_eq!(cal.add_working_days(d("2023-09-28"), 3), d("2023-10-09"));
    }

    #[test]
    fn spring_festival_2024_including_makeup_sunday() {
        let cal = shipped();
        // Fri 2024-02-09 → Sun 18 Feb is a make-up working day after the 10–17 Feb holiday.
        assert_eq!(cal.add_working_days(d("2024-02-09"), 1), d("2024-02-18"));
    }

    #[test]
    fn holiday_tables_parse_and_refuse_nonsense() {
        let days =
            parse_table("from,to,kind,name\n2027-01-01,2027-01-03,off,元旦\n2027-01-04,2027-01-04,workday,调休\n")
                .expect("parses");
        assert_eq!(days.len(), 4);
        assert_eq!(days[3].1, "workday");
        assert!(parse_table("from,to,kind,name\n2027-01-03,2027-01-01,off,x\n").is_err());
        assert!(parse_table("from,to,kind,name\n2027-01-01,2027-01-01,holiday,x\n").is_err());
        assert!(parse_table("from,to,kind,name\n2027-13-01,2027-13-01,off,x\n").is_err());
    }

    #[test]
    fn a_holiday_table_is_csv_quoted_names_a_bom_and_errors_by_line() {
        let table = "\u{feff}from,to,kind,name\r\n2027-10-01,2027-10-07,off,\"国庆节, 中秋节\"\r\n\
                     2027-09-26,2027-09-26,workday,\"调休 \"\"上班\"\"\"\r\n";
        let days = parse_table(table).expect("a quoted name with a comma and a BOM parse");
        assert_eq!(days.len(), 8);
        assert_eq!(days[0].2, "国庆节, 中秋节");
        assert_eq!(days[7].2, "调休 \"上班\"");
        let err = parse_table("from,to,kind,name\n2027-01-01,2027-01-01,off,x\n2027-01-02,2027-01-02,off\n")
            .expect_err("a short row");
        assert!(err.starts_with("line 3"), "{err}");
        let err = parse_table("from,to,kind,name\n2027-01-01,2027-01-01,off,x\n2027-01-02,2027-01-02,nope,y\n")
            .expect_err("a bad kind");
        assert!(err.starts_with("line 3"), "{err}");
        assert!(parse_table("day,kind\n2027-01-01,off\n").expect_err("wrong header").contains("header"));
    }

    #[test]
    fn calendar_days_and_year_coverage() {
        let cal = shipped();
        assert_eq!(cal.add_calendar_days(d("2023-01-10"), 90), d("2023-04-10"));
        assert!(cal.covers(2026));
        assert!(!cal.covers(2030));
    }

    #[test]
    fn shanghai_dates_and_year_bounds() {
        let late = DateTime::parse_from_rfc3339("2023-12-31T16:30:00Z").expect("ts").with_timezone(&Utc);
        assert_eq!(local_date(late), d("2024-01-01"));
        let (from, to) = year_bounds(2024).expect("bounds");
        assert_eq!(from.to_rfc3339(), "2023-12-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2024-12-31T16:00:00+00:00");
    }
}
