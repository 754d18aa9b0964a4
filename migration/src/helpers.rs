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
