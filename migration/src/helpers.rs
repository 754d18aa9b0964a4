//! Small builders shared by the migrations (names follow `fk_<table>_<column>`,
//! `ix_<table>_<columns>`, `ux_<table>_<columns>`).

use sea_orm_migration::prelude::*;

pub fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

pub fn unique(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = index(table, cols);
    stmt.name(format!("ux_{table}_{}", cols.join("_"))).unique();
    stmt
}

/// Undoes [`index`]: the same name, so a down drops exactly what the up created.
pub fn drop_index(table: &'static str, cols: &[&'static str]) -> IndexDropStatement {
    Index::drop().name(format!("ix_{table}_{}", cols.join("_"))).table(table).to_owned()
}

/// Drops `tables` in the order given: list children before their parents, so that no
/// foreign key points at a table that is gone (PostgreSQL refuses that; SQLite with
/// `foreign_keys = ON` empties a dropped parent first, which would fail on its children's rows).
/// Their indexes and constraints go with them on both backends.
pub async fn drop_tables(m: &SchemaManager<'_>, tables: &[&'static str]) -> Result<(), DbErr> {
    for table in tables {
        m.drop_table(Table::drop().table(*table).to_owned()).await?;
    }
    Ok(())
}

/// Drops the columns an up added, one `ALTER TABLE … DROP COLUMN` each (SQLite takes one
/// alteration a statement). SQLite 3.35+ drops a column in place only when no index, key,
/// foreign key, view or trigger names it: the callers drop such indexes first, and none of the
/// added columns is in a key or a foreign key.
pub async fn drop_columns(m: &SchemaManager<'_>, table: &'static str, cols: &[&'static str]) -> Result<(), DbErr> {
    for col in cols {
        m.alter_table(Table::alter().table(table).drop_column(*col).to_owned()).await?;
    }
    Ok(())
}
