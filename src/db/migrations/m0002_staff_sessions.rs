//! Server-side sessions for the staff admin panel.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, create, create_all, index};

super::migration!(m => {
    let sessions = create("staff_sessions")
        .col(string_uniq("token_hash"))
        .reference("user_id", "users")
        .col(string("csrf_token"))
        .col(text_null("flash"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("expires_at"))
        .col(timestamp_with_time_zone_null("revoked_at"))
        .take();
    create_all(m, [sessions], [index("staff_sessions", &["user_id"], false)]).await
});
