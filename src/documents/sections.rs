//! The titled blocks after the totals: payment instructions, payment details, a reason.
//!
//! Unlike table rows, a section may break across pages line by line (payment instructions can
//! be long), but its title is never left alone at the bottom of a page.

use super::fonts::Weight;
use super::layout::{BODY, CONTENT_WIDTH, INK, LEADING, LEFT, Pages, RULE};
use super::text;

/// Lines one section line may wrap into before it is cut with an ellipsis.
const LINES_PER_ENTRY: usize = 40;
const TITLE_SIZE: f32 = 10.0;

pub(crate) fn draw(pages: &mut Pages<'_>) {
    let doc = pages.doc;
    let regular = pages.fonts.face(Weight::Regular);
    let bold = pages.fonts.face(Weight::Bold);
    let mut first = true;
    for section in &doc.sections {
        let title = text::truncate(bold, &section.title, TITLE_SIZE, CONTENT_WIDTH);
        let lines: Vec<String> = section
            .lines
            .iter()
            .flat_map(|line| text::wrap(regular, line, BODY, CONTENT_WIDTH, LINES_PER_ENTRY))
            .collect();
        if title.is_empty() && lines.iter().all(String::is_empty) {
            continue;
        }
        pages.y += if first { 22.0 } else { 14.0 };
        first = false;

        // The title, its rule and up to two lines stay together.
        let kept = lines.len().min(2) as f32 * LEADING;
        pages.ensure(if title.is_empty() { kept } else { 20.0 + kept });
        if !title.is_empty() {
            pages.text(LEFT, pages.y + 10.0, Weight::Bold, TITLE_SIZE, INK, title);
            pages.rule(pages.y + 15.0, 0.5, RULE);
            pages.y += 20.0;
        }
        for line in lines {
            pages.ensure(LEADING);
            pages.text(LEFT, pages.y + 9.0, Weight::Regular, BODY, INK, line);
            pages.y += LEADING;
        }
    }
}
