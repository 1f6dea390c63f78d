//! Failed sign-ins, counted per email and per client address to slow down password guessing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, index};

super::migration!(m => {
    m.create_table(
        create("login_failures")
            .col(string("subject"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
    )
    .await?;
    m.create_index(index("login_failures", &["subject", "created_at"], false))
        .await
});
