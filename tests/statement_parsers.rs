//! The statement parsers against the fixtures in tests/fixtures/statements/: every field of
//! chosen lines, stable fingerprints, and the line each malformed file is refused at.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::NaiveDate;
use tollgate::domain::statements::{
    CsvProfile, Direction, Format, ParseError, Statement, StatementLine, detect, load_profiles,
    parse, profile_by_name, require_profile,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/statements/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn profile(name: &str) -> CsvProfile {
    profile_by_name(name, &[]).unwrap_or_else(|| panic!("no built-in profile {name}"))
}

fn read(name: &str, format: Format, profile: Option<&CsvProfile>) -> Statement {
    parse(&fixture(name), format, profile).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refused(name: &str, format: Format, profile: Option<&CsvProfile>) -> ParseError {
    match parse(&fixture(name), format, profile) {
        Ok(statement) => panic!("{name} was read: {} lines", statement.lines.len()),
        Err(error) => error,
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[allow(clippy::too_many_arguments)]
fn line(
    line_no: usize,
    booking: &str,
    value: Option<&str>,
    amount: i64,
    direction: Direction,
    reference: Option<&str>,
    payer: Option<&str>,
    remittance: &str,
) -> StatementLine {
    StatementLine {
        line_no,
        booking_date: date(booking),
        value_date: value.map(date),
        amount,
        currency: "EUR".into(),
        direction,
        bank_reference: reference.map(str::to_string),
        payer_name: payer.map(str::to_string),
        remittance: remittance.into(),
    }
}

fn assert_stable_fingerprints(statement: &Statement, bytes: &[u8], profile: Option<&CsvProfile>) {
    let again = parse(bytes, statement.format, profile).unwrap();
    let first: Vec<String> = statement
        .fingerprinted_lines()
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let second: Vec<String> = again
        .fingerprinted_lines()
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    assert_eq!(first, second, "re-parsing gives the same fingerprints");
    let distinct: HashSet<&String> = first.iter().collect();
    assert_eq!(
        distinct.len(),
        first.len(),
        "every line of a file has its own fingerprint"
    );
    assert!(
        first
            .iter()
            .all(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
    );
}

#[test]
fn camt053_v02_reads_every_field() {
    let statement = read("camt053_v02.xml", Format::Camt053, None);
    assert_eq!(statement.format, Format::Camt053);
    assert_eq!(statement.account.as_deref(), Some("DE89370400440532013000"));
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    let credit = Direction::Credit;
    assert_eq!(
        statement.lines,
        vec![
            line(
                27,
                "2025-12-08",
                Some("2025-12-08"),
                8900,
                credit,
                Some("BT-20251208-12345"),
                Some("Anna Schmidt"),
                "INV-2-202512-0001 Kundennr 4711 SEPA Gutschrift"
            ),
            line(
                53,
                "2025-12-08",
                Some("2025-12-09"),
                123450,
                credit,
                Some("BT-20251208-12346"),
                Some("Müller & Söhne KG"),
                "Rechnung INV-2-202512-0002"
            ),
            line(
                74,
                "2025-12-08",
                Some("2025-12-08"),
                1590,
                Direction::Debit,
                Some("2025120800014"),
                Some("Hetzner Online GmbH"),
                "Server R-2025-998877 SEPA Lastschrift"
            ),
            line(
                93,
                "2025-12-08",
                None,
                2900,
                credit,
                None,
                Some("Jean Dupont"),
                "INV-2-202512-0003"
            ),
            line(
                109,
                "2025-12-08",
                None,
                2900,
                credit,
                None,
                Some("Jean Dupont"),
                "INV-2-202512-0003"
            ),
        ]
    );
    // The last two are the same transfer twice: the occurrence keeps them two rows.
    let pairs = statement.fingerprinted_lines();
    assert_eq!(pairs[3].1, statement.lines[3].fingerprint(0));
    assert_eq!(pairs[4].1, statement.lines[4].fingerprint(1));
    assert_stable_fingerprints(&statement, &fixture("camt053_v02.xml"), None);
}

#[test]
fn camt053_v08_reads_nested_names_and_splits_a_batch() {
    let statement = read("camt053_v08.xml", Format::Camt053, None);
    assert_eq!(statement.account.as_deref(), Some("DE75512108001245126199"));
    let credit = Direction::Credit;
    assert_eq!(
        statement.lines,
        vec![
            line(
                15,
                "2025-12-10",
                Some("2025-12-10"),
                24900,
                credit,
                Some("BT-20251210-20001"),
                Some("Acme Webservices Ltd"),
                "INV-2-202512-0010 annual plan"
            ),
            // A batch of two: one line per TxDtls, at that TxDtls' line, the batch's own
            // AcctSvcrRef not standing in for either.
            line(
                55,
                "2025-12-10",
                Some("2025-12-11"),
                4500,
                credit,
                Some("BT-20251210-20002"),
                Some("Björn Åkesson"),
                "INV-2-202512-0011 Sammelgutschrift"
            ),
            line(
                63,
                "2025-12-10",
                Some("2025-12-11"),
                8900,
                credit,
                Some("BT-20251210-20003"),
                Some("Li Wei"),
                "INV-2-202512-0012 Faster payment Sammelgutschrift"
            ),
            line(
                75,
                "2025-12-10",
                Some("2025-12-10"),
                750,
                Direction::Debit,
                Some("A-9003"),
                None,
                "Kontofuehrungsgebuehr Dezember"
            ),
        ]
    );
    assert_stable_fingerprints(&statement, &fixture("camt053_v08.xml"), None);
}

#[test]
fn mt940_reads_german_86_fields_and_year_end_bookings() {
    let statement = read("mt940_de.sta", Format::Mt940, None);
    assert_eq!(statement.account.as_deref(), Some("37040044/0532013000"));
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    let credit = Direction::Credit;
    assert_eq!(
        statement.lines,
        vec![
            line(
                5,
                "2025-12-08",
                Some("2025-12-08"),
                8900,
                credit,
                Some("PB25120800012"),
                Some("Anna Schmidt"),
                "EREF+BT-20251208-12345 SVWZ+INV-2-202512-0001 Kundennr 4711"
            ),
            // ?21 is filled to its 27 characters, so ?22 continues it without a space.
            line(
                9,
                "2025-12-08",
                Some("2025-12-08"),
                123450,
                credit,
                Some("PB25120800013"),
                Some("Müller & Söhne KG"),
                "EREF+BT-20251208-12346 SVWZ+Rechnung INV-2-202512-0002 vielen Dank"
            ),
            line(
                13,
                "2025-12-08",
                Some("2025-12-08"),
                1590,
                Direction::Debit,
                Some("PB25120800014"),
                Some("Hetzner Online GmbH"),
                "EREF+R-2025-998877 MREF+HZ-11223 CRED+DE53ZZZ00000012345 SVWZ+Server R-2025-998877"
            ),
            // Valued on New Year's Eve, booked on 2 January of the next year.
            line(
                24,
                "2026-01-02",
                Some("2025-12-31"),
                50000,
                credit,
                Some("PB26010200001"),
                Some("Jean Dupont Consulting SARL"),
                "EREF+BT-20251231-00042 SVWZ+INV-2-202512-0042"
            ),
            line(
                27,
                "2026-01-02",
                Some("2025-12-31"),
                2900,
                credit,
                None,
                None,
                "Überweisung ohne Struktur INV-2-202512-0003 Danke"
            ),
        ]
    );
    assert_stable_fingerprints(&statement, &fixture("mt940_de.sta"), None);
}

#[test]
fn csv_generic_reads_signed_amounts() {
    let generic = profile("generic");
    let statement = read("csv_generic.csv", Format::Csv, Some(&generic));
    assert_eq!(statement.account, None);
    assert_eq!(statement.currency, None);
    assert_eq!(
        statement.lines,
        vec![
            line(
                2,
                "2025-12-08",
                Some("2025-12-08"),
                8900,
                Direction::Credit,
                Some("BT-20251208-12345"),
                Some("Anna Schmidt"),
                "INV-2-202512-0001"
            ),
            line(
                3,
                "2025-12-08",
                Some("2025-12-09"),
                123450,
                Direction::Credit,
                Some("BT-20251208-12346"),
                Some("Müller & Söhne KG"),
                "Rechnung INV-2-202512-0002, vielen Dank"
            ),
            line(
                4,
                "2025-12-09",
                None,
                1590,
                Direction::Debit,
                None,
                Some("Hetzner Online GmbH"),
                "Server R-2025-998877"
            ),
            line(
                5,
                "2025-12-09",
                Some("2025-12-09"),
                2900,
                Direction::Credit,
                None,
                Some("Jean Dupont"),
                "INV-2-202512-0003"
            ),
        ]
    );
    assert_stable_fingerprints(&statement, &fixture("csv_generic.csv"), Some(&generic));
}

#[test]
fn csv_german_export_reads_windows_1252_soll_haben_and_preamble() {
    let german = profile("de-soll-haben");
    let statement = read("csv_de_win1252.csv", Format::Csv, Some(&german));
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    assert_eq!(
        statement.lines,
        vec![
            line(
                6,
                "2025-12-08",
                Some("2025-12-08"),
                8900,
                Direction::Credit,
                Some("BT-20251208-12345"),
                Some("Anna Schmidt"),
                "INV-2-202512-0001 Kundennr 4711"
            ),
            line(
                7,
                "2025-12-08",
                Some("2025-12-09"),
                123450,
                Direction::Credit,
                Some("BT-20251208-12346"),
                Some("Müller & Söhne KG"),
                "Rechnung INV-2-202512-0002; vielen Dank"
            ),
            line(
                8,
                "2025-12-09",
                Some("2025-12-09"),
                1590,
                Direction::Debit,
                None,
                Some("Hetzner Online GmbH"),
                "Server R-2025-998877"
            ),
            line(
                9,
                "2025-12-10",
                Some("2025-12-10"),
                1_200_000,
                Direction::Credit,
                Some("BT-20251210-00077"),
                Some("Jürgen Weiß"),
                "INV-2-202512-0004 Großauftrag"
            ),
        ]
    );
    assert_stable_fingerprints(&statement, &fixture("csv_de_win1252.csv"), Some(&german));
}

#[test]
fn the_same_transfer_read_from_two_formats_has_one_fingerprint_if_its_fields_agree() {
    // Fingerprints hash fields, not formats or positions: the generic CSV's fourth line and
    // the first camt duplicate differ only in value date and booking date, so they differ.
    let camt = read("camt053_v02.xml", Format::Camt053, None);
    let generic = profile("generic");
    let csv = read("csv_generic.csv", Format::Csv, Some(&generic));
    let mut moved = camt.lines[0].clone();
    moved.line_no = 999;
    assert_eq!(moved.fingerprint(0), camt.lines[0].fingerprint(0));
    assert_ne!(camt.lines[3].fingerprint(0), csv.lines[3].fingerprint(0));
    assert_ne!(camt.lines[0].fingerprint(0), camt.lines[0].fingerprint(1));
}

#[test]
fn detect_knows_camt_and_mt940_but_not_csv() {
    assert_eq!(detect(&fixture("camt053_v02.xml")), Some(Format::Camt053));
    assert_eq!(detect(&fixture("camt053_v08.xml")), Some(Format::Camt053));
    assert_eq!(detect(&fixture("mt940_de.sta")), Some(Format::Mt940));
    assert_eq!(detect(&fixture("csv_generic.csv")), None);
    assert_eq!(detect(&fixture("csv_de_win1252.csv")), None);
}

fn assert_refused(error: &ParseError, line: usize, words: &[&str]) {
    let shown = error.to_string();
    assert_eq!(error.line, Some(line), "{shown}");
    assert!(shown.starts_with(&format!("line {line}")), "{shown}");
    for word in words {
        assert!(shown.contains(word), "'{word}' missing from: {shown}");
    }
}

#[test]
fn malformed_camt053_files_are_refused_at_the_right_line() {
    let camt = |name: &str| refused(&format!("malformed/{name}"), Format::Camt053, None);
    assert_refused(
        &camt("camt053_truncated.xml"),
        80,
        &["truncated", "<Ntry> (opened on line 74)"],
    );
    let wrong = camt("camt053_wrong_currency.xml");
    assert_refused(&wrong, 53, &["wrong currency", "USD", "EUR"]);
    assert_eq!(wrong.element.as_deref(), Some("Ntry/Amt"));
    assert_refused(
        &camt("camt053_duplicate_reference.xml"),
        74,
        &[
            "line 74 repeats the bank reference of line 27",
            "BT-20251208-12345",
        ],
    );
    assert_refused(
        &camt("camt053_bad_amount.xml"),
        53,
        &["1234.505", "decimals"],
    );
    assert_refused(
        &camt("camt053_unknown_currency.xml"),
        93,
        &["XXY", "does not exist"],
    );
}

#[test]
fn malformed_mt940_files_are_refused_at_the_right_line() {
    let mt940 = |name: &str| refused(&format!("malformed/{name}"), Format::Mt940, None);
    let bad = mt940("mt940_bad_amount.sta");
    assert_refused(&bad, 13, &[]);
    assert_eq!(bad.element.as_deref(), Some(":61:"));
    assert_refused(
        &mt940("mt940_duplicate_reference.sta"),
        24,
        &[
            "line 24 repeats the bank reference of line 5",
            "PB25120800012",
        ],
    );
    assert_refused(
        &mt940("mt940_too_many_decimals.sta"),
        9,
        &["1234.505", "decimals"],
    );
}

#[test]
fn malformed_csv_files_are_refused_at_the_right_line() {
    let generic = profile("generic");
    let german = profile("de-soll-haben");
    let csv = |name: &str, profile: &CsvProfile| {
        refused(&format!("malformed/{name}"), Format::Csv, Some(profile))
    };
    let bad = csv("csv_generic_bad_amount.csv", &generic);
    assert_refused(&bad, 4, &["-15.9x", "not a number"]);
    assert_eq!(bad.element.as_deref(), Some("amount"));
    assert_refused(
        &csv("csv_generic_unknown_currency.csv", &generic),
        5,
        &["XXY"],
    );
    assert_refused(
        &csv("csv_de_wrong_currency.csv", &german),
        9,
        &["wrong currency", "USD"],
    );
}

#[test]
fn a_file_of_another_format_than_declared_is_refused() {
    let error = refused("camt053_v02.xml", Format::Mt940, None);
    assert!(
        error
            .to_string()
            .contains("declared mt940 but looks like camt053"),
        "{error}"
    );
    let error = refused("mt940_de.sta", Format::Camt053, None);
    assert!(error.to_string().contains("looks like mt940"), "{error}");
    let generic = profile("generic");
    let error = refused("mt940_de.sta", Format::Csv, Some(&generic));
    assert!(error.to_string().contains("looks like mt940"), "{error}");
    let error = refused("csv_generic.csv", Format::Camt053, None);
    assert!(error.to_string().contains("not a camt.053 file"), "{error}");
    let error = refused("csv_generic.csv", Format::Mt940, None);
    assert!(error.to_string().contains("not an MT940 file"), "{error}");
    let error = refused("csv_generic.csv", Format::Csv, None);
    assert!(
        error.to_string().contains("needs a column profile"),
        "{error}"
    );
}

#[test]
fn csv_profiles_name_what_is_missing() {
    let error = require_profile("sparkasse", &[]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown CSV profile 'sparkasse'"),
        "{error}"
    );
    assert!(
        error.to_string().contains("generic, de-soll-haben"),
        "{error}"
    );

    let extra = load_profiles(
        r#"[{"name": "bank-x", "separator": ";", "encoding": "windows-1252", "skip_lines": 4,
             "date_format": "%d.%m.%Y", "decimal_separator": ",", "thousands_separator": ".",
             "booking_date": "Buchungsdatum", "debit": "Soll", "credit": "Haben",
             "currency": "EUR", "remittance": ["Verwendungszweck"]}]"#,
    )
    .unwrap();
    let bank_x = require_profile("bank-x", &extra).unwrap();
    let error = refused("csv_de_win1252.csv", Format::Csv, Some(&bank_x));
    assert_refused(
        &error,
        5,
        &["no column 'Buchungsdatum'", "bank-x", "Buchungstag"],
    );

    let error =
        load_profiles(r#"[{"name": "x", "booking_date": "d", "currency": "EUR"}]"#).unwrap_err();
    assert!(error.to_string().contains("'amount'"), "{error}");
    let error = load_profiles("[{\"name\": \"x\",\n \"colour\": 1}]").unwrap_err();
    assert_eq!(error.line, Some(2), "{error}");
}

/// Statement text of about `target_lines` lines in each format, the entry starting at
/// `bad_entry` (counted from 0) spoiled by `spoil`; returns the text and the spoiled entry's
/// line.
fn big_camt(entries: usize, bad_entry: usize) -> (String, usize) {
    let mut text = String::from(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n<BkToCstmrStmt>\n<Stmt>\n<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n",
    );
    let mut bad_line = 0;
    for index in 0..entries {
        let amount = if index == bad_entry { "12.3a" } else { "12.30" };
        if index == bad_entry {
            bad_line = text.matches('\n').count() + 1;
        }
        write!(
            text,
            "<Ntry>\n<Amt Ccy=\"EUR\">{amount}</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<BookgDt><Dt>2025-12-08</Dt></BookgDt>\n<NtryDtls>\n<TxDtls>\n<Refs><TxId>BT-{index:08}</TxId></Refs>\n<RltdPties><Dbtr><Pty><Nm>Payer {index}</Nm></Pty></Dbtr></RltdPties>\n<RmtInf><Ustrd>INV-2-202512-{index:04}</Ustrd></RmtInf>\n</TxDtls>\n</NtryDtls>\n</Ntry>\n"
        )
        .unwrap();
    }
    text.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    (text, bad_line)
}

fn big_mt940(bookings: usize, bad_booking: usize) -> (String, usize) {
    let mut text =
        String::from(":20:STARTUMSE\n:25:37040044/0532013000\n:28C:1/1\n:60F:C251205EUR0,00\n");
    let mut bad_line = 0;
    for index in 0..bookings {
        let amount = if index == bad_booking {
            "12,3A"
        } else {
            "12,30"
        };
        if index == bad_booking {
            bad_line = text.matches('\n').count() + 1;
        }
        write!(
            text,
            ":61:2512081208CR{amount}NTRFNONREF//P{index:09}\n:86:166?00SEPA-GUTSCHRIFT?20SVWZ+INV-2-202512-{index:04}\n?32Payer {index}\n"
        )
        .unwrap();
    }
    text.push_str(":62F:C251208EUR0,00\n");
    (text, bad_line)
}

fn big_csv(rows: usize, bad_row: usize) -> (String, usize) {
    let mut text =
        String::from("booking_date,value_date,amount,currency,payer,remittance,reference\n");
    for index in 0..rows {
        let amount = if index == bad_row { "12.3a" } else { "12.30" };
        writeln!(
            text,
            "2025-12-08,,{amount},EUR,Payer {index},INV-2-202512-{index:04},BT-{index:08}"
        )
        .unwrap();
    }
    (text, bad_row.saturating_add(2))
}

#[test]
fn fifty_thousand_line_statements_fail_at_their_one_bad_line() {
    let cases = [
        (
            "camt053",
            Format::Camt053,
            big_camt(50_000 / 12, 50_000 / 12 - 3),
            None,
        ),
        (
            "mt940",
            Format::Mt940,
            big_mt940(50_000 / 3, 50_000 / 3 - 2),
            None,
        ),
        (
            "csv",
            Format::Csv,
            big_csv(50_000, 49_990),
            Some(profile("generic")),
        ),
    ];
    for (name, format, (text, bad_line), profile) in cases {
        assert!(
            text.lines().count() >= 49_000,
            "{name}: {}",
            text.lines().count()
        );
        let started = std::time::Instant::now();
        let error = parse(text.as_bytes(), format, profile.as_ref()).unwrap_err();
        eprintln!(
            "{name}: {} lines refused in {:?}: {error}",
            text.lines().count(),
            started.elapsed()
        );
        assert_eq!(error.line, Some(bad_line), "{name}: {error}");
    }
}

#[test]
fn fifty_thousand_line_statements_read_whole() {
    let cases = [
        (
            "camt053",
            Format::Camt053,
            big_camt(50_000 / 12, usize::MAX).0,
            None,
            50_000 / 12,
        ),
        (
            "mt940",
            Format::Mt940,
            big_mt940(50_000 / 3, usize::MAX).0,
            None,
            50_000 / 3,
        ),
        (
            "csv",
            Format::Csv,
            big_csv(50_000, usize::MAX).0,
            Some(profile("generic")),
            50_000,
        ),
    ];
    for (name, format, text, profile, expected_lines) in cases {
        let started = std::time::Instant::now();
        let statement = parse(text.as_bytes(), format, profile.as_ref()).unwrap();
        eprintln!(
            "{name}: {} lines read in {:?}",
            text.lines().count(),
            started.elapsed()
        );
        assert_eq!(statement.lines.len(), expected_lines, "{name}");
        assert_eq!(statement.fingerprinted_lines().len(), expected_lines);
    }
}
