//! Refresh-token rotation: tokens of one sign-in share a family; a rotated token presented
//! again revokes the whole family.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Named after this file (`DeriveMigrationName`): the name recorded in `seaql_migrations`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table("refresh_tokens")
                .add_column(string_null("family"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("refresh_tokens")
                .add_column(timestamp_with_time_zone_null("rotated_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_family")
                .table("refresh_tokens")
                .col("family")
                .take(),
        )
        .await
    }
}
