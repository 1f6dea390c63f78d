//! Invoices, receipts and credit notes as PDF files.
//!
//! A leaf module: it knows nothing of accounts, money or the database. Callers build a
//! [`Document`] from already-formatted strings and [`render`] lays it out on A4 pages and writes
//! the PDF. Rendering is pure and reproducible: the same document always gives the same bytes
//! (no clock, no randomness), so a PDF can be regenerated on demand instead of stored, and its
//! hash can be compared across runs.
//!
//! - [`model`]: the data a document prints.
//! - `layout`, `header`, `table`, `sections`: where everything goes, as a display list.
//! - `text`: cleaning, truncating and wrapping user text to fixed widths.
//! - `fonts`: the embedded DejaVu Sans faces and their metrics.
//! - `pdf`: the display list written with krilla.

mod fonts;
mod header;
mod layout;
pub mod model;
mod pdf;
mod sections;
mod table;
mod text;

pub use model::{Document, Kind, Line, Party, Section};
pub use pdf::RenderError;

/// Renders `doc` as a PDF: A4 pages with the fonts embedded, "Page N of M" in the footer, and
/// metadata (title "Invoice INV-…", author and creator "tollgate", creation date = issue date).
///
/// Never panics on odd input: empty fields, very long text and thousands of lines are wrapped,
/// truncated or paginated. Fails only if the embedded fonts cannot be read or subset, which no
/// input causes (see [`RenderError`]).
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let fonts = fonts::Fonts::load().ok_or(RenderError::Fonts)?;
    let pages = layout::layout(doc, &fonts);
    pdf::write(doc, &fonts, pages)
}

#[cfg(test)]
mod tests;
