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
fn days() -> Result<Vec<(Date, &'static str, &'static str)>, DbErr> {
    let mut days = Vec::new();
    for line in TABLE.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let [from, to, kind, name] = cols[..] else {
            return Err(DbErr::Migration(format!("bad holiday row: {line}")));
        };
        let parse =
            |s: &str| Date::parse_from_str(s, "%Y-%m-%d").map_err(|e| DbErr::Migration(format!("bad date {s}: {e}")));
        let (from, to) = (parse(from)?, parse(to)?);
        let mut day = from;
        while day <= to {
            days.push((day, kind, name));
            day = day.succ_opt().ok_or_else(|| DbErr::Migration("date overflow".into()))?;
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
