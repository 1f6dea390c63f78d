//! A dashboard figure as CSV, safe to open in a spreadsheet.

use crate::domain::analytics::{Figure, Kind};
use crate::error::{Error, Result};

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, as OWASP advises. Only the labels are text
/// that may come from users (rejection reasons, account names); the numbers are ours.
pub fn safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn unit(kind: Kind, currency: &str) -> String {
    match kind {
        Kind::Money => format!(" ({currency} minor units)"),
        Kind::Seconds => " (seconds)".into(),
        Kind::PerMille => " (per mille)".into(),
        Kind::Count | Kind::Credits => String::new(),
    }
}

pub fn write(figure: &Figure, currency: &str) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::Internal(anyhow::anyhow!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![safe(figure.label)];
    head.extend(
        figure
            .columns
            .iter()
            .map(|c| safe(&format!("{}{}", c.name, unit(c.kind, currency)))),
    );
    w.write_record(&head).map_err(fail)?;
    for row in &figure.rows {
        let mut record = vec![safe(&row.label)];
        record.extend(row.values.iter().map(i64::to_string));
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))
}
