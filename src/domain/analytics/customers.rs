//! Customers: sign-ups, trial conversion, paying accounts and MRR.
//!
//! An account started on a trial when it has `trial_ends_at` (set at a free sign-up only and
//! never cleared); every other account signed up for a paid plan.

use super::series::{self, int, text};
use super::sql::Dialect;
use super::{Chart, Figure, Filter, Kind, Row, col};
use crate::db::Db;
use crate::error::Result;

/// Per week: accounts created on a trial and on a paid plan (every currency).
pub(super) async fn signups(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let week = d.week("created_at");
    let sql = format!(
        "SELECT {week}, CASE WHEN trial_ends_at IS NULL THEN 'Paid' ELSE 'Trial' END, COUNT(*) \
         FROM accounts WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2"
    );
    let (from, to) = f.bounds();
    let mut data = Vec::new();
    for r in d.rows(db, &sql, vec![from, to]).await? {
        data.push((text(&r, 0)?, text(&r, 1)?, int(&r, 2)?));
    }
    let names = ["Trial", "Paid"].map(String::from);
    Ok(Figure {
        key: "signups",
        title: "Sign-ups per week, trial and paid",
        label: "Week of",
        columns: vec![col("Trial", Kind::Count), col("Paid", Kind::Count)],
        rows: series::pivot(series::weeks(f), &names, data),
        chart: Chart::Bars,
        note: "Accounts created in the range, in every currency.",
    })
}

/// Of the accounts that started on a trial in the range, how many have paid since (any
/// settled payment, in any currency).
pub(super) async fn conversion(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    let sql = "SELECT COUNT(*), COUNT(CASE WHEN EXISTS (SELECT 1 FROM payments p \
               WHERE p.account_id = a.id \
               AND p.status IN ('succeeded', 'refunded', 'partially_refunded')) THEN 1 END) \
               FROM accounts a WHERE a.trial_ends_at IS NOT NULL \
               AND a.created_at >= $1 AND a.created_at < $2";
    let (from, to) = f.bounds();
    let found = d.rows(db, sql, vec![from, to]).await?;
    let (trials, paying) = match found.first() {
        Some(r) => (int(r, 0)?, int(r, 1)?),
        None => (0, 0),
    };
    let rate = (paying * 1000).checked_div(trials).unwrap_or(0);
    Ok(Figure {
        key: "conversion",
        title: "Trial to paid conversion",
        label: "Trials started in the range",
        columns: vec![
            col("Trials", Kind::Count),
            col("Became paying", Kind::Count),
            col("Conversion", Kind::PerMille),
        ],
        rows: vec![Row {
            label: "all".into(),
            values: vec![trials, paying, rate],
        }],
        chart: Chart::Table,
        note: "Accounts that signed up on a trial in the range and have a settled payment since.",
    })
}

/// Now: accounts with a paying subscription in the currency, and MRR.
pub(super) async fn paying(db: &Db, d: Dialect, f: &Filter) -> Result<Figure> {
    // Annual prices are summed apart and divided by 12 once, so that rounding loses less than
    // one minor unit in all, not one per subscription.
    let sql = "SELECT COUNT(DISTINCT s.account_id), \
               CAST(COALESCE(SUM(CASE WHEN p.billing_cycle = 'annual' THEN 0 ELSE p.price END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN p.billing_cycle = 'annual' THEN p.price ELSE 0 END), 0) AS BIGINT) \
               FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
               WHERE s.status IN ('active', 'past_due') AND p.price > 0 AND p.currency = $1";
    let found = d.rows(db, sql, vec![f.currency.clone().into()]).await?;
    let (accounts, monthly, annual) = match found.first() {
        Some(r) => (int(r, 0)?, int(r, 1)?, int(r, 2)?),
        None => (0, 0, 0),
    };
    Ok(Figure {
        key: "paying",
        title: "Paying accounts and MRR",
        label: "Now",
        columns: vec![col("Paying accounts", Kind::Count), col("MRR", Kind::Money)],
        rows: vec![Row {
            label: "now".into(),
            values: vec![accounts, monthly + annual / 12],
        }],
        chart: Chart::Table,
        note: "Subscriptions active or past due on a priced plan in this currency, whatever the date range; an annual price counts a twelfth a month. MRR movements (new, expansion, contraction, churn) are not shown: a subscription row keeps only its current plan and status, with no dated history of plan changes or cancellations to compute them from honestly.",
    })
}
