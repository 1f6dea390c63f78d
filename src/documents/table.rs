//! The lines table (Description / Qty / Unit price / Amount) and the totals under it.
//!
//! Descriptions wrap inside their column (up to [`DESCRIPTION_LINES`] lines, then an ellipsis);
//! the figures are right-aligned and cut to their column, so no cell ever spills into the next.
//! Rows never split across pages: a row that does not fit starts the next page, which repeats
//! the column headings.

use super::fonts::Weight;
use super::layout::{BODY, CONTENT_WIDTH, INK, LEADING, LEFT, MUTED, Pages, RIGHT, RULE, SHADE};
use super::text;

const QTY_WIDTH: f32 = 55.0;
const PRICE_WIDTH: f32 = 95.0;
const AMOUNT_WIDTH: f32 = 95.0;
const DESCRIPTION_WIDTH: f32 = CONTENT_WIDTH - QTY_WIDTH - PRICE_WIDTH - AMOUNT_WIDTH;
/// Inner padding of a cell, left and right.
const PAD: f32 = 6.0;
const AMOUNT_RIGHT: f32 = RIGHT - PAD;
const PRICE_RIGHT: f32 = RIGHT - AMOUNT_WIDTH - PAD;
const QTY_RIGHT: f32 = RIGHT - AMOUNT_WIDTH - PRICE_WIDTH - PAD;
const HEADING_HEIGHT: f32 = 20.0;
const HEADING_SIZE: f32 = 8.5;
/// Lines one description may take before it is cut with an ellipsis.
pub(crate) const DESCRIPTION_LINES: usize = 8;
/// The totals block spans the three figure columns.
const TOTALS_WIDTH: f32 = QTY_WIDTH + PRICE_WIDTH + AMOUNT_WIDTH;

pub(crate) fn draw_lines(pages: &mut Pages<'_>) {
    pages.ensure(HEADING_HEIGHT + LEADING + 10.0);
    draw_heading(pages);
    pages.on_new_page = Some(draw_heading);

    let doc = pages.doc;
    let regular = pages.fonts.face(Weight::Regular);
    if doc.lines.is_empty() {
        pages.text(
            LEFT + PAD,
            pages.y + 14.5,
            Weight::Regular,
            BODY,
            MUTED,
            "No items".into(),
        );
        pages.y += LEADING + 10.0;
        pages.rect(LEFT, pages.y - 0.5, CONTENT_WIDTH, 0.5, RULE);
    }
    for line in &doc.lines {
        let description = text::wrap(
            regular,
            &line.description,
            BODY,
            DESCRIPTION_WIDTH - 2.0 * PAD,
            DESCRIPTION_LINES,
        );
        let height = description.len() as f32 * LEADING + 10.0;
        pages.ensure(height);
        let first = pages.y + 14.5;
        for (i, text) in description.into_iter().enumerate() {
            let y = first + i as f32 * LEADING;
            pages.text(LEFT + PAD, y, Weight::Regular, BODY, INK, text);
        }
        for (right, width, value) in [
            (QTY_RIGHT, QTY_WIDTH, &line.quantity),
            (PRICE_RIGHT, PRICE_WIDTH, &line.unit_price),
            (AMOUNT_RIGHT, AMOUNT_WIDTH, &line.amount),
        ] {
            let value = text::truncate(regular, value, BODY, width - 2.0 * PAD);
            pages.text_right(right, first, Weight::Regular, BODY, INK, value);
        }
        pages.y += height;
        pages.rect(LEFT, pages.y - 0.5, CONTENT_WIDTH, 0.5, RULE);
    }
    pages.on_new_page = None;
}

/// The shaded row of column headings, at the cursor.
fn draw_heading(pages: &mut Pages<'_>) {
    let y = pages.y;
    pages.rect(LEFT, y, CONTENT_WIDTH, HEADING_HEIGHT, SHADE);
    let baseline = y + 13.5;
    pages.text(
        LEFT + PAD,
        baseline,
        Weight::Bold,
        HEADING_SIZE,
        INK,
        "Description".into(),
    );
    for (right, name) in [
        (QTY_RIGHT, "Qty"),
        (PRICE_RIGHT, "Unit price"),
        (AMOUNT_RIGHT, "Amount"),
    ] {
        pages.text_right(
            right,
            baseline,
            Weight::Bold,
            HEADING_SIZE,
            INK,
            name.into(),
        );
    }
    pages.y += HEADING_HEIGHT;
}

/// Label on the left of the totals block, figure with the currency code right-aligned under
/// the Amount column; the last row (the grand total) is bold on a shaded band.
pub(crate) fn draw_totals(pages: &mut Pages<'_>) {
    let doc = pages.doc;
    if doc.totals.is_empty() {
        return;
    }
    pages.y += 8.0;
    // Keep the block together when it is of ordinary size.
    pages.ensure(doc.totals.len().min(8) as f32 * 18.0 + 6.0);
    let left = RIGHT - TOTALS_WIDTH;
    let currency = text::one_line(&doc.currency);
    for (i, (label, value)) in doc.totals.iter().enumerate() {
        let last = i + 1 == doc.totals.len();
        let (weight, size, color, height) = if last {
            (Weight::Bold, 10.0, INK, 22.0)
        } else {
            (Weight::Regular, BODY, MUTED, 17.0)
        };
        pages.ensure(height);
        if last {
            pages.rect(left, pages.y + 2.0, TOTALS_WIDTH, height - 2.0, SHADE);
        }
        let baseline = pages.y + if last { 16.5 } else { 12.0 };
        let face = pages.fonts.face(weight);
        let value = text::one_line(value);
        let value = match (currency.is_empty(), value.is_empty()) {
            (false, false) => format!("{currency} {value}"),
            _ => value,
        };
        let value = text::truncate(face, &value, size, TOTALS_WIDTH - 2.0 * PAD - 60.0);
        let value_x = pages.text_right(AMOUNT_RIGHT, baseline, weight, size, INK, value);
        let label = text::truncate(face, label, size, value_x - left - 3.0 * PAD);
        pages.text(left + PAD, baseline, weight, size, color, label);
        pages.y += height;
    }
}
