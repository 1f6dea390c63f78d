//! How many payments have each status, read from `payment_status_counts`, which triggers on
//! `payments` keep in the same transaction as every change (migration m0018): a handful of rows
//! however many payments there are, where `COUNT(*)` over the queue grows with it. Checked
//! against the table by `tollgate verify` (`payment-status-counters`).

use sea_orm::{ConnectionTrait, Statement};

use crate::db::Db;
use crate::domain::page::Counts;
use crate::error::{Error, Result};

const SQL: &str =
    "SELECT status, CAST(SUM(n) AS BIGINT) FROM payment_status_counts GROUP BY status";

/// Payments per status (statuses with none may be absent or zero).
pub async fn payment_status_counts(db: &Db) -> Result<Counts> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(db.backend(), SQL))
        .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get_by_index(0)?;
            let n: i64 = row.try_get_by_index(1)?;
            Ok((status, u64::try_from(n).unwrap_or(0)))
        })
        .collect::<std::result::Result<Counts, sea_orm::DbErr>>()
        .map_err(|e| Error::Internal(anyhow::anyhow!("payment status counts: {e}")))
}

/// Of `counts` ([`payment_status_counts`]), the payments with `status`, or all of them when
/// it is `None`.
pub fn with_status(counts: &Counts, status: Option<&str>) -> u64 {
    match status {
        Some(s) => counts.get(s).copied().unwrap_or(0),
        None => counts.values().sum(),
    }
}
