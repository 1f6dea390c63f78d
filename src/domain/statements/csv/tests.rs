//! Amount notations, numbered columns and row-level refusals.

use super::{parse, signed_minor};
use crate::domain::statements::{CsvProfile, Direction, ProfileColumn, builtin_profiles};

fn german() -> CsvProfile {
    builtin_profiles()
        .into_iter()
        .find(|p| p.name == "de-soll-haben")
        .unwrap()
}

fn generic() -> CsvProfile {
    builtin_profiles()
        .into_iter()
        .find(|p| p.name == "generic")
        .unwrap()
}

#[test]
fn amounts_follow_the_profile_notation() {
    let german = german();
    assert_eq!(
        signed_minor("1.234,56", &german, "EUR"),
        Ok((123456, false))
    );
    assert_eq!(
        signed_minor("-1.234.567,5", &german, "EUR"),
        Ok((123456750, true))
    );
    assert_eq!(signed_minor("15,90-", &german, "EUR"), Ok((1590, true)));
    assert_eq!(signed_minor("-0,00", &german, "EUR"), Ok((0, false)));
    assert_eq!(signed_minor("1234", &german, "JPY"), Ok((1234, false)));
    assert!(
        signed_minor("12.50", &german, "EUR")
            .unwrap_err()
            .contains("misplaced")
    );
    assert!(
        signed_minor("1,234", &german, "EUR")
            .unwrap_err()
            .contains("decimals")
    );
    assert!(
        signed_minor("1,2,3", &german, "EUR")
            .unwrap_err()
            .contains("not a number")
    );
    let mut english = generic();
    english.thousands_separator = Some(',');
    assert_eq!(
        signed_minor("1,234.56", &english, "EUR"),
        Ok((123456, false))
    );
    assert_eq!(signed_minor("1.5", &english, "KWD"), Ok((1500, false)));
    assert!(
        signed_minor("1.2345", &english, "KWD")
            .unwrap_err()
            .contains("KWD allows (3)")
    );
}

#[test]
fn files_without_a_header_use_column_numbers() {
    let profile = CsvProfile {
        name: "numbered".into(),
        has_header: false,
        booking_date: ProfileColumn::Number(1),
        value_date: None,
        amount: Some(ProfileColumn::Number(2)),
        currency: Some("EUR".into()),
        currency_column: None,
        payer: Some(ProfileColumn::Number(3)),
        remittance: vec![ProfileColumn::Number(4), ProfileColumn::Number(5)],
        reference: None,
        ..generic()
    };
    let statement = parse(b"2025-12-08,-7.5,Shop,INV-2-202512-0009,extra\n", &profile).unwrap();
    let line = &statement.lines[0];
    assert_eq!(
        (line.line_no, line.amount, line.direction),
        (1, 750, Direction::Debit)
    );
    assert_eq!(line.remittance, "INV-2-202512-0009 extra");
    let error = parse(b"2025-12-08,1.00\n", &profile).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 1 (column 3): the row has 2 fields and lacks this one"
    );
}

#[test]
fn row_level_mistakes_name_their_line() {
    let header = "booking_date,value_date,amount,currency,payer,remittance,reference\n";
    let cases = [
        (
            "08.12.2025,,1.00,EUR,,,\n",
            "'08.12.2025' is not a date in %Y-%m-%d",
        ),
        ("2025-12-08,,,EUR,,,\n", "the amount is empty"),
        ("2025-12-08,,1.00,,,,\n", "names no currency"),
        (
            "2025-12-08,,1.00,EUR,,,R-1\n2025-12-09,,2.00,EUR,,,R-1\n",
            "line 3 repeats the bank reference of line 2 (R-1)",
        ),
    ];
    for (rows, words) in cases {
        let text = format!("{header}{rows}");
        let error = parse(text.as_bytes(), &generic()).unwrap_err();
        assert!(error.to_string().contains(words), "{error}");
    }
}

#[test]
fn debit_and_credit_columns_must_not_both_hold_money() {
    let preamble = "a\nb\nc\n\nBuchungstag;Valuta;Auftraggeber/Empf\u{e4}nger;Verwendungszweck;Referenz;Soll;Haben;W\u{e4}hrung\n";
    let text = format!("{preamble}08.12.2025;;X;Y;;-1,00;2,00;EUR\n");
    let bytes = encoding_rs::WINDOWS_1252.encode(&text).0;
    let error = parse(&bytes, &german()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 6: both 'Soll' and 'Haben' hold an amount"
    );
}

#[test]
fn bytes_that_are_not_the_profile_encoding_are_refused() {
    let error = parse(b"booking_date\n2025-12-08\n\xff\n", &generic()).unwrap_err();
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.to_string().contains("not UTF-8 text"), "{error}");
}

#[test]
fn a_preamble_longer_than_the_file_is_refused() {
    let error = parse(b"one line\n", &german()).unwrap_err();
    assert!(error.to_string().contains("fewer than the 4"), "{error}");
}
