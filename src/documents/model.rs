//! What a billing document says, as plain data the renderer lays out.
//!
//! Every amount is text the caller has already formatted: money rules (minor units, rounding,
//! separators) live in the domain, and the renderer only places strings, so the PDF can never
//! disagree with the figures the rest of tollgate shows.

use chrono::NaiveDate;

/// Which document this is; decides the printed title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Invoice,
    Receipt,
    CreditNote,
}

impl Kind {
    /// The title printed at the top right and used in the PDF's metadata title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Invoice => "Invoice",
            Kind::Receipt => "Receipt",
            Kind::CreditNote => "Credit note",
        }
    }
}

/// The seller or the buyer: a name in bold, then free lines (address, tax id, email…).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

impl Party {
    pub fn new(
        name: impl Into<String>,
        lines: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// One row of the lines table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

impl Line {
    pub fn new(
        description: impl Into<String>,
        quantity: impl Into<String>,
        unit_price: impl Into<String>,
        amount: impl Into<String>,
    ) -> Self {
        Self {
            description: description.into(),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
            amount: amount.into(),
        }
    }
}

/// A titled block of text after the totals: payment instructions, payment details, a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub lines: Vec<String>,
}

impl Section {
    pub fn new(
        title: impl Into<String>,
        lines: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            title: title.into(),
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// An invoice, receipt or credit note, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: Kind,
    /// "INV-12-202612-0001", "CN-12-202612-0001"…
    pub number: String,
    /// Printed as 2026-12-04; also the PDF's creation date, so rendering stays reproducible.
    pub issued: NaiveDate,
    pub due: Option<NaiveDate>,
    /// "PAID", "PENDING", "VOID", "REFUNDED"…, printed as a coloured badge.
    pub status: String,
    /// ISO code printed after the totals' figures, e.g. "USD".
    pub currency: String,
    pub seller: Party,
    pub buyer: Party,
    pub lines: Vec<Line>,
    /// (label, amount) rows, right-aligned under the table; the last one is printed in bold.
    pub totals: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// A line under the header, e.g. "Credit note for invoice INV-…".
    pub reference: Option<String>,
}

impl Document {
    /// A document with no lines, totals, sections or reference; fill those fields in afterwards.
    pub fn new(
        kind: Kind,
        number: impl Into<String>,
        issued: NaiveDate,
        status: impl Into<String>,
        currency: impl Into<String>,
        seller: Party,
        buyer: Party,
    ) -> Self {
        Self {
            kind,
            number: number.into(),
            issued,
            due: None,
            status: status.into(),
            currency: currency.into(),
            seller,
            buyer,
            lines: Vec::new(),
            totals: Vec::new(),
            sections: Vec::new(),
            reference: None,
        }
    }

    /// "Invoice INV-12-202612-0001": the PDF's metadata title and the running footer.
    pub fn title(&self) -> String {
        let kind = self.kind.title();
        if self.number.trim().is_empty() {
            kind.to_string()
        } else {
            format!("{kind} {}", self.number.trim())
        }
    }
}
