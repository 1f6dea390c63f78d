//! Server-side sessions for the staff admin panel.

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
                .table("staff_sessions")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("csrf_token"))
                .col(text_null("flash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_staff_sessions_user_id")
                        .from("staff_sessions", "user_id")
                        .to("users", "id"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_staff_sessions_user_id")
                .table("staff_sessions")
                .col("user_id")
                .take(),
        )
        .await
    }
}
