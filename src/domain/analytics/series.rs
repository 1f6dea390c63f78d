//! Shaping aggregate rows into a figure's rows: one row per month or week of the range (the
//! empty ones as zeros, so a chart's axis is the calendar, not the data), one column per
//! series. The sums themselves come from the database.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::QueryResult;

use super::{Filter, Row};
use crate::error::Result;

/// `YYYY-MM` of every month the range touches.
pub(super) fn months(filter: &Filter) -> Vec<String> {
    let mut out = Vec::new();
    let mut m = filter.from.with_day(1).unwrap_or(filter.from);
    while m <= filter.to {
        out.push(m.format("%Y-%m").to_string());
        m = super::first_of_month(m, -1);
    }
    out
}

/// The Monday (`YYYY-MM-DD`) of every ISO week the range touches.
pub(super) fn weeks(filter: &Filter) -> Vec<String> {
    let mut out = Vec::new();
    let mut w: NaiveDate =
        filter.from - Duration::days(filter.from.weekday().num_days_from_monday().into());
    while w <= filter.to {
        out.push(w.format("%Y-%m-%d").to_string());
        w += Duration::days(7);
    }
    out
}

/// Rows for `labels` (in that order, zeros where the data has none; labels the data has
/// beyond them follow in the data's order) and `columns`, from `(label, column, value)`.
pub(super) fn pivot(
    labels: Vec<String>,
    columns: &[String],
    data: Vec<(String, String, i64)>,
) -> Vec<Row> {
    let mut order = labels;
    let mut cells: HashMap<(String, String), i64> = HashMap::new();
    for (label, column, value) in data {
        if !order.contains(&label) {
            order.push(label.clone());
        }
        *cells.entry((label, column)).or_default() += value;
    }
    order
        .into_iter()
        .map(|label| {
            let values = columns
                .iter()
                .map(|c| cells.get(&(label.clone(), c.clone())).copied().unwrap_or(0))
                .collect();
            Row { label, values }
        })
        .collect()
}

/// Each row as a label then `n` integers (`NULL` reads as 0).
pub(super) fn rows(found: Vec<QueryResult>, n: usize) -> Result<Vec<Row>> {
    found
        .iter()
        .map(|r| {
            let label = text(r, 0)?;
            let values = (1..=n).map(|i| int(r, i)).collect::<Result<_>>()?;
            Ok(Row { label, values })
        })
        .collect()
}

pub(super) fn text(r: &QueryResult, i: usize) -> Result<String> {
    Ok(r.try_get_by_index::<Option<String>>(i)?.unwrap_or_default())
}

/// An integer column. PostgreSQL types a `CASE` of literals or a small sum as `int4`, which
/// does not decode as `i64`; both widths are read.
pub(super) fn int(r: &QueryResult, i: usize) -> Result<i64> {
    match r.try_get_by_index::<Option<i64>>(i) {
        Ok(v) => Ok(v.unwrap_or(0)),
        Err(_) => Ok(r.try_get_by_index::<Option<i32>>(i)?.map_or(0, i64::from)),
    }
}
