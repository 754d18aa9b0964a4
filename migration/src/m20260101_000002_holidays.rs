//! The State Council's holiday tables for 2023–2026 (`holidays-cn.csv`, one range a row).
//! Later years are loaded by operators into the same table.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000002_holidays"
    }
}

const TABLE: &str = include_str!("holidays-cn.csv");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table("holidays").columns(["day", "kind", "name"]);
        for line in TABLE.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split(',').collect();
            let [from, to, kind, name] = cols[..] else {
                return Err(DbErr::Migration(format!("bad holiday row: {line}")));
            };
            let parse = |s: &str| {
                sea_orm::prelude::Date::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|e| DbErr::Migration(format!("bad date {s}: {e}")))
            };
            let (from, to) = (parse(from)?, parse(to)?);
            let mut day = from;
            while day <= to {
                insert.values_panic([day.into(), kind.into(), name.into()]);
                day = day.succ_opt().ok_or_else(|| DbErr::Migration("date overflow".into()))?;
            }
        }
        m.exec_stmt(insert).await
    }
}
