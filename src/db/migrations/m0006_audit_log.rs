//! The audit log: every money and staff action, append-only.

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
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("actor_id"))
                .col(string("request_id"))
                .col(string("action"))
                .col(string("object_type"))
                .col(big_integer("object_id"))
                .col(text("before"))
                .col(text("after"))
                .col(big_integer_null("ledger_id"))
                .take(),
        )
        .await?;
        for (name, cols) in [
            ("ix_audit_log_object", &["object_type", "object_id"][..]),
            ("ix_audit_log_actor_id", &["actor_id"][..]),
            ("ix_audit_log_ledger_id", &["ledger_id"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("audit_log");
            for col in cols {
                idx.col(*col);
            }
            m.create_index(idx.take()).await?;
        }
        Ok(())
    }
}
