//! Entries built inline: what each element's absence or misuse is refused with.

use super::parse;
use crate::domain::statements::{Direction, ParseError};

fn document(version: &str, entries: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}\">\n<BkToCstmrStmt>\n<Stmt>\n<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n{entries}</Stmt>\n</BkToCstmrStmt>\n</Document>\n"
    )
}

const GOOD: &str = "<Ntry>\n<Amt Ccy=\"EUR\">10.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<BookgDt><Dt>2025-12-08</Dt></BookgDt>\n</Ntry>\n";

fn refused(text: &str) -> ParseError {
    parse(text.as_bytes()).expect_err("refused")
}

#[test]
fn a_plain_entry_without_details_is_one_line() {
    let statement = parse(document("02", GOOD).as_bytes()).unwrap();
    assert_eq!(statement.lines.len(), 1);
    let line = &statement.lines[0];
    assert_eq!(
        (line.line_no, line.amount, line.direction),
        (6, 1000, Direction::Credit)
    );
    assert_eq!(
        (line.bank_reference.as_deref(), line.remittance.as_str()),
        (None, "")
    );
}

#[test]
fn missing_amount_currency_date_or_direction_names_the_element() {
    let cases = [
        (
            GOOD.replace("<Amt Ccy=\"EUR\">10.00</Amt>\n", ""),
            "Ntry/Amt",
            "no amount",
        ),
        (
            GOOD.replace(" Ccy=\"EUR\"", ""),
            "Ntry/Amt",
            "<Amt> has no Ccy attribute",
        ),
        (
            GOOD.replace("EUR", "XXY"),
            "Ntry/Amt",
            "'XXY' does not exist",
        ),
        (
            GOOD.replace("10.00", "10,00"),
            "Ntry/Amt",
            "'10,00' is not a number",
        ),
        (GOOD.replace("10.00", "-10.00"), "Ntry/Amt", "negative"),
        (
            GOOD.replace("<BookgDt><Dt>2025-12-08</Dt></BookgDt>\n", ""),
            "Ntry/BookgDt",
            "no booking date",
        ),
        (
            GOOD.replace("2025-12-08", "2025-13-08"),
            "Ntry/BookgDt",
            "not a date",
        ),
        (
            GOOD.replace("CRDT", "CRED"),
            "Ntry/CdtDbtInd",
            "neither CRDT nor DBIT",
        ),
    ];
    for (entry, element, words) in cases {
        let error = refused(&document("08", &entry));
        assert_eq!(error.line, Some(6), "{error}");
        assert_eq!(error.element.as_deref(), Some(element), "{error}");
        assert!(error.to_string().contains(words), "{error}");
    }
}

#[test]
fn an_empty_entry_element_is_still_an_entry() {
    let error = refused(&document("02", &format!("{GOOD}<Ntry/>\n")));
    assert_eq!(
        error.to_string(),
        "line 11 (Ntry/Amt): the entry has no amount"
    );
}

#[test]
fn other_versions_and_messages_are_refused_by_name() {
    let error = refused(&document("04", GOOD));
    assert!(
        error
            .to_string()
            .contains("camt.053.001.04 is not read here"),
        "{error}"
    );
    let camt054 = document("02", GOOD).replace("camt.053", "camt.054");
    assert!(
        refused(&camt054)
            .to_string()
            .contains("namespace is urn:iso:std:iso:20022:tech:xsd:camt.054")
    );
    let no_namespace = document("02", GOOD).replace(" xmlns=", " data-ns=");
    assert!(
        refused(&no_namespace)
            .to_string()
            .contains("namespace is none")
    );
}

#[test]
fn a_prefixed_namespace_reads_like_the_default_one() {
    let prefixed = document("08", GOOD)
        .replace("<Document xmlns=", "<c:Document xmlns:c=")
        .replace("</Document>", "</c:Document>");
    assert_eq!(parse(prefixed.as_bytes()).unwrap().lines.len(), 1);
}

#[test]
fn ill_formed_xml_names_its_line() {
    let broken = document("02", &GOOD.replace("</CdtDbtInd>", "</CdtDbt>"));
    let error = refused(&broken);
    assert_eq!(error.line, Some(8), "{error}");
    assert!(error.message.starts_with("ill-formed XML"), "{error}");
}

#[test]
fn a_batch_that_does_not_add_up_is_refused() {
    let batch = |second: &str| {
        format!(
            "<Ntry>\n<Amt Ccy=\"EUR\">30.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n<BookgDt><Dt>2025-12-08</Dt></BookgDt>\n<NtryDtls>\n<TxDtls>\n<Amt Ccy=\"EUR\">10.00</Amt>\n</TxDtls>\n<TxDtls>\n<Amt Ccy=\"EUR\">{second}</Amt>\n</TxDtls>\n</NtryDtls>\n</Ntry>\n"
        )
    };
    let statement = parse(document("08", &batch("20.00")).as_bytes()).unwrap();
    let lines: Vec<(usize, i64)> = statement
        .lines
        .iter()
        .map(|l| (l.line_no, l.amount))
        .collect();
    assert_eq!(lines, vec![(11, 1000), (14, 2000)]);
    let error = refused(&document("08", &batch("25.00")));
    assert_eq!(error.line, Some(6));
    assert!(error.to_string().contains("do not add up"), "{error}");
}

#[test]
fn placeholder_references_give_way_to_the_next_one() {
    let entry = GOOD.replace(
        "</BookgDt>\n",
        "</BookgDt>\n<AcctSvcrRef>SVC-1</AcctSvcrRef>\n<NtryDtls><TxDtls><Refs><TxId>NOTPROVIDED</TxId></Refs></TxDtls></NtryDtls>\n",
    );
    let statement = parse(document("02", &entry).as_bytes()).unwrap();
    assert_eq!(statement.lines[0].bank_reference.as_deref(), Some("SVC-1"));
}

#[test]
fn statements_of_two_accounts_in_one_file_are_refused() {
    let two = document("02", GOOD).replace(
        "</Stmt>\n</BkToCstmrStmt>",
        "</Stmt>\n<Stmt>\n<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>\n</Stmt>\n</BkToCstmrStmt>",
    );
    assert!(refused(&two).to_string().contains("several accounts"));
}
