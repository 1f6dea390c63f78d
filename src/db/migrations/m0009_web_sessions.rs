//! One sessions table for every server-rendered page, staff's panel and customers' portal
//! alike: `staff_sessions` (m0002) becomes `web_sessions`, with `kind` saying whose session it
//! is (every existing one is staff's) and a flash message's level in a column of its own
//! instead of a `level:` prefix in the text. Live panel sessions carry over, so nobody is
//! signed out by the upgrade; a pending flash, written the old way, is dropped. The index and
//! foreign key keep their `staff_sessions` names (SQLite cannot rename an index).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Named after this file (`DeriveMigrationName`): the name recorded in `seaql_migrations`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.rename_table(
            Table::rename()
                .table("staff_sessions", "web_sessions")
                .take(),
        )
        .await?;
        // SQLite takes one change per ALTER TABLE.
        for column in [
            string("kind").default("staff").take(),
            string_null("flash_level"),
        ] {
            m.alter_table(
                Table::alter()
                    .table("web_sessions")
                    .add_column(column)
                    .take(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared("UPDATE web_sessions SET flash = NULL")
            .await
            .map(drop)
    }
}
