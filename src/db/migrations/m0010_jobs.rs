//! The outbox: jobs written in the same transaction as the state change that causes them
//! (a mail, a webhook), run afterwards by the job runner. A job's `unique_key` makes enqueuing
//! it twice a no-op; `locked_by`/`locked_until` are its lease while a runner holds it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, create_all, index, unique};

super::migration!(m => {
    let jobs = create("jobs")
        .col(string("kind"))
        .col(string("unique_key"))
        .col(text("payload"))
        .col(string("state"))
        .col(integer("attempts"))
        .col(integer("max_attempts"))
        .col(timestamp_with_time_zone("run_at"))
        .col(string_null("locked_by"))
        .col(timestamp_with_time_zone_null("locked_until"))
        .col(text_null("last_error"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .take();
    let indexes = [
        unique("jobs", &["unique_key"]),
        index("jobs", &["state", "run_at"], false),
    ];
    create_all(m, [jobs], indexes).await
});
