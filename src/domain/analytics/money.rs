//! Money: cash received next to the amount invoiced, and what is still owed by how late it is.

use chrono::Duration;

use super::series::{self, int, text};
use super::sql::Dialect;
use super::{Chart, Figure, Filter, Kind, Row, col};
use crate::db::Db;
use crate::error::Result;

/// Cash is a payment that settled (approved by staff or confirmed by a provider), counted in
/// the month it settled (`approved_at`); a later refund does not move it.
const SETTLED: &str = "status IN ('succeeded', 'refunded', 'partially_refunded')";

/// The currencies invoices and plans use, most used first: the first is the default.
pub(super) async fn currencies(db: &Db) -> Result<Vec<String>> {
    let d = Dialect::of(db);
    let sql = "SELECT currency, COUNT(*) FROM (SELECT currency FROM invoices \
               UNION ALL SELECT currency FROM plans) c GROUP BY currency ORDER BY 2 DESC, 1";
    let found = d.rows(db, sql, vec![]).await?;
    found.iter().map(|r| text(r, 0)).collect()
}

/// Per month: invoiced (every invoice issued that month, except void ones) and cash received.
pub(super) async fn cash_invoiced(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let (from, to) = f.bounds();
    let cur = || f.currency.clone().into();
    let month = d.month("created_at");
    let invoiced = format!(
        "SELECT {month}, CAST(SUM(total) AS BIGINT) FROM invoices WHERE status <> 'void' \
         AND created_at >= $1 AND created_at < $2 AND currency = $3 GROUP BY {month}"
    );
    let month = d.month("approved_at");
    let cash = format!(
        "SELECT {month}, CAST(SUM(amount) AS BIGINT) FROM payments WHERE {SETTLED} \
         AND approved_at >= $1 AND approved_at < $2 AND currency = $3 GROUP BY {month}"
    );
    let mut data = Vec::new();
    for (name, sql) in [("Invoiced", invoiced), ("Cash received", cash)] {
        for r in d
            .rows(db, &sql, vec![from.clone(), to.clone(), cur()])
            .await?
        {
            data.push((text(&r, 0)?, name.to_owned(), int(&r, 1)?));
        }
    }
    let names = ["Invoiced", "Cash received"].map(String::from);
    Ok(Figure {
        key: "cash-invoiced",
        title: "Cash received and amount invoiced, per month",
        label: "Month",
        columns: vec![
            col("Invoiced", Kind::Money),
            col("Cash received", Kind::Money),
        ],
        rows: series::pivot(series::months(f), &names, data),
        chart: Chart::Bars,
        note: "Invoiced: invoices issued in the month, void ones excluded. Cash: payments settled in the month (approved by staff or confirmed by a provider), before refunds.",
    })
}

/// Per month, cash received by payment method (one column per method that has any).
pub(super) async fn cash_by_method(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let (from, to) = f.bounds();
    let month = d.month("approved_at");
    let sql = format!(
        "SELECT {month}, payment_method, CAST(SUM(amount) AS BIGINT) FROM payments \
         WHERE {SETTLED} AND approved_at >= $1 AND approved_at < $2 AND currency = $3 \
         GROUP BY {month}, payment_method ORDER BY payment_method"
    );
    let mut data = Vec::new();
    let mut methods: Vec<String> = Vec::new();
    for r in d
        .rows(db, &sql, vec![from, to, f.currency.clone().into()])
        .await?
    {
        let method = text(&r, 1)?;
        if !methods.contains(&method) {
            methods.push(method.clone());
        }
        data.push((text(&r, 0)?, method, int(&r, 2)?));
    }
    methods.sort();
    Ok(Figure {
        key: "cash-by-method",
        title: "Cash received by payment method, per month",
        label: "Month",
        columns: methods.iter().map(|m| col(m, Kind::Money)).collect(),
        rows: series::pivot(series::months(f), &methods, data),
        chart: Chart::Bars,
        note: "Payments settled in the month, by how they were paid.",
    })
}

/// Outstanding invoices (neither paid nor void) by how many days past their due date they
/// are today (billing's clock): the buckets' edges are dates computed here and bound, so the
/// same SQL runs on both databases.
pub(super) async fn outstanding(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let today = db.now().date_naive();
    let edge = |days: i64| (today - Duration::days(days)).into();
    let sql = "SELECT CASE WHEN due_date >= $1 THEN 0 WHEN due_date >= $2 THEN 1 \
               WHEN due_date >= $3 THEN 2 WHEN due_date >= $4 THEN 3 ELSE 4 END AS bucket, \
               COUNT(*), CAST(SUM(total) AS BIGINT) FROM invoices \
               WHERE status NOT IN ('paid', 'void') AND currency = $5 \
               GROUP BY 1";
    let values = vec![
        edge(0),
        edge(30),
        edge(60),
        edge(90),
        f.currency.clone().into(),
    ];
    let names = [
        "not yet due",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "over 90 days",
    ];
    let mut rows: Vec<Row> = names
        .iter()
        .map(|n| Row {
            label: (*n).to_owned(),
            values: vec![0, 0],
        })
        .collect();
    for r in d.rows(db, sql, values).await? {
        let bucket = usize::try_from(int(&r, 0)?).unwrap_or(0);
        if let Some(row) = rows.get_mut(bucket) {
            row.values = vec![int(&r, 2)?, int(&r, 1)?];
        }
    }
    Ok(Figure {
        key: "outstanding",
        title: "Outstanding invoices by days overdue",
        label: "Overdue",
        columns: vec![col("Amount", Kind::Money), col("Invoices", Kind::Count)],
        rows,
        chart: Chart::Bars,
        note: "Invoices neither paid nor void today (uncollectible ones included), whatever the date range; days past the due date.",
    })
}
