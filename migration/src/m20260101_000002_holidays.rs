//! The State Council's holiday tables for 2023–2026 (`holidays-cn.csv`, one range a row).
//! Later years are loaded by operators into the same table.

use sea_orm::prelude::Date;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000002_holidays"
    }
}

const TABLE: &str = include_str!("holidays-cn.csv");

/// Every day of the table with its kind and name, one entry a day of each range.
/// The shipped table's days, read with a real CSV reader (a quoted name may hold a comma),
/// the same format `casebridge holidays --load` reads.
fn days() -> Result<Vec<(Date, String, String)>, DbErr> {
    let bad = |e: &dyn std::fmt::Display| DbErr::Migration(format!("holidays-cn.csv: {e}"));
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(TABLE.as_bytes());
    let mut days = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| bad(&e))?;
        let [from, to, kind, name] = [0, 1, 2, 3].map(|i| row.get(i).unwrap_or_default());
        let parse = |s: &str| Date::parse_from_str(s, "%Y-%m-%d").map_err(|e| bad(&format!("{s}: {e}")));
        let (from, to) = (parse(from)?, parse(to)?);
        let mut day = from;
        while day <= to {
            days.push((day, kind.to_string(), name.to_string()));
            day = day.succ_opt().ok_or_else(|| bad(&"date overflow"))?;
        }
    }
    Ok(days)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table("holidays").columns(["day", "kind", "name"]);
        for (day, kind, name) in days()? {
            insert.values_panic([day.into(), kind.into(), name.into()]);
        }
        m.exec_stmt(insert).await
    }

    /// Deletes the days of the table this migration inserted (whatever an operator has since
    /// changed on those days), so that the up can insert them again; the days of later years
    /// that operators loaded stay. Without these days, deadlines count them as working days.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let days: Vec<Date> = days()?.into_iter().map(|(day, _, _)| day).collect();
        m.exec_stmt(Query::delete().from_table("holidays").and_where(Expr::col("day").is_in(days)).to_owned()).await
    }
}
