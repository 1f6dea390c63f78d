//! Failed sign-ins, counted per email and per client address to slow down password guessing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Named after this file (`DeriveMigrationName`): the name recorded in `seaql_migrations`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("login_failures")
                .col(big_pk_auto("id"))
                .col(string("subject"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_failures_subject_created_at")
                .table("login_failures")
                .col("subject")
                .col("created_at")
                .take(),
        )
        .await
    }
}
