//! The invoice PDF as a reader sees it: poppler's `pdftotext` must find every printed field
//! (which proves the fonts are embedded with a right ToUnicode map, accents included), and
//! `pdfinfo` must count several pages for a long invoice.
//!
//! Needs poppler-utils. Without it each test prints `skipped: …` and passes, unless
//! `TOLLGATE_REQUIRE_PDF_TOOLS=1` (as in CI) makes a missing tool a failure
//! (`common/pdf_tools.rs`, shared with `documents_api.rs`).
//!
//! `TOLLGATE_PDF_SAMPLE_DIR=dir cargo test --test documents_pdf` also writes the sample to
//! `dir/invoice.pdf`, for the screenshot in docs/screenshots/ (`pdftoppm -png -r 80`).

#[path = "common/pdf_tools.rs"]
mod pdf_tools;

use std::path::Path;

use chrono::NaiveDate;
use pdf_tools::{poppler, write_temp};
use tollgate::documents::{Document, Kind, Line, Party, Section, render};

fn sample() -> Document {
    let seller = Party::new(
        "Tollgate Demo LLC",
        [
            "1 Main Street, Suite 200",
            "Springfield, IL 62701, USA",
            "Tax ID US-123456789",
            "billing@tollgate.example",
        ],
    );
    let buyer = Party::new(
        "Zoë Ünal",
        [
            "ul. Piotrkowska 104/7",
            "90-001 Łódź, Poland",
            "VAT PL1234567890",
            "zoe@example.com",
        ],
    );
    let mut doc = Document::new(
        Kind::Invoice,
        "INV-12-202612-0001",
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        "PENDING",
        "USD",
        seller,
        buyer,
    );
    doc.due = NaiveDate::from_ymd_opt(2027, 1, 3);
    doc.lines = vec![
        Line::new(
            "Pro plan, monthly (2026-12-04 to 2027-01-03)",
            "1",
            "79.00",
            "79.00",
        ),
        Line::new("Additional seats", "2", "5.00", "10.00"),
        Line::new(
            "Priority support add-on for the Pro plan, including a named contact, four-hour response \
             times on business days and a quarterly review of your billing setup",
            "1",
            "0.00",
            "0.00",
        ),
    ];
    doc.totals = vec![
        ("Subtotal".into(), "89.00".into()),
        ("Tax (0%)".into(), "0.00".into()),
        ("Total".into(), "89.00".into()),
    ];
    doc.sections = vec![Section::new(
        "Payment instructions",
        [
            "Pay by bank transfer to Tollgate Demo LLC, IBAN DE02 1203 0000 0000 2020 51, BIC BYLADEM1001.",
            "Put the invoice number INV-12-202612-0001 in the transfer reference.",
        ],
    )];
    doc
}

#[test]
fn pdftotext_reads_every_field_of_the_invoice() {
    let pdf = render(&sample()).unwrap();
    let file = write_temp(&pdf);
    let Some(text) = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], file.path()) else {
        return;
    };
    let doc = sample();
    let mut expected = vec![
        "Invoice",
        "INV-12-202612-0001",
        "2026-12-04",
        "2027-01-03",
        "Zoë Ünal",
        "90-001 Łódź, Poland",
        "Tollgate Demo LLC",
        "PENDING",
        "USD 89.00",
        "Payment instructions",
        "IBAN DE02 1203 0000 0000 2020 51",
        "Page 1 of 1",
    ];
    // Descriptions may wrap, so look for their first words on one line.
    let starts: Vec<String> = doc
        .lines
        .iter()
        .map(|l| {
            l.description
                .split(' ')
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    expected.extend(starts.iter().map(String::as_str));
    for needle in expected {
        assert!(text.contains(needle), "pdftotext lacks {needle:?}:\n{text}");
    }
    // The figures sit on their line's row, right-aligned.
    let row = text
        .lines()
        .find(|l| l.contains("Additional seats"))
        .unwrap();
    assert!(
        row.contains('2') && row.contains("5.00") && row.trim_end().ends_with("10.00"),
        "{row}"
    );

    if let Some(info) = poppler("pdfinfo", &[], file.path()) {
        assert!(
            info.contains("Title:           Invoice INV-12-202612-0001"),
            "{info}"
        );
        assert!(info.contains("Creator:         tollgate"), "{info}");
        assert!(
            info.contains("Page size:       595.28 x 841.89 pts (A4)"),
            "{info}"
        );
    }
}

#[test]
fn five_hundred_lines_take_several_pages() {
    let mut doc = sample();
    doc.lines = (1..=500)
        .map(|i| Line::new(format!("Usage item {i}"), "1", "0.10", "0.10"))
        .collect();
    let file = write_temp(&render(&doc).unwrap());
    let Some(info) = poppler("pdfinfo", &[], file.path()) else {
        return;
    };
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"));
    assert!(pages > 1, "{pages} pages");

    let text = poppler("pdftotext", &["-layout"], file.path()).unwrap();
    for needle in [
        "Usage item 1 ",
        "Usage item 500",
        &format!("Page {pages} of {pages}"),
    ] {
        assert!(text.contains(needle), "pdftotext lacks {needle:?}");
    }
}

/// With TOLLGATE_PDF_SAMPLE_DIR set, writes the sample invoice there for screenshots.
#[test]
fn writes_the_sample_for_screenshots_when_asked() {
    let Ok(dir) = std::env::var("TOLLGATE_PDF_SAMPLE_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let path = Path::new(&dir).join("invoice.pdf");
    std::fs::write(&path, render(&sample()).unwrap()).unwrap();
    println!("wrote {}", path.display());
}
