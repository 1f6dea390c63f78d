//! Credits: the ledger's grants and spends, spend by operation, accounts running low.

use super::series::{self, int, text};
use super::sql::Dialect;
use super::{Chart, Figure, Filter, Kind, col};
use crate::db::Db;
use crate::domain::notify;
use crate::error::Result;

/// Per month: credits granted (trial, subscription and purchase rows) and spent (deduction
/// rows) in the ledger. Refunds and staff adjustments are neither and are left out.
pub(super) async fn flow(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let month = d.month("created_at");
    let sql = format!(
        "SELECT {month}, \
         CAST(COALESCE(SUM(CASE WHEN transaction_type IN ('trial', 'subscription', 'purchase') \
           THEN amount ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN transaction_type = 'deduction' THEN ABS(amount) ELSE 0 END), 0) AS BIGINT) \
         FROM credit_transactions WHERE created_at >= $1 AND created_at < $2 GROUP BY {month}"
    );
    let (from, to) = f.bounds();
    let mut data = Vec::new();
    for r in d.rows(db, &sql, vec![from, to]).await? {
        let m = text(&r, 0)?;
        data.push((m.clone(), "Granted".to_owned(), int(&r, 1)?));
        data.push((m, "Spent".to_owned(), int(&r, 2)?));
    }
    let names = ["Granted", "Spent"].map(String::from);
    Ok(Figure {
        key: "credits-flow",
        title: "Credits granted and spent, per month",
        label: "Month",
        columns: vec![col("Granted", Kind::Credits), col("Spent", Kind::Credits)],
        rows: series::pivot(series::months(f), &names, data),
        chart: Chart::Bars,
        note: "Ledger rows in the range. Granted: trial, subscription and purchase rows; spent: deductions. Refunds and adjustments are left out.",
    })
}

/// Credits spent in the range per product operation, most spent first.
pub(super) async fn by_operation(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = "SELECT operation_type, CAST(SUM(credits_used) AS BIGINT), COUNT(*) \
               FROM credit_usages WHERE created_at >= $1 AND created_at < $2 \
               GROUP BY operation_type ORDER BY 2 DESC, 1";
    let (from, to) = f.bounds();
    let found = d.rows(db, sql, vec![from, to]).await?;
    Ok(Figure {
        key: "spend-by-operation",
        title: "Credits spent by operation",
        label: "Operation",
        columns: vec![col("Credits", Kind::Credits), col("Uses", Kind::Count)],
        rows: series::rows(found, 2)?,
        chart: Chart::Bars,
        note: "Usage records in the range.",
    })
}

/// Now: how many active and trial accounts have a balance under the low-credits threshold
/// (the one the low-credits mail uses).
pub(super) async fn low(db: &Db, d: Dialect, _f: &Filter) -> Result<Figure> {
    let threshold = notify::credits_low_threshold();
    let sql = "SELECT 'under the threshold', COUNT(*), $1 FROM accounts \
               WHERE status IN ('active', 'trial') AND credits < $2";
    let found = d
        .rows(db, sql, vec![threshold.into(), threshold.into()])
        .await?;
    Ok(Figure {
        key: "low-credits",
        title: "Accounts running low on credits",
        label: "Balance",
        columns: vec![
            col("Accounts", Kind::Count),
            col("Threshold", Kind::Credits),
        ],
        rows: series::rows(found, 2)?,
        chart: Chart::Table,
        note: "Active and trial accounts whose balance is under the low-credits threshold now.",
    })
}

/// Now: the twenty lowest of those balances, to contact first.
pub(super) async fn lowest(db: &Db, d: Dialect, _f: &Filter) -> Result<Figure> {
    let threshold = notify::credits_low_threshold();
    let sql = "SELECT name || ' (#' || CAST(id AS TEXT) || ')', credits FROM accounts \
               WHERE status IN ('active', 'trial') AND credits < $1 ORDER BY credits, id LIMIT 20";
    let found = d.rows(db, sql, vec![threshold.into()]).await?;
    Ok(Figure {
        key: "lowest-balances",
        title: "Lowest balances",
        label: "Account",
        columns: vec![col("Credits", Kind::Credits)],
        rows: series::rows(found, 1)?,
        chart: Chart::Table,
        note: "The twenty lowest balances under the threshold, lowest first.",
    })
}
