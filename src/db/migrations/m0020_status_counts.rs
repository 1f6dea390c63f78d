//! `status_counts`: how many rows of each counted table (`COUNTED`: payments, accounts,
//! invoices) have each status, kept by triggers on those tables in the same transaction as
//! every insert, status change and delete, so that staff's lists can show their counts
//! without counting a million rows (`domain::status_counts`). It replaces m0018's
//! `payment_status_counts`, which counted payments alone, with one table and one trigger
//! builder for every counted list.
//!
//! A status's count is the sum of its rows over `slot`s. On PostgreSQL each transaction writes
//! the slot of its own connection (`pg_backend_pid() % 16`), so concurrent approvals spread
//! over sixteen counter rows per status instead of queueing on one. Two transactions meet on a
//! row only when their connections share a slot; each locks its slot's rows in the order of its
//! own changes (old status, then new), and no pair of transitions runs in opposite orders, so
//! they queue rather than deadlock (and the review functions retry a deadlock regardless). A
//! slot's figure may go below zero (a row counted in one slot and moved in another); only the
//! sums mean anything. SQLite has one writer at a time and uses slot 0. `tollgate verify`
//! checks the sums against the tables (`status-counters`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The tables counted, by the name `status_counts.list` gives them.
pub(crate) const COUNTED: [&str; 3] = ["payments", "accounts", "invoices"];

const TABLE: &str = "CREATE TABLE status_counts (\
     list VARCHAR(32) NOT NULL, status VARCHAR(32) NOT NULL, slot INTEGER NOT NULL, \
     n BIGINT NOT NULL, PRIMARY KEY (list, status, slot))";

const DROP_M0018_SQLITE: [&str; 4] = [
    "DROP TRIGGER payment_status_counts_insert",
    "DROP TRIGGER payment_status_counts_update",
    "DROP TRIGGER payment_status_counts_delete",
    "DROP TABLE payment_status_counts",
];

const DROP_M0018_POSTGRES: [&str; 4] = [
    "DROP TRIGGER payment_status_counts_insert_delete ON payments",
    "DROP TRIGGER payment_status_counts_update ON payments",
    "DROP FUNCTION payment_status_counts_move()",
    "DROP TABLE payment_status_counts",
];

/// One function for every counted table: the list is the table's own name.
const POSTGRES_FUNCTION: &str = "CREATE FUNCTION status_counts_move() RETURNS trigger \
     LANGUAGE plpgsql AS $$ \
     DECLARE s INTEGER := pg_backend_pid() % 16; \
     BEGIN \
       IF TG_OP <> 'INSERT' THEN \
         INSERT INTO status_counts (list, status, slot, n) VALUES (TG_TABLE_NAME, OLD.status, s, -1) \
         ON CONFLICT (list, status, slot) DO UPDATE SET n = status_counts.n - 1; \
       END IF; \
       IF TG_OP <> 'DELETE' THEN \
         INSERT INTO status_counts (list, status, slot, n) VALUES (TG_TABLE_NAME, NEW.status, s, 1) \
         ON CONFLICT (list, status, slot) DO UPDATE SET n = status_counts.n + 1; \
       END IF; \
       RETURN NULL; \
     END $$";

fn backfill(table: &str) -> String {
    format!(
        "INSERT INTO status_counts (list, status, slot, n) \
         SELECT '{table}', status, 0, COUNT(*) FROM {table} GROUP BY status"
    )
}

fn sqlite_triggers(t: &str) -> [String; 3] {
    // One upsert per status touched: `by` is +1 for the row's new status, -1 for its old one.
    let add = |row: &str, by: &str| {
        format!(
            "INSERT INTO status_counts (list, status, slot, n) VALUES ('{t}', {row}.status, 0, {by}) \
             ON CONFLICT (list, status, slot) DO UPDATE SET n = n + excluded.n;"
        )
    };
    [
        format!(
            "CREATE TRIGGER {t}_status_counts_insert AFTER INSERT ON {t} BEGIN {} END",
            add("new", "1")
        ),
        format!(
            "CREATE TRIGGER {t}_status_counts_update AFTER UPDATE OF status ON {t} \
             WHEN old.status IS NOT new.status BEGIN {} {} END",
            add("old", "-1"),
            add("new", "1")
        ),
        format!(
            "CREATE TRIGGER {t}_status_counts_delete AFTER DELETE ON {t} BEGIN {} END",
            add("old", "-1")
        ),
    ]
}

fn postgres_triggers(t: &str) -> [String; 2] {
    [
        format!(
            "CREATE TRIGGER {t}_status_counts_insert_delete AFTER INSERT OR DELETE ON {t} \
             FOR EACH ROW EXECUTE FUNCTION status_counts_move()"
        ),
        format!(
            "CREATE TRIGGER {t}_status_counts_update AFTER UPDATE OF status ON {t} \
             FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) \
             EXECUTE FUNCTION status_counts_move()"
        ),
    ]
}

super::migration!(m => {
    let conn = m.get_connection();
    let postgres = m.get_database_backend() == DbBackend::Postgres;
    let mut statements: Vec<String> = Vec::new();
    let drop_m0018 = if postgres { DROP_M0018_POSTGRES } else { DROP_M0018_SQLITE };
    statements.extend(drop_m0018.map(String::from));
    statements.push(TABLE.to_owned());
    if postgres {
        statements.push(POSTGRES_FUNCTION.to_owned());
    }
    for table in COUNTED {
        statements.push(backfill(table));
        if postgres {
            statements.extend(postgres_triggers(table));
        } else {
            statements.extend(sqlite_triggers(table));
        }
    }
    for sql in &statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
});
