//! Password resets: a single-use token (only its SHA-256 kept) with an expiry, per user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, fk, index, named_index};

super::migration!(m => {
    m.create_table(
        create("password_resets")
            .col(big_integer("user_id"))
            .col(string("token_hash"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("used_at"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(
                &mut fk("password_resets", "user_id", "users")
                    .on_delete(ForeignKeyAction::Cascade)
                    .take(),
            )
            .take(),
    )
    .await?;
    m.create_index(named_index(
        "ux_password_resets_token_hash",
        "password_resets",
        &["token_hash"],
        true,
    ))
    .await?;
    m.create_index(index("password_resets", &["user_id"], false))
        .await
});
