//! A figure as the dashboard draws it: an SVG chart's shapes in integer coordinates, computed
//! here so that the template only places them (no script, no inline style: the panel's CSP
//! allows neither), and its cells formatted for the table beside it.

use crate::domain::analytics::{Chart, Figure, Kind};
use crate::web::admin::home::human_age;
use crate::web::format::money;

pub const WIDTH: i64 = 560;
pub const HEIGHT: i64 = 230;
const LEFT: i64 = 86;
const RIGHT: i64 = 10;
const TOP: i64 = 12;
const BOTTOM: i64 = 40;
const PLOT_W: i64 = WIDTH - LEFT - RIGHT;
const PLOT_H: i64 = HEIGHT - TOP - BOTTOM;
/// At most this many labels under the x axis; the others are in the table.
const X_LABELS: usize = 8;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub series: usize,
    pub tip: String,
}

pub struct Line {
    pub points: String,
    pub series: usize,
}

pub struct Tick {
    pub y: i64,
    pub label: String,
}

pub struct XLabel {
    pub x: i64,
    pub label: String,
}

/// What the template draws for one figure.
pub struct Drawn {
    pub figure: Figure,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
    pub ticks: Vec<Tick>,
    pub x_labels: Vec<XLabel>,
    /// The plotted series' names, by their colour class index.
    pub legend: Vec<(usize, String)>,
    /// The table: each row's label, then its formatted cells.
    pub table: Vec<(String, Vec<String>)>,
    /// A one-sentence reading of the chart for screen readers (`aria-label`).
    pub summary: String,
}

impl Drawn {
    pub fn has_chart(&self) -> bool {
        self.figure.chart != Chart::Table && !self.figure.rows.is_empty() && !self.legend.is_empty()
    }
}

pub fn format(value: i64, kind: Kind, currency: &str) -> String {
    match kind {
        Kind::Money => money(value, currency),
        Kind::Seconds => human_age(value),
        Kind::PerMille => format!("{}.{} %", value / 10, (value % 10).abs()),
        Kind::Count | Kind::Credits => value.to_string(),
    }
}

/// A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten.
fn nice(max: i64) -> i64 {
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max {
                return step.saturating_mul(m).max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

pub fn draw(figure: Figure, currency: &str) -> Drawn {
    let table = figure
        .rows
        .iter()
        .map(|r| {
            let cells = r
                .values
                .iter()
                .zip(&figure.columns)
                .map(|(v, c)| format(*v, c.kind, currency))
                .collect();
            (r.label.clone(), cells)
        })
        .collect();
    // One axis per chart: the columns measured like the first one are plotted, the others
    // (a count beside an amount) are in the table only.
    let kind = figure.columns.first().map(|c| c.kind);
    let plotted: Vec<usize> = (0..figure.columns.len())
        .filter(|i| Some(figure.columns[*i].kind) == kind)
        .collect();
    let legend = plotted
        .iter()
        .enumerate()
        .map(|(s, i)| (s, figure.columns[*i].name.clone()))
        .collect();
    let kind = kind.unwrap_or(Kind::Count);
    let max = figure
        .rows
        .iter()
        .flat_map(|r| plotted.iter().filter_map(|i| r.values.get(*i)))
        .copied()
        .max()
        .unwrap_or(0)
        .max(0);
    let top = nice(max);
    let y_of = |v: i64| TOP + PLOT_H - v.clamp(0, top) * PLOT_H / top;
    let ticks = [0, top / 2, top]
        .iter()
        .map(|v| Tick {
            y: y_of(*v),
            label: format(*v, kind, currency),
        })
        .collect();
    let n = figure.rows.len().max(1) as i64;
    let group = PLOT_W / n;
    let every = figure.rows.len().div_ceil(X_LABELS).max(1);
    let lines_chart = figure.chart == Chart::Lines && figure.rows.len() > 1;
    let x_center = |i: usize| {
        if lines_chart {
            LEFT + i as i64 * PLOT_W / (n - 1)
        } else {
            LEFT + i as i64 * group + group / 2
        }
    };
    let x_labels = (0..figure.rows.len())
        .step_by(every)
        .map(|i| XLabel {
            x: x_center(i),
            label: figure.rows[i].label.chars().take(14).collect(),
        })
        .collect();
    let mut bars = Vec::new();
    let mut lines = Vec::new();
    if lines_chart {
        for (s, i) in plotted.iter().enumerate() {
            let points = figure
                .rows
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    format!(
                        "{},{}",
                        x_center(j),
                        y_of(r.values.get(*i).copied().unwrap_or(0))
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line { points, series: s });
        }
    } else {
        let k = plotted.len().max(1) as i64;
        // Bars no wider than 48 px: a chart of one or two categories stays a bar chart.
        let w = (group * 8 / 10 / k).clamp(1, 48);
        for (j, r) in figure.rows.iter().enumerate() {
            let start = x_center(j) - w * k / 2;
            for (s, i) in plotted.iter().enumerate() {
                let v = r.values.get(*i).copied().unwrap_or(0);
                let y = y_of(v);
                bars.push(Bar {
                    x: start + s as i64 * w,
                    y,
                    w,
                    h: TOP + PLOT_H - y,
                    series: s,
                    tip: format!(
                        "{}, {}: {}",
                        r.label,
                        figure.columns[*i].name,
                        format(v, kind, currency)
                    ),
                });
            }
        }
    }
    let summary = format!(
        "{}: {} rows, largest plotted value {}; the table beside it has every figure.",
        figure.title,
        figure.rows.len(),
        format(max, kind, currency)
    );
    Drawn {
        figure,
        bars,
        lines,
        ticks,
        x_labels,
        legend,
        table,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::nice;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice(0), 1);
        assert_eq!(nice(7), 10);
        assert_eq!(nice(12), 20);
        assert_eq!(nice(36_000), 50_000);
    }
}
