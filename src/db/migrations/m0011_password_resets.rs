//! Password resets: a single-use token (only its SHA-256 kept) with an expiry, per user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, create, create_all, index, unique};

super::migration!(m => {
    let resets = create("password_resets")
        .reference_cascade("user_id", "users")
        .col(string("token_hash"))
        .col(timestamp_with_time_zone("expires_at"))
        .col(timestamp_with_time_zone_null("used_at"))
        .col(timestamp_with_time_zone("created_at"))
        .take();
    let indexes = [
        unique("password_resets", &["token_hash"]),
        index("password_resets", &["user_id"], false),
    ];
    create_all(m, [resets], indexes).await
});
