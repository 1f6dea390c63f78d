//! Stored first answers of requests sent with an `Idempotency-Key`.

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
                .table("idempotency_keys")
                .col(big_pk_auto("id"))
                .col(string("scope"))
                .col(string("key"))
                .col(string("fingerprint"))
                .col(string("state"))
                .col(integer_null("status_code"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_idempotency_keys_scope_key")
                .table("idempotency_keys")
                .col("scope")
                .col("key")
                .unique()
                .take(),
        )
        .await
    }
}
