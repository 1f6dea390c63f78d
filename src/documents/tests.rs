//! Rendering invariants: reproducible bytes, metadata, and layouts that stay on the page and
//! never overlap, whatever the input.

use chrono::NaiveDate;

use super::fonts::Fonts;
use super::layout::{self, BOTTOM, LEFT, Op, PAGE_HEIGHT, RIGHT};
use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn sample() -> Document {
    let seller = Party::new(
        "Tollgate Demo LLC",
        ["1 Main St", "Springfield", "VAT US123"],
    );
    let buyer = Party::new(
        "Zoë Ünal",
        ["ul. Piotrkowska 1", "90-001 Łódź", "zoe@example.com"],
    );
    let mut doc = Document::new(
        Kind::Invoice,
        "INV-12-202612-0001",
        date(2026, 12, 4),
        "PENDING",
        "USD",
        seller,
        buyer,
    );
    doc.due = Some(date(2027, 1, 3));
    doc.lines = vec![
        Line::new("Pro plan, December 2026", "1", "79.00", "79.00"),
        Line::new("Extra seats", "2", "5.00", "10.00"),
    ];
    doc.totals = vec![
        ("Subtotal".into(), "89.00".into()),
        ("Tax".into(), "0.00".into()),
        ("Total".into(), "89.00".into()),
    ];
    doc.sections = vec![Section::new(
        "Payment instructions",
        [
            "Bank transfer to IBAN DE02 1203 0000 0000 2020 51",
            "Reference: INV-12-202612-0001",
        ],
    )];
    doc
}

/// 500 lines with long descriptions, long party lines and a long section: several pages.
fn stress() -> Document {
    let mut doc = sample();
    let long = "Very long description with many words that must wrap inside its column ".repeat(30);
    doc.lines = (0..500)
        .map(|i| {
            Line::new(
                format!("{i}: {}", &long[..(i * 7) % long.len()]),
                "1",
                "1.00",
                "1.00",
            )
        })
        .collect();
    doc.seller.lines = vec!["x".repeat(5_000); 40];
    doc.buyer.name = "B".repeat(100_000);
    doc.status = "S".repeat(10_000);
    doc.totals.push((
        "Grand total with a label far too long ".repeat(20),
        "9".repeat(300),
    ));
    doc.sections
        .push(Section::new("Reason", vec![long.clone(); 20]));
    doc.reference = Some(long);
    doc
}

fn empty() -> Document {
    Document::new(
        Kind::CreditNote,
        "",
        date(2026, 1, 1),
        "",
        "",
        Party::default(),
        Party::default(),
    )
}

#[test]
fn same_document_gives_identical_bytes() {
    for doc in [sample(), empty()] {
        let first = render(&doc).unwrap();
        let second = render(&doc.clone()).unwrap();
        assert!(first.starts_with(b"%PDF-"));
        assert!(first == second, "two renders of {:?} differ", doc.number);
    }
    let mut other = sample();
    other.buyer.name = "Someone else".into();
    assert_ne!(render(&sample()).unwrap(), render(&other).unwrap());
}

#[test]
fn metadata_names_the_document_and_its_issue_date() {
    let pdf = render(&sample()).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("Invoice INV-12-202612-0001"), "no title");
    assert!(text.contains("tollgate"), "no creator");
    assert!(
        text.contains("D:20261204"),
        "creation date is not the issue date"
    );
}

#[test]
fn odd_input_renders_without_panicking() {
    for doc in [empty(), stress()] {
        let pdf = render(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
    let mut far = sample();
    far.issued = NaiveDate::MAX;
    far.due = Some(NaiveDate::MIN);
    far.lines = vec![Line::default(); 3];
    far.totals = vec![(String::new(), String::new())];
    far.sections = vec![Section::default(), Section::new("", ["\t\n\r\0"])];
    // Characters DejaVu lacks draw its "missing glyph" box; right-to-left and combining marks.
    far.buyer.name = "山田太郎 😀 e\u{301} שלום \u{200b}".into();
    assert!(render(&far).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn many_lines_flow_onto_further_pages() {
    let fonts = Fonts::load().unwrap();
    let pages = layout::layout(&stress(), &fonts);
    assert!(pages.len() > 5, "{} pages", pages.len());
    let short = layout::layout(&sample(), &fonts);
    assert_eq!(short.len(), 1);
}

/// Every string stays inside the margins and above the footer, and no two strings on a page
/// overlap (boxes from the advance widths, ascent and descent).
#[test]
fn text_stays_on_the_page_and_never_overlaps() {
    let fonts = Fonts::load().unwrap();
    for doc in [sample(), stress(), empty()] {
        for ops in layout::layout(&doc, &fonts) {
            let boxes: Vec<(f32, f32, f32, f32, &str)> = ops
                .iter()
                .filter_map(|op| match op {
                    Op::Text {
                        x,
                        y,
                        weight,
                        size,
                        text,
                        ..
                    } => {
                        let width = fonts.face(*weight).width(text, *size);
                        Some((
                            *x,
                            x + width,
                            y - size * 0.76,
                            y + size * 0.24,
                            text.as_str(),
                        ))
                    }
                    Op::Rect { .. } => None,
                })
                .collect();
            for &(left, right, top, bottom, text) in &boxes {
                assert!(
                    left >= LEFT - 0.01 && right <= RIGHT + 0.01,
                    "off the side: {text:.40}"
                );
                let footer = top > BOTTOM;
                assert!(
                    bottom <= BOTTOM + 2.0 || footer,
                    "into the footer: {text:.40}"
                );
                assert!(bottom < PAGE_HEIGHT - 20.0, "off the bottom: {text:.40}");
            }
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    let apart = a.1 <= b.0 || b.1 <= a.0 || a.3 <= b.2 || b.3 <= a.2;
                    assert!(apart, "{:.40} overlaps {:.40}", a.4, b.4);
                }
            }
        }
    }
}
