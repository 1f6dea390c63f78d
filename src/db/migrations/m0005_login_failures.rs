//! Failed sign-ins, counted per email and per client address to slow down password guessing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{create, create_all, index};

super::migration!(m => {
    let failures = create("login_failures")
        .col(string("subject"))
        .col(timestamp_with_time_zone("created_at"))
        .take();
    let by_subject = index("login_failures", &["subject", "created_at"], false);
    create_all(m, [failures], [by_subject]).await
});
