//! Refresh-token rotation: tokens of one sign-in share a family; a rotated token presented
//! again revokes the whole family.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{add_columns, index};

super::migration!(m => {
    let family = vec![
        string_null("family"),
        timestamp_with_time_zone_null("rotated_at"),
    ];
    add_columns(m, "refresh_tokens", family).await?;
    m.create_index(index("refresh_tokens", &["family"], false))
        .await
});
