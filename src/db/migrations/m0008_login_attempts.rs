//! Sign-in attempts counted per subject in one row, so that checking the limit and counting an
//! attempt are one statement (an upsert) instead of a count followed by an insert, which
//! parallel requests could all pass. Replaces `login_failures` (m0005).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

super::migration!(m => {
    m.create_table(
        Table::create()
            .table("login_attempts")
            .col(string("subject").primary_key())
            .col(timestamp_with_time_zone("window_started_at"))
            .col(integer("attempts"))
            .take(),
    )
    .await?;
    m.drop_table(Table::drop().table("login_failures").take())
        .await
});
