//! Page geometry and the display list: where every string and box goes, before any PDF exists.
//!
//! Layout is a separate pass that yields plain [`Op`]s per page, so the page count is known
//! before anything is drawn (the footer says "Page N of M"), the positions can be tested without
//! parsing a PDF, and the PDF writer stays a dumb loop. Coordinates are PDF points with the origin
//! at the top-left of an A4 page and y growing downwards; text is placed by its baseline.

use super::fonts::{Fonts, Weight};
use super::model::Document;
use super::text;

pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const LEFT: f32 = 50.0;
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 50.0;
pub(crate) const CONTENT_WIDTH: f32 = RIGHT - LEFT;
pub(crate) const TOP: f32 = 50.0;
/// Nothing but the footer goes below this line.
pub(crate) const BOTTOM: f32 = PAGE_HEIGHT - 62.0;
const FOOTER_RULE: f32 = PAGE_HEIGHT - 44.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 30.0;

/// Body text size and the distance between two body lines.
pub(crate) const BODY: f32 = 9.0;
pub(crate) const LEADING: f32 = 12.0;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub(crate) u8, pub(crate) u8, pub(crate) u8);

pub(crate) const INK: Rgb = Rgb(33, 37, 41);
pub(crate) const MUTED: Rgb = Rgb(108, 117, 125);
pub(crate) const RULE: Rgb = Rgb(222, 226, 230);
pub(crate) const SHADE: Rgb = Rgb(241, 243, 245);
pub(crate) const WHITE: Rgb = Rgb(255, 255, 255);

/// One drawing instruction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// `text` on one line, its left end at `x` and its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        weight: Weight,
        size: f32,
        color: Rgb,
        text: String,
    },
    /// A filled rectangle; rules are thin ones.
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Rgb,
    },
}

/// Lays `doc` out on as many A4 pages as it needs.
pub(crate) fn layout(doc: &Document, fonts: &Fonts) -> Vec<Vec<Op>> {
    let mut pages = Pages::new(doc, fonts);
    super::header::draw(&mut pages);
    super::table::draw_lines(&mut pages);
    super::table::draw_totals(&mut pages);
    super::sections::draw(&mut pages);
    pages.finish()
}

/// The pages laid out so far and the cursor on the last one.
pub(crate) struct Pages<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) fonts: &'a Fonts,
    pages: Vec<Vec<Op>>,
    /// Top of the free space on the current page.
    pub(crate) y: f32,
    /// Called on every page after the first, once its continuation header is drawn: the lines
    /// table uses it to repeat its column headings.
    pub(crate) on_new_page: Option<fn(&mut Pages<'_>)>,
}

impl<'a> Pages<'a> {
    fn new(doc: &'a Document, fonts: &'a Fonts) -> Self {
        Self {
            doc,
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            on_new_page: None,
        }
    }

    /// The current page's instructions (there always is one: `new` starts with a page).
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Draws `text` (already fitted to its space) with its left end at `x`.
    pub(crate) fn text(
        &mut self,
        x: f32,
        y: f32,
        weight: Weight,
        size: f32,
        color: Rgb,
        text: String,
    ) {
        if !text.is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                weight,
                size,
                color,
                text,
            });
        }
    }

    /// Draws `text` with its right end at `right`; returns where its left end landed.
    pub(crate) fn text_right(
        &mut self,
        right: f32,
        y: f32,
        weight: Weight,
        size: f32,
        color: Rgb,
        text: String,
    ) -> f32 {
        let x = right - self.fonts.face(weight).width(&text, size);
        self.text(x, y, weight, size, color, text);
        x
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        if width > 0.0 && height > 0.0 {
            self.ops().push(Op::Rect {
                x,
                y,
                width,
                height,
                color,
            });
        }
    }

    /// A horizontal rule across the content width at `y`.
    pub(crate) fn rule(&mut self, y: f32, thickness: f32, color: Rgb) {
        self.rect(LEFT, y, CONTENT_WIDTH, thickness, color);
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    /// Starts a page headed by the document's title, so a loose page still says what it belongs to.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let title = format!("{} (continued)", self.doc.title());
        let title = text::truncate(self.fonts.face(Weight::Bold), &title, 10.0, CONTENT_WIDTH);
        self.text(LEFT, TOP + 10.0, Weight::Bold, 10.0, INK, title);
        self.rule(TOP + 18.0, 0.5, RULE);
        self.y = TOP + 30.0;
        if let Some(hook) = self.on_new_page {
            hook(self);
        }
    }

    /// Adds the running footer ("Invoice INV-…" and "Page N of M") and hands the pages over.
    fn finish(mut self) -> Vec<Vec<Op>> {
        let total = self.pages.len();
        let title = self.doc.title();
        let regular = self.fonts.face(Weight::Regular);
        let title = text::truncate(regular, &title, 8.0, CONTENT_WIDTH - 100.0);
        for (index, ops) in self.pages.iter_mut().enumerate() {
            let label = format!("Page {} of {total}", index + 1);
            let label_x = RIGHT - regular.width(&label, 8.0);
            ops.push(Op::Rect {
                x: LEFT,
                y: FOOTER_RULE,
                width: CONTENT_WIDTH,
                height: 0.5,
                color: RULE,
            });
            for (x, text) in [(LEFT, title.clone()), (label_x, label)] {
                if !text.is_empty() {
                    ops.push(Op::Text {
                        x,
                        y: FOOTER_BASELINE,
                        weight: Weight::Regular,
                        size: 8.0,
                        color: MUTED,
                        text,
                    });
                }
            }
        }
        self.pages
    }
}
