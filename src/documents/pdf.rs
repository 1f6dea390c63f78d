//! Turns laid-out pages into PDF bytes with krilla.
//!
//! Each string is drawn as explicit glyphs (one per character, with its byte range in the text),
//! so krilla writes a subset of the embedded font and a ToUnicode map that gives text
//! extraction, search and copy-paste the original characters back.
//!
//! Output is byte-for-byte reproducible: krilla derives object order and ids from content
//! through stable hashes, the creation date is the document's issue date, the document id is
//! derived from its number, and nothing reads the clock or a random source.

use chrono::Datelike;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::fonts::{Fonts, Weight};
use super::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Rgb};
use super::model::Document;

/// Why a document could not be rendered. Input cannot cause either: both mean the embedded
/// fonts are unreadable or krilla failed to subset them, i.e. a broken build, which a caller
/// should answer with a server error rather than a crash.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the embedded fonts could not be read")]
    Fonts,
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

const PRODUCER: &str = "tollgate";

pub(crate) fn write(
    doc: &Document,
    fonts: &Fonts,
    pages: Vec<Vec<Op>>,
) -> Result<Vec<u8>, RenderError> {
    let regular = krilla_font(Weight::Regular)?;
    let bold = krilla_font(Weight::Bold)?;
    let size = Size::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("invalid page size".into()))?;

    let mut pdf = krilla::Document::new();
    for ops in pages {
        let mut page = pdf.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Rect {
                    x,
                    y,
                    width,
                    height,
                    color,
                } => {
                    let Some(rect) = Rect::from_xywh(x, y, width, height) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(fill(color)));
                        surface.draw_path(&path);
                    }
                }
                Op::Text {
                    x,
                    y,
                    weight,
                    size,
                    color,
                    text,
                } => {
                    let face = fonts.face(weight);
                    let glyphs: Vec<KrillaGlyph> = text
                        .char_indices()
                        .map(|(at, c)| {
                            let glyph = face.glyph(c);
                            let range = at..at + c.len_utf8();
                            KrillaGlyph::new(
                                GlyphId::new(glyph.id),
                                glyph.advance,
                                0.0,
                                0.0,
                                0.0,
                                range,
                                None,
                            )
                        })
                        .collect();
                    if glyphs.is_empty() {
                        continue;
                    }
                    let font = match weight {
                        Weight::Regular => regular.clone(),
                        Weight::Bold => bold.clone(),
                    };
                    surface.set_fill(Some(fill(color)));
                    surface.draw_glyphs(Point::from_xy(x, y), &glyphs, font, &text, size, false);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.set_metadata(metadata(doc));
    pdf.finish().map_err(|e| RenderError::Pdf(e.to_string()))
}

fn krilla_font(weight: Weight) -> Result<Font, RenderError> {
    Font::new(weight.bytes().into(), 0).ok_or(RenderError::Fonts)
}

fn fill(Rgb(r, g, b): Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Title, author, creator and producer, with the issue date (midnight UTC) as creation date
/// and an id derived from kind and number: the same document keeps the same id across renders.
fn metadata(doc: &Document) -> Metadata {
    let mut metadata = Metadata::new()
        .title(doc.title())
        .authors(vec![PRODUCER.to_string()])
        .creator(PRODUCER.to_string())
        .producer(PRODUCER.to_string())
        .document_id(format!("tollgate:{}:{}", doc.kind.title(), doc.number));
    if let Ok(year @ 0..=9999) = u16::try_from(doc.issued.year()) {
        let date = DateTime::new(year)
            .month(doc.issued.month() as u8)
            .day(doc.issued.day() as u8)
            .hour(0)
            .minute(0)
            .second(0)
            .utc_offset_hour(0);
        metadata = metadata.creation_date(date);
    }
    metadata
}
