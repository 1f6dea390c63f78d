//! One sessions table for every server-rendered page, staff's panel and customers' portal
//! alike: `staff_sessions` (m0002) becomes `web_sessions`, with `kind` saying whose session it
//! is (every existing one is staff's) and a flash message's level in a column of its own
//! instead of a `level:` prefix in the text. Live panel sessions carry over, so nobody is
//! signed out by the upgrade; a pending flash, written the old way, is dropped. The index and
//! foreign key keep their `staff_sessions` names (SQLite cannot rename an index).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::add_columns;

super::migration!(m => {
    m.rename_table(
        Table::rename()
            .table("staff_sessions", "web_sessions")
            .take(),
    )
    .await?;
    let kind_and_level = vec![
        string("kind").default("staff").take(),
        string_null("flash_level"),
    ];
    add_columns(m, "web_sessions", kind_and_level).await?;
    m.get_connection()
        .execute_unprepared("UPDATE web_sessions SET flash = NULL")
        .await
        .map(drop)
});
