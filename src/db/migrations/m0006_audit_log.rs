//! The audit log: every money and staff action, append-only.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, index, named_index};

super::migration!(m => {
    m.create_table(
        create("audit_log")
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
    let object = &["object_type", "object_id"];
    m.create_index(named_index(
        "ix_audit_log_object",
        "audit_log",
        object,
        false,
    ))
    .await?;
    for col in ["actor_id", "ledger_id"] {
        m.create_index(index("audit_log", &[col], false)).await?;
    }
    Ok(())
});
