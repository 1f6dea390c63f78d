//! MT940 messages built inline: marks, dates, `:86:` shapes and refusals.

use super::details::read_details;
use super::parse;
use crate::domain::statements::Direction;

fn message(bookings: &str) -> String {
    format!(
        ":20:STARTUMSE\r\n:25:37040044/0532013000\r\n:28C:1/1\r\n:60F:C251205EUR0,00\r\n{bookings}:62F:C251208EUR0,00\r\n"
    )
}

#[test]
fn reversal_marks_point_the_other_way() {
    let text = message(
        ":61:2512081208RC5,00NTRFNONREF\r\n:61:2512081208RD6,00NTRFNONREF\r\n:61:251208D7,NTRFNONREF\r\n",
    );
    let statement = parse(text.as_bytes()).unwrap();
    let read: Vec<(i64, Direction)> = statement
        .lines
        .iter()
        .map(|l| (l.amount, l.direction))
        .collect();
    assert_eq!(
        read,
        vec![
            (500, Direction::Debit),
            (600, Direction::Credit),
            (700, Direction::Debit)
        ]
    );
    // Without an entry date the value date is the booking date.
    assert_eq!(
        statement.lines[2].booking_date,
        statement.lines[2].value_date.unwrap()
    );
}

#[test]
fn impossible_dates_are_refused_not_panicked_on() {
    for (sixty_one, words) in [
        (":61:2512080230CR5,00NTRFNONREF", "entry date '0230'"),
        (":61:2513081208CR5,00NTRFNONREF", "value date '251308'"),
        (":61:25120CR5,00NTRFNONREF", "value date"),
        (":61:2512081208X5,00NTRFNONREF", "debit/credit mark"),
    ] {
        let error = parse(message(&format!("{sixty_one}\r\n")).as_bytes()).unwrap_err();
        assert_eq!(error.line, Some(5), "{error}");
        assert!(error.to_string().contains(words), "{error}");
    }
}

#[test]
fn an_unknown_currency_is_refused_at_the_opening_balance() {
    let text = message(":61:2512081208CR5,00NTRFNONREF\r\n").replace("EUR", "XXY");
    let error = parse(text.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 4 (:60F:): currency 'XXY' does not exist (ISO 4217)"
    );
}

#[test]
fn a_structured_86_keeps_posting_text_out_and_question_marks_in() {
    let details = read_details("166?00GUTSCHRIFT?20Wer? INV-2-202512-0001?32Anna Schmidt");
    assert_eq!(details.remittance, "Wer? INV-2-202512-0001");
    assert_eq!(details.payer.as_deref(), Some("Anna Schmidt"));
}

#[test]
fn an_unstructured_86_is_all_remittance() {
    let details = read_details("Miete Dezember\nINV-2-202512-0001");
    assert_eq!(details.remittance, "Miete Dezember INV-2-202512-0001");
    assert_eq!(details.payer, None);
}

#[test]
fn text_that_is_no_mt940_says_so() {
    let error = parse(b"hello\nworld\n").unwrap_err();
    assert!(
        error.to_string().starts_with("not an MT940 file"),
        "{error}"
    );
    let error = parse(
        message("")
            .replace(":62F:C251208EUR0,00\r\n", "")
            .as_bytes(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("incomplete"), "{error}");
}
