//! The two typefaces every document uses, compiled into the binary.
//!
//! DejaVu Sans (regular and bold, licence in `assets/fonts/LICENSE-DejaVu.txt`) is embedded with
//! `include_bytes!` so a PDF never depends on fonts installed on the server, and krilla embeds a
//! subset of it in each PDF so it renders the same in every viewer. DejaVu covers Latin,
//! Greek and Cyrillic, which is what names and addresses on our invoices use.
//!
//! Layout measures text here, with the same glyphs and advance widths the PDF then draws, so
//! right-aligned amounts and wrapped descriptions land exactly where the layout put them.

use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

pub(crate) static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Which of the two faces a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

impl Weight {
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }
}

/// One glyph as the renderer places it: its id in the font and its advance in ems.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Glyph {
    pub(crate) id: u32,
    pub(crate) advance: f32,
}

/// A font's character map and horizontal metrics: enough to measure and draw one line of text
/// without shaping (no kerning or ligatures, which invoices do not need).
pub(crate) struct Face {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    /// Reads a face; `None` if the bytes are not a usable font (never the case for the embedded
    /// ones, which a unit test checks).
    pub(crate) fn new(data: &'static [u8]) -> Option<Self> {
        let font = FontRef::new(data).ok()?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        if units_per_em <= 0.0 {
            return None;
        }
        Some(Self {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// The glyph for `c`, or the font's "missing glyph" box (id 0) when it has none.
    pub(crate) fn glyph(&self, c: char) -> Glyph {
        let id = self.charmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = self.metrics.advance_width(id).unwrap_or(0.0) / self.units_per_em;
        Glyph {
            id: id.to_u32(),
            advance,
        }
    }

    /// Width of `text` set at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).advance).sum::<f32>() * size
    }
}

/// Both faces, read once per render.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Option<Self> {
        Some(Self {
            regular: Face::new(REGULAR_TTF)?,
            bold: Face::new(BOLD_TTF)?,
        })
    }

    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_load_and_cover_the_names_we_print() {
        let fonts = Fonts::load().expect("embedded DejaVu fonts parse");
        for weight in [Weight::Regular, Weight::Bold] {
            let face = fonts.face(weight);
            for c in "Zoë Ünal Łódź Ελλάδα Москва €…".chars() {
                assert_ne!(face.glyph(c).id, 0, "{weight:?} has no glyph for {c:?}");
            }
            assert!(face.width("Invoice", 10.0) > 20.0);
        }
        assert!(
            fonts.face(Weight::Bold).width("Invoice", 10.0)
                > fonts.face(Weight::Regular).width("Invoice", 10.0)
        );
    }
}
