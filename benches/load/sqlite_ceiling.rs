//! The SQLite write ceiling for a credit spend, the counterpart of pgbench's spend script on
//! PostgreSQL: the statements of one spend's transaction (the conditional update, then the
//! ledger, usage and audit rows, as `pgbench::SPEND_SQL` lists them) run through sqlx, the
//! driver tollgate uses, on one connection of the benchmark's own to the same database file,
//! one spend after another. No HTTP, no ORM, no token check, no reads of the user and account,
//! no access line: what is left is SQLite and sqlx's hop to its worker thread per statement.
//!
//! `per_commit` spends share one transaction, as the members of one of tollgate's commit
//! groups do (`src/db/write_gate.rs`); with 1 each spend is its own `BEGIN IMMEDIATE … COMMIT`.

use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, Row as _, SqliteConnection};
use tollgate::db::Db;

const UPDATE: &str = "UPDATE accounts SET credits = credits - 10 \
     WHERE id = ?1 AND credits >= 10 AND status IN ('trial', 'active') RETURNING *";
const LEDGER: &str = "INSERT INTO credit_transactions (account_id, transaction_type, amount, \
     balance_after, description, reference, created_at) \
     VALUES (?1, 'deduction', -10, ?2, 'Keyword clustering (1 request)', NULL, ?3) RETURNING *";
const USAGE: &str = "INSERT INTO credit_usages (account_id, user_id, operation_type, quantity, \
     credits_used, transaction_id, created_at) \
     VALUES (?1, ?2, 'clustering', 1, 10, ?3, ?4) RETURNING *";
const AUDIT: &str = "INSERT INTO audit_log (at, actor_id, request_id, action, object_type, \
     object_id, before, after, ledger_id) \
     VALUES (?1, ?2, 'bench-request-id-0000', 'credits.spend', 'account', ?3, \
     '{\"credits\":1000}', '{\"credits\":990,\"operation_type\":\"clustering\",\"quantity\":1}', \
     ?4) RETURNING id";

/// Spends per second over `accounts` (account id, user id) for `measure`, or `None` when a
/// statement failed (printed).
pub async fn spend_ceiling(
    db: &Db,
    accounts: &[(i64, i64)],
    measure: Duration,
    per_commit: usize,
) -> Option<f64> {
    let pool = db.conn().get_sqlite_connection_pool();
    let mut conn = pool.acquire().await.ok()?;
    let started = Instant::now();
    let mut spends = 0usize;
    while started.elapsed() < measure {
        let result = async {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            for _ in 0..per_commit {
                let (account, user) = accounts[spends % accounts.len()];
                spend(&mut conn, account, user).await?;
                spends += 1;
            }
            sqlx::query("COMMIT").execute(&mut *conn).await
        }
        .await;
        if let Err(e) = result {
            eprintln!("SQLite spend ceiling: {e}");
            return None;
        }
    }
    Some(spends as f64 / started.elapsed().as_secs_f64())
}

async fn spend(conn: &mut SqliteConnection, account: i64, user: i64) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now();
    let charged = sqlx::query(UPDATE)
        .bind(account)
        .fetch_one(&mut *conn)
        .await?;
    let balance: i64 = charged.try_get("credits")?;
    let ledger = sqlx::query(LEDGER)
        .bind(account)
        .bind(balance)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    let ledger_id: i64 = ledger.try_get("id")?;
    sqlx::query(USAGE)
        .bind(account)
        .bind(user)
        .bind(ledger_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(AUDIT)
        .bind(now)
        .bind(user)
        .bind(account)
        .bind(ledger_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(())
}
