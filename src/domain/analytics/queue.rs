//! The review queue: what waits for staff now, and how staff reviewed in the range.
//!
//! A review is a payment with a reviewer (`approved_by_id`): `payment_review` records the
//! reviewer and the moment (`approved_at`) on approval and on rejection alike, while payments a
//! provider settled by webhook have none and are left out. Confirmation is the payment's
//! `created_at` (the customer's confirmation creates the row).

use super::series::{self, int, text};
use super::sql::Dialect;
use super::{Chart, Figure, Filter, Kind, Row, col};
use crate::db::Db;
use crate::error::Result;

const PENDING: &str = "status = 'pending_approval' AND currency = $1";

/// Pending count and amount per method. The queue is the present, not the range.
pub(super) async fn by_method(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = format!(
        "SELECT payment_method, CAST(COALESCE(SUM(amount), 0) AS BIGINT), COUNT(*) \
         FROM payments WHERE {PENDING} GROUP BY payment_method ORDER BY payment_method"
    );
    let rows = series::rows(d.rows(db, &sql, vec![f.currency.clone().into()]).await?, 2)?;
    Ok(pending_figure(
        "queue-by-method",
        "Awaiting review by method",
        "Method",
        rows,
    ))
}

/// Pending count and amount per billing country of the paying account.
pub(super) async fn by_country(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = "SELECT COALESCE(NULLIF(a.billing_country, ''), 'none') AS country, \
               CAST(COALESCE(SUM(p.amount), 0) AS BIGINT), COUNT(*) \
               FROM payments p JOIN accounts a ON a.id = p.account_id \
               WHERE p.status = 'pending_approval' AND p.currency = $1 \
               GROUP BY COALESCE(NULLIF(a.billing_country, ''), 'none') ORDER BY 3 DESC, 1";
    let rows = series::rows(d.rows(db, sql, vec![f.currency.clone().into()]).await?, 2)?;
    Ok(pending_figure(
        "queue-by-country",
        "Awaiting review by country",
        "Country",
        rows,
    ))
}

fn pending_figure(
    key: &'static str,
    title: &'static str,
    label: &'static str,
    rows: Vec<Row>,
) -> Figure {
    Figure {
        key,
        title,
        label,
        columns: vec![col("Amount", Kind::Money), col("Payments", Kind::Count)],
        rows,
        chart: Chart::Bars,
        note: "Payments awaiting review now, whatever the date range.",
    }
}

/// How long the oldest pending payment has waited (by billing's clock), and how many wait.
pub(super) async fn oldest(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let age = d.seconds("$1", "MIN(created_at)");
    let sql = format!(
        "SELECT 'oldest pending', {age}, COUNT(*) FROM payments WHERE status = 'pending_approval' AND currency = $2"
    );
    let now = db.now();
    let found = d
        .rows(db, &sql, vec![now.into(), f.currency.clone().into()])
        .await?;
    let rows = series::rows(found, 2)?
        .into_iter()
        .filter(|r| r.values.get(1).copied().unwrap_or(0) > 0)
        .collect();
    Ok(Figure {
        key: "queue-oldest",
        title: "Oldest payment awaiting review",
        label: "Queue",
        columns: vec![col("Waiting", Kind::Seconds), col("Payments", Kind::Count)],
        rows,
        chart: Chart::Table,
        note: "Now, whatever the date range.",
    })
}

