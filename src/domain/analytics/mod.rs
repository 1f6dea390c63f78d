//! The staff analytics dashboard's figures: every one an aggregate the database computes
//! (`GROUP BY`, `COUNT`, `SUM`, window functions), over a date range and in one currency (no
//! conversion between currencies). Nothing here loads rows to add them up in Rust; Rust only
//! fills the empty months and weeks of a series with zeros so that a chart has no holes.
//!
//! Every figure has the same shape ([`Figure`]): labelled rows of integers, each column with
//! its kind (a count, money in minor units, seconds, per-mille, credits). The panel draws it,
//! tables it and serves it as CSV from that one shape.

mod credits;
mod customers;
mod money;
mod queue;
mod series;
mod sql;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::Value;

use crate::db::Db;
use crate::error::Result;
use sql::Dialect;

/// What a column holds; the panel formats by it, CSV writes the plain integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Count,
    /// Minor units of the dashboard's currency.
    Money,
    Seconds,
    /// Thousandths: 250 is 25.0 %.
    PerMille,
    Credits,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub values: Vec<i64>,
}

/// How the panel draws a figure: bars for categories, lines for a time series whose columns
/// are measured on one scale, or only the table for a headline number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Bars,
    Lines,
    Table,
}

#[derive(Clone, Debug)]
pub struct Figure {
    /// The CSV's name: `/admin/analytics/{key}.csv`.
    pub key: &'static str,
    pub title: &'static str,
    /// The first column's heading (what a row's label is: a month, a method…).
    pub label: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub chart: Chart,
    /// What the figure counts and what it leaves out, said on the page.
    pub note: &'static str,
}

impl Figure {
    /// The value in the row labelled `label`, column `column` (tests read figures this way).
    pub fn value(&self, label: &str, column: &str) -> Option<i64> {
        let col = self.columns.iter().position(|c| c.name == column)?;
        let row = self.rows.iter().find(|r| r.label == label)?;
        row.values.get(col).copied()
    }
}

/// Every figure, in the page's order, by its key.
pub const KEYS: &[&str] = &[
    "queue-by-method",
    "queue-by-country",
    "queue-oldest",
    "review-time",
    "review-outcomes",
    "rejection-reasons",
    "cash-invoiced",
    "cash-by-method",
    "outstanding",
    "signups",
    "conversion",
    "paying",
    "credits-flow",
    "spend-by-operation",
    "low-credits",
    "lowest-balances",
];

/// The dashboard's inputs as given (query parameters), any of them missing or malformed.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub from: Option<String>,
    pub to: Option<String>,
    pub currency: Option<String>,
}

/// The inputs the figures use: dates inclusive, a currency the database knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: String,
    /// Every currency invoices or plans use, most used first (the selector's choices).
    pub currencies: Vec<String>,
    /// What was asked but could not be used, said on the page; the defaults stand instead.
    pub problems: Vec<String>,
}

impl Filter {
    /// The range as bound values: from midnight on `from` to midnight after `to` (UTC).
    fn bounds(&self) -> (Value, Value) {
        let start = Utc.from_utc_datetime(&self.from.and_time(NaiveTime::MIN));
        let end = Utc.from_utc_datetime(&(self.to + Duration::days(1)).and_time(NaiveTime::MIN));
        (start.into(), end.into())
    }
}

/// The longest range the dashboard takes; a wider one would draw thousands of weekly bars.
const MAX_DAYS: i64 = 3 * 366;

/// Resolves what was asked: a bad date or an unknown currency falls back to the default (the
/// last twelve months including this one; the most used currency) and is reported, never an
/// error.
pub async fn filter(db: &Db, asked: &Asked) -> Result<Filter> {
    let today = db.now().date_naive();
    let mut problems = Vec::new();
    let mut date = |given: &Option<String>, name: &str| match given.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(format!(
                    "“{text}” is not a date (YYYY-MM-DD); {name} is the default."
                ));
                None
            }
        },
    };
    let default_from = first_of_month(today, 11);
    let mut from = date(&asked.from, "from").unwrap_or(default_from);
    let mut to = date(&asked.to, "to").unwrap_or(today);
    if from > to || (to - from).num_days() > MAX_DAYS {
        problems.push(format!(
            "The range must run forwards and span at most {MAX_DAYS} days; showing the last twelve months."
        ));
        (from, to) = (default_from, today);
    }
    let currencies = money::currencies(db).await?;
    let fallback = currencies.first().cloned().unwrap_or_else(|| "USD".into());
    let currency = match asked.currency.as_deref().map(str::trim) {
        None | Some("") => fallback,
        Some(c) if currencies.iter().any(|k| k.eq_ignore_ascii_case(c)) => c.to_ascii_uppercase(),
        Some(c) => {
            let shown: String = c.chars().take(8).collect();
            problems.push(format!(
                "No invoice or plan uses the currency “{shown}”; showing {fallback}."
            ));
            fallback
        }
    };
    Ok(Filter {
        from,
        to,
        currency,
        currencies,
        problems,
    })
}

/// The first day of the month `back` months before `day`'s.
fn first_of_month(day: NaiveDate, back: i32) -> NaiveDate {
    let months = day.year() * 12 + day.month0() as i32 - back;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(day)
}

/// One figure by its key, or `None` for a key that is none of [`KEYS`].
pub async fn figure(db: &Db, filter: &Filter, key: &str) -> Result<Option<Figure>> {
    let d = Dialect::of(db);
    let f = match key {
        "queue-by-method" => queue::by_method(db, d, filter).await?,
        "queue-by-country" => queue::by_country(db, d, filter).await?,
        "queue-oldest" => queue::oldest(db, d, filter).await?,
        "review-time" => queue::review_time(db, d, filter).await?,
        "review-outcomes" => queue::outcomes(db, d, filter).await?,
        "rejection-reasons" => queue::reasons(db, d, filter).await?,
        "cash-invoiced" => money::cash_invoiced(db, d, filter).await?,
        "cash-by-method" => money::cash_by_method(db, d, filter).await?,
        "outstanding" => money::outstanding(db, d, filter).await?,
        "signups" => customers::signups(db, d, filter).await?,
        "conversion" => customers::conversion(db, d, filter).await?,
        "paying" => customers::paying(db, d, filter).await?,
        "credits-flow" => credits::flow(db, d, filter).await?,
        "spend-by-operation" => credits::by_operation(db, d, filter).await?,
        "low-credits" => credits::low(db, d, filter).await?,
        "lowest-balances" => credits::lowest(db, d, filter).await?,
        _ => return Ok(None),
    };
    Ok(Some(f))
}

/// Every figure, in [`KEYS`] order.
pub async fn dashboard(db: &Db, filter: &Filter) -> Result<Vec<Figure>> {
    let mut all = Vec::with_capacity(KEYS.len());
    for key in KEYS {
        if let Some(f) = figure(db, filter, key).await? {
            all.push(f);
        }
    }
    Ok(all)
}

fn col(name: &str, kind: Kind) -> Column {
    Column {
        name: name.to_owned(),
        kind,
    }
}
