//! Stored first answers of requests sent with an `Idempotency-Key`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, create_all, unique};

super::migration!(m => {
    let keys = create("idempotency_keys")
        .col(string("scope"))
        .col(string("key"))
        .col(string("fingerprint"))
        .col(string("state"))
        .col(integer_null("status_code"))
        .col(text_null("response_body"))
        .col(timestamp_with_time_zone("created_at"))
        .take();
    create_all(m, [keys], [unique("idempotency_keys", &["scope", "key"])]).await
});
