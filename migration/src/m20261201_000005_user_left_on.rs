//! The day a user left (`updateUser(active: false)`), so that a past year's figures of officers
//! on the roll (the certificate rate) never move when someone leaves later. Null while the user
//! is active; cleared again on reactivation. Users deactivated before this column existed keep
//! a null: they count as gone on a day nobody recorded (as `active` alone said before).
//! Additive: one nullable column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::drop_columns;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000005_user_left_on"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").add_column(date_null("left_on")).to_owned()).await
    }

    /// Drops `users.left_on`. Lost: the day each inactive user left, so past years' rates count
    /// them as gone on an unrecorded day again (as before this migration).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(m, "users", &["left_on"]).await
    }
}
