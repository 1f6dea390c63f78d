//! Counters for the staff users list, in m0020's `status_counts` under `list = 'users'`: users
//! have no status, so each is counted in the bucket of its two filters, `staff active`,
//! `customer inactive` and so on (`user_bucket`), and the list's total under any choice of
//! those filters is a sum of buckets (`domain::status_counts::users_matching`). Kept by
//! triggers in the same transaction as every insert, role or activation change and delete;
//! checked by `tollgate verify` (`status-counters`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The SQL naming the bucket of the users row `row` (`new`, `old` or the table).
pub(crate) fn user_bucket(row: &str) -> String {
    format!(
        "(CASE WHEN {row}.is_staff THEN 'staff' ELSE 'customer' END || ' ' || \
         CASE WHEN {row}.is_active THEN 'active' ELSE 'inactive' END)"
    )
}

fn upsert(bucket: &str, by: &str, slot: &str) -> String {
    format!(
        "INSERT INTO status_counts (list, status, slot, n) VALUES ('users', {bucket}, {slot}, {by}) \
         ON CONFLICT (list, status, slot) DO UPDATE SET n = status_counts.n + {by};"
    )
}

const CHANGED: &str = "is_staff, is_active";

fn sqlite_triggers() -> [String; 3] {
    let (new, old) = (user_bucket("new"), user_bucket("old"));
    [
        format!(
            "CREATE TRIGGER users_counts_insert AFTER INSERT ON users BEGIN {} END",
            upsert(&new, "1", "0")
        ),
        format!(
            "CREATE TRIGGER users_counts_update AFTER UPDATE OF {CHANGED} ON users \
             WHEN {old} IS NOT {new} BEGIN {} {} END",
            upsert(&old, "-1", "0"),
            upsert(&new, "1", "0")
        ),
        format!(
            "CREATE TRIGGER users_counts_delete AFTER DELETE ON users BEGIN {} END",
            upsert(&old, "-1", "0")
        ),
    ]
}

/// As m0020's `status_counts_move`, with the bucket for the status; slot per connection.
fn postgres_function() -> String {
    let s = "pg_backend_pid() % 16";
    format!(
        "CREATE FUNCTION users_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF TG_OP <> 'INSERT' THEN {} END IF; \
           IF TG_OP <> 'DELETE' THEN {} END IF; \
           RETURN NULL; \
         END $$",
        upsert(&user_bucket("OLD"), "-1", s),
        upsert(&user_bucket("NEW"), "1", s),
    )
}

fn postgres_triggers() -> [String; 2] {
    [
        "CREATE TRIGGER users_counts_insert_delete AFTER INSERT OR DELETE ON users \
         FOR EACH ROW EXECUTE FUNCTION users_counts_move()"
            .to_owned(),
        format!(
            "CREATE TRIGGER users_counts_update AFTER UPDATE OF {CHANGED} ON users \
             FOR EACH ROW WHEN ({} IS DISTINCT FROM {}) EXECUTE FUNCTION users_counts_move()",
            user_bucket("OLD"),
            user_bucket("NEW")
        ),
    ]
}

super::migration!(m => {
    let conn = m.get_connection();
    let mut statements = vec![format!(
        "INSERT INTO status_counts (list, status, slot, n) \
         SELECT 'users', {bucket}, 0, COUNT(*) FROM users GROUP BY {bucket}",
        bucket = user_bucket("users")
    )];
    if m.get_database_backend() == DbBackend::Postgres {
        statements.push(postgres_function());
        statements.extend(postgres_triggers());
    } else {
        statements.extend(sqlite_triggers());
    }
    for sql in &statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
});
