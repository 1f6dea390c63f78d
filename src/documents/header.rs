//! The top of the first page: who sells (left), what the document is (right: title, number,
//! dates, status badge), an optional reference line, and who is billed.
//!
//! Party blocks are capped at a number of lines so the header always leaves room for the table
//! on the first page, whatever the caller puts in an address.

use super::fonts::Weight;
use super::layout::{
    BODY, CONTENT_WIDTH, INK, LEADING, LEFT, MUTED, Pages, RIGHT, RULE, Rgb, TOP, WHITE,
};
use super::model::Party;
use super::text;

/// Width of the seller and buyer blocks; the right half belongs to the title block.
const PARTY_WIDTH: f32 = CONTENT_WIDTH / 2.0 - 12.0;
/// Address, tax id, email… lines shown per party, after wrapping.
const PARTY_LINES: usize = 8;
const TITLE_SIZE: f32 = 20.0;

pub(crate) fn draw(pages: &mut Pages<'_>) {
    let doc = pages.doc;
    let left_end = draw_party(pages, &doc.seller, TOP, 13.0, 12.0);
    let right_end = draw_title_block(pages);

    let rule_y = left_end.max(right_end) + 12.0;
    pages.rule(rule_y, 0.75, RULE);
    pages.y = rule_y + 20.0;

    if let Some(reference) = doc.reference.as_deref().filter(|r| !r.trim().is_empty()) {
        let face = pages.fonts.face(Weight::Regular);
        for line in text::wrap(face, reference, BODY, CONTENT_WIDTH, 3) {
            pages.text(LEFT, pages.y, Weight::Regular, BODY, MUTED, line);
            pages.y += LEADING;
        }
        pages.y += 10.0;
    }

    pages.text(
        LEFT,
        pages.y,
        Weight::Bold,
        8.0,
        MUTED,
        "BILL TO".to_string(),
    );
    let top = pages.y + 8.0;
    let end = draw_party(pages, &doc.buyer, top, 11.0, 11.0);
    pages.y = end + 24.0;
}

/// Draws a party's name and lines from `top` down; returns the last baseline.
fn draw_party(
    pages: &mut Pages<'_>,
    party: &Party,
    top: f32,
    name_ascent: f32,
    name_size: f32,
) -> f32 {
    let bold = pages.fonts.face(Weight::Bold);
    let regular = pages.fonts.face(Weight::Regular);
    let mut y = top + name_ascent;
    let name = text::truncate(bold, &party.name, name_size, PARTY_WIDTH);
    pages.text(LEFT, y, Weight::Bold, name_size, INK, name);

    let mut lines = Vec::new();
    for line in &party.lines {
        let room = PARTY_LINES.saturating_sub(lines.len());
        if room == 0 {
            break;
        }
        lines.extend(text::wrap(regular, line, BODY, PARTY_WIDTH, room));
    }
    for line in lines.into_iter().take(PARTY_LINES) {
        y += LEADING;
        pages.text(LEFT, y, Weight::Regular, BODY, MUTED, line);
    }
    y
}

/// Title, number, dates and status, right-aligned; returns the bottom of the block.
fn draw_title_block(pages: &mut Pages<'_>) -> f32 {
    let doc = pages.doc;
    let mut y = TOP + 17.0;
    let title = doc.kind.title().to_string();
    pages.text_right(RIGHT, y, Weight::Bold, TITLE_SIZE, INK, title);
    y += 8.0;

    let mut rows = vec![("Number", doc.number.clone())];
    rows.push(("Issued", doc.issued.format("%Y-%m-%d").to_string()));
    if let Some(due) = doc.due {
        rows.push(("Due", due.format("%Y-%m-%d").to_string()));
    }
    let regular = pages.fonts.face(Weight::Regular);
    for (label, value) in rows {
        if value.trim().is_empty() {
            continue;
        }
        y += LEADING + 2.0;
        let value = text::truncate(regular, &value, BODY, PARTY_WIDTH - 50.0);
        let value_x = pages.text_right(RIGHT, y, Weight::Regular, BODY, INK, value);
        pages.text_right(
            value_x - 6.0,
            y,
            Weight::Regular,
            BODY,
            MUTED,
            label.to_string(),
        );
    }

    let status = text::truncate(
        pages.fonts.face(Weight::Bold),
        &doc.status,
        9.0,
        PARTY_WIDTH - 20.0,
    );
    if status.is_empty() {
        return y;
    }
    let width = pages.fonts.face(Weight::Bold).width(&status, 9.0) + 16.0;
    let top = y + 10.0;
    pages.rect(RIGHT - width, top, width, 18.0, status_color(&status));
    pages.text(
        RIGHT - width + 8.0,
        top + 12.5,
        Weight::Bold,
        9.0,
        WHITE,
        status,
    );
    top + 18.0
}

/// Badge colour: green once settled, amber while money is expected, red when late or failed,
/// grey when void, blue for refunds and credits, dark for anything else.
fn status_color(status: &str) -> Rgb {
    match status.trim().to_ascii_uppercase().as_str() {
        "PAID" | "SETTLED" | "SUCCEEDED" | "APPLIED" => Rgb(25, 135, 84),
        "PENDING" | "OPEN" | "DUE" | "UNPAID" | "AWAITING PAYMENT" => Rgb(176, 98, 0),
        "OVERDUE" | "FAILED" | "PAST DUE" => Rgb(200, 35, 51),
        "VOID" | "VOIDED" | "CANCELLED" | "CANCELED" | "DRAFT" => Rgb(108, 117, 125),
        "REFUNDED" | "PARTIALLY REFUNDED" | "CREDITED" | "ISSUED" => Rgb(13, 98, 190),
        _ => Rgb(52, 58, 64),
    }
}