/// Per week of review: reviews, and the median and 90th percentile of the time from
/// confirmation to review. Percentiles by nearest rank (the value at rank ⌈p·n⌉ of the week's
/// n delays ordered), with window functions both databases have; no interpolation, so each
/// figure is a delay that really happened.
pub(super) async fn review_time(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let week = d.week("approved_at");
    let delay = d.seconds("approved_at", "created_at");
    let sql = format!(
        "WITH d AS (SELECT {week} AS wk, {delay} AS s FROM payments \
           WHERE approved_by_id IS NOT NULL AND status <> 'pending_approval' \
           AND approved_at >= $1 AND approved_at < $2 AND currency = $3), \
         r AS (SELECT wk, s, ROW_NUMBER() OVER (PARTITION BY wk ORDER BY s) AS rn, \
           COUNT(*) OVER (PARTITION BY wk) AS n FROM d) \
         SELECT wk, COUNT(*), MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN s END), \
           MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN s END) \
         FROM r GROUP BY wk ORDER BY wk"
    );
    let (from, to) = f.bounds();
    let found = d
        .rows(db, &sql, vec![from, to, f.currency.clone().into()])
        .await?;
    let mut data = Vec::new();
    for r in &found {
        let wk = text(r, 0)?;
        for (i, name) in ["Reviews", "Median", "90th percentile"].iter().enumerate() {
            data.push((wk.clone(), (*name).to_owned(), int(r, i + 1)?));
        }
    }
    let names = ["Median", "90th percentile", "Reviews"].map(String::from);
    Ok(Figure {
        key: "review-time",
        title: "Time from confirmation to review, per week",
        label: "Week of",
        columns: vec![
            col("Median", Kind::Seconds),
            col("90th percentile", Kind::Seconds),
            col("Reviews", Kind::Count),
        ],
        rows: series::pivot(series::weeks(f), &names, data),
        chart: Chart::Lines,
        note: "Payments reviewed by staff in the range (approved or rejected), by the week of the review; percentiles by nearest rank.",
    })
}

/// Approved and rejected reviews in the range, with each one's share in per-mille.
pub(super) async fn outcomes(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = "SELECT COUNT(CASE WHEN status <> 'failed' THEN 1 END), \
               COUNT(CASE WHEN status = 'failed' THEN 1 END) FROM payments \
               WHERE approved_by_id IS NOT NULL AND status <> 'pending_approval' \
               AND approved_at >= $1 AND approved_at < $2 AND currency = $3";
    let (from, to) = f.bounds();
    let found = d
        .rows(db, sql, vec![from, to, f.currency.clone().into()])
        .await?;
    let (approved, rejected) = match found.first() {
        Some(r) => (int(r, 0)?, int(r, 1)?),
        None => (0, 0),
    };
    let share = |n: i64| (n * 1000).checked_div(approved + rejected).unwrap_or(0);
    Ok(Figure {
        key: "review-outcomes",
        title: "Approved and rejected",
        label: "Outcome",
        columns: vec![col("Reviews", Kind::Count), col("Share", Kind::PerMille)],
        rows: vec![
            Row {
                label: "approved".into(),
                values: vec![approved, share(approved)],
            },
            Row {
                label: "rejected".into(),
                values: vec![rejected, share(rejected)],
            },
        ],
        chart: Chart::Bars,
        note: "Reviews in the range; an approved payment refunded later still counts as approved.",
    })
}

/// Rejections in the range grouped by their reason, most frequent first.
pub(super) async fn reasons(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = "SELECT COALESCE(NULLIF(failure_reason, ''), '(no reason given)'), COUNT(*) \
               FROM payments WHERE approved_by_id IS NOT NULL AND status = 'failed' \
               AND approved_at >= $1 AND approved_at < $2 AND currency = $3 \
               GROUP BY COALESCE(NULLIF(failure_reason, ''), '(no reason given)') ORDER BY 2 DESC, 1";
    let (from, to) = f.bounds();
    let found = d
        .rows(db, sql, vec![from, to, f.currency.clone().into()])
        .await?;
    Ok(Figure {
        key: "rejection-reasons",
        title: "Rejection reasons",
        label: "Reason",
        columns: vec![col("Rejections", Kind::Count)],
        rows: series::rows(found, 1)?,
        chart: Chart::Bars,
        note: "Rejections in the range, by the reason staff gave (exact text).",
    })
}
