//! The shared parts: formats, errors, fingerprints, detection.

use super::*;

fn sample_line() -> StatementLine {
    StatementLine {
        line_no: 12,
        booking_date: NaiveDate::from_ymd_opt(2025, 12, 8).unwrap(),
        value_date: Some(NaiveDate::from_ymd_opt(2025, 12, 9).unwrap()),
        amount: 8900,
        currency: "EUR".into(),
        direction: Direction::Credit,
        bank_reference: Some("BT-20251208-12345".into()),
        payer_name: Some("Anna Schmidt".into()),
        remittance: "INV-2-202512-0001".into(),
    }
}

#[test]
fn formats_round_trip_through_their_names() {
    for format in [Format::Camt053, Format::Mt940, Format::Csv] {
        assert_eq!(format.to_string().parse::<Format>(), Ok(format));
    }
    assert_eq!("CAMT.053".parse::<Format>(), Ok(Format::Camt053));
    let error = "ofx".parse::<Format>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown statement format 'ofx' (known: camt053, mt940, csv)"
    );
}

#[test]
fn errors_name_line_and_element() {
    let both = ParseError::at_element(7, "Ntry/Amt", "<Amt> has no Ccy attribute");
    assert_eq!(
        both.to_string(),
        "line 7 (Ntry/Amt): <Amt> has no Ccy attribute"
    );
    assert_eq!(ParseError::at(12, "bad").to_string(), "line 12: bad");
    assert_eq!(ParseError::general("bad").to_string(), "bad");
}

#[test]
fn fingerprints_are_pinned_so_later_versions_keep_matching_old_imports() {
    // If this value changes, every statement imported before would look new on re-import.
    assert_eq!(
        sample_line().fingerprint(0),
        "e58087363e93845fd7965d7010d0a5a456ce1aa25a49313b889fba6d63a3b9c9"
    );
}

#[test]
fn fingerprints_ignore_position_and_wrapping_but_not_content() {
    let line = sample_line();
    let mut moved = line.clone();
    moved.line_no = 400;
    moved.remittance = "  INV-2-202512-0001 ".into();
    moved.payer_name = Some("Anna   Schmidt".into());
    assert_eq!(moved.fingerprint(0), line.fingerprint(0));
    assert_ne!(line.fingerprint(0), line.fingerprint(1));
    let mut debit = line.clone();
    debit.direction = Direction::Debit;
    assert_ne!(debit.fingerprint(0), line.fingerprint(0));
    let mut cent_more = line.clone();
    cent_more.amount += 1;
    assert_ne!(cent_more.fingerprint(0), line.fingerprint(0));
    // An empty field and a missing one are the same to the bank's next export.
    let mut no_reference = line.clone();
    no_reference.bank_reference = None;
    let mut empty_reference = line.clone();
    empty_reference.bank_reference = Some(" ".into());
    assert_eq!(no_reference.fingerprint(0), empty_reference.fingerprint(0));
}

#[test]
fn identical_lines_are_numbered_by_occurrence() {
    let mut other = sample_line();
    other.amount = 100;
    let statement = Statement {
        format: Format::Csv,
        account: None,
        currency: None,
        lines: vec![sample_line(), other.clone(), sample_line(), sample_line()],
    };
    let fingerprints: Vec<String> = statement
        .fingerprinted_lines()
        .into_iter()
        .map(|(_, fingerprint)| fingerprint)
        .collect();
    let line = sample_line();
    assert_eq!(
        fingerprints,
        vec![
            line.fingerprint(0),
            other.fingerprint(0),
            line.fingerprint(1),
            line.fingerprint(2)
        ]
    );
}

#[test]
fn detect_needs_a_camt053_namespace_or_mt940_tags() {
    let camt = br#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>"#;
    assert_eq!(detect(camt), Some(Format::Camt053));
    let with_bom = [b"\xef\xbb\xbf\n  ".as_slice(), camt].concat();
    assert_eq!(detect(&with_bom), Some(Format::Camt053));
    let camt054 = br#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>"#;
    assert_eq!(detect(camt054), None);
    assert_eq!(
        detect(b":20:X\r\n:25:Y\r\n:28C:1\r\n:60F:C251208EUR0,00\r\n"),
        Some(Format::Mt940)
    );
    assert_eq!(detect(b"date,amount\n2025-12-08,1.00\n"), None);
    assert_eq!(detect(b""), None);
}

#[test]
fn currency_codes_are_checked_and_upper_cased() {
    assert_eq!(checked_currency(" eur "), Ok("EUR".to_string()));
    assert_eq!(
        checked_currency("XXY"),
        Err("currency 'XXY' does not exist (ISO 4217)".to_string())
    );
}
