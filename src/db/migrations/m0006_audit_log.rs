//! The audit log: every money and staff action, append-only.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, create_all, index, named_index};

super::migration!(m => {
    let log = create("audit_log")
        .col(timestamp_with_time_zone("at"))
        .col(big_integer_null("actor_id"))
        .col(string("request_id"))
        .col(string("action"))
        .col(string("object_type"))
        .col(big_integer("object_id"))
        .col(text("before"))
        .col(text("after"))
        .col(big_integer_null("ledger_id"))
        .take();
    let object = &["object_type", "object_id"];
    let indexes = [
        named_index("ix_audit_log_object", "audit_log", object, false),
        index("audit_log", &["actor_id"], false),
        index("audit_log", &["ledger_id"], false),
    ];
    create_all(m, [log], indexes).await
});
