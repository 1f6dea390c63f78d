//! `payment_status_counts`: how many payments have each status, kept by triggers on `payments`
//! in the same transaction as every insert, status change and delete, so that staff's queue
//! can show its count without counting a million rows (`domain::queue_counts`).
//!
//! A status's count is the sum of its rows over `slot`s. On PostgreSQL each transaction writes
//! the slot of its own connection (`pg_backend_pid() % 16`), so concurrent approvals spread
//! over sixteen counter rows per status instead of queueing on one. Two transactions meet on a
//! row only when their connections share a slot; each locks its slot's rows in the order of its
//! own changes (old status, then new), and no pair of transitions runs in opposite orders, so
//! they queue rather than deadlock (and the review functions retry a deadlock regardless). A
//! slot's figure may go below zero (a payment counted in one slot and moved in another); only
//! the sums mean anything. SQLite has one writer at a time and uses slot 0. `tollgate verify` checks the sums against the
//! table (`payment-status-counters`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

const TABLE: &str = "CREATE TABLE payment_status_counts (\
     status VARCHAR(32) NOT NULL, slot INTEGER NOT NULL, n BIGINT NOT NULL, \
     PRIMARY KEY (status, slot))";

const BACKFILL: &str = "INSERT INTO payment_status_counts (status, slot, n) \
     SELECT status, 0, COUNT(*) FROM payments GROUP BY status";

const SQLITE: [&str; 3] = [
    "CREATE TRIGGER payment_status_counts_insert AFTER INSERT ON payments BEGIN \
     INSERT OR IGNORE INTO payment_status_counts (status, slot, n) VALUES (new.status, 0, 0); \
     UPDATE payment_status_counts SET n = n + 1 WHERE status = new.status AND slot = 0; END",
    "CREATE TRIGGER payment_status_counts_update AFTER UPDATE OF status ON payments \
     WHEN old.status IS NOT new.status BEGIN \
     UPDATE payment_status_counts SET n = n - 1 WHERE status = old.status AND slot = 0; \
     INSERT OR IGNORE INTO payment_status_counts (status, slot, n) VALUES (new.status, 0, 0); \
     UPDATE payment_status_counts SET n = n + 1 WHERE status = new.status AND slot = 0; END",
    "CREATE TRIGGER payment_status_counts_delete AFTER DELETE ON payments BEGIN \
     UPDATE payment_status_counts SET n = n - 1 WHERE status = old.status AND slot = 0; END",
];

const POSTGRES: [&str; 3] = [
    "CREATE FUNCTION payment_status_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$ \
     DECLARE s INTEGER := pg_backend_pid() % 16; \
     BEGIN \
       IF TG_OP <> 'INSERT' THEN \
         INSERT INTO payment_status_counts (status, slot, n) VALUES (OLD.status, s, -1) \
         ON CONFLICT (status, slot) DO UPDATE SET n = payment_status_counts.n - 1; \
       END IF; \
       IF TG_OP <> 'DELETE' THEN \
         INSERT INTO payment_status_counts (status, slot, n) VALUES (NEW.status, s, 1) \
         ON CONFLICT (status, slot) DO UPDATE SET n = payment_status_counts.n + 1; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER payment_status_counts_insert_delete AFTER INSERT OR DELETE ON payments \
     FOR EACH ROW EXECUTE FUNCTION payment_status_counts_move()",
    "CREATE TRIGGER payment_status_counts_update AFTER UPDATE OF status ON payments \
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) \
     EXECUTE FUNCTION payment_status_counts_move()",
];

super::migration!(m => {
    let conn = m.get_connection();
    conn.execute_unprepared(TABLE).await?;
    conn.execute_unprepared(BACKFILL).await?;
    let triggers: &[&str] = match m.get_database_backend() {
        DbBackend::Sqlite => &SQLITE,
        _ => &POSTGRES,
    };
    for sql in triggers {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
});
