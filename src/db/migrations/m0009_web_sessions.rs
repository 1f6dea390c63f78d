//! One sessions table for every server-rendered page, staff's panel and customers' portal
//! alike: `kind` says whose session it is, and a flash message carries its level in a column
//! of its own instead of a `level:` prefix in the text. Live panel sessions are carried over,
//! so nobody is signed out by the upgrade. Replaces `staff_sessions` (m0002).

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
                .table("web_sessions")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("kind"))
                .col(string("csrf_token"))
                .col(string_null("flash_level"))
                .col(text_null("flash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_web_sessions_user_id")
                        .from("web_sessions", "user_id")
                        .to("users", "id"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_web_sessions_user_id")
                .table("web_sessions")
                .col("user_id")
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO web_sessions \
                 (token_hash, user_id, kind, csrf_token, created_at, expires_at, revoked_at) \
                 SELECT token_hash, user_id, 'staff', csrf_token, created_at, expires_at, revoked_at \
                 FROM staff_sessions WHERE revoked_at IS NULL",
            )
            .await?;
        m.drop_table(Table::drop().table("staff_sessions").take())
            .await
    }
}
