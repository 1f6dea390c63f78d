//! Stored first answers of requests sent with an `Idempotency-Key`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, named_index};

super::migration!(m => {
    m.create_table(
        create("idempotency_keys")
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
    let unique = named_index(
        "ux_idempotency_keys_scope_key",
        "idempotency_keys",
        &["scope", "key"],
        true,
    );
    m.create_index(unique).await
});
