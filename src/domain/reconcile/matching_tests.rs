use super::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn line(id: i64, amount: i64, payer: &str, text: &str) -> Line {
    Line {
        id,
        booking_date: day(10),
        amount,
        currency: "EUR".into(),
        payer_name: Some(payer.into()),
        remittance: text.into(),
    }
}

fn pending(id: i64, invoice: &str, reference: &str, amount: i64, name: &str) -> Pending {
    Pending {
        payment_id: id,
        invoice_number: invoice.into(),
        reference: Some(reference.into()),
        amount,
        currency: "EUR".into(),
        names: vec![name.into()],
        submitted_on: day(9),
    }
}

#[test]
fn a_reference_in_the_text_matches_whatever_its_spacing_and_case() {
    let lines = [line(
        1,
        8900,
        "Someone Else",
        "Payment bt 20251208/12345 thanks",
    )];
    let pending = [pending(
        7,
        "INV-2-202512-0001",
        "BT-20251208-12345",
        8900,
        "Acme",
    )];
    let s = suggest(&lines, &pending);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].line_id, s[0].payment_id), (1, 7));
    assert_eq!(s[0].reason, Reason::Reference);
    assert_eq!(s[0].confidence, Confidence::High);
    assert!(s[0].preselected());
}

#[test]
fn a_fee_deducted_is_shown_and_keeps_the_pair_from_being_preselected() {
    let lines = [line(1, 8750, "Acme", "INV-2-202512-0001")];
    let pending = [pending(7, "INV-2-202512-0001", "BT-1", 8900, "Acme")];
    let s = suggest(&lines, &pending);
    assert_eq!(s[0].reason, Reason::InvoiceNumber);
    assert_eq!(s[0].confidence, Confidence::Medium);
    assert_eq!(s[0].difference, Some(-150));
    assert!(!s[0].preselected());
}

#[test]
fn an_invoice_number_does_not_match_inside_a_longer_one() {
    let lines = [line(1, 8900, "Nobody", "INV-2-202512-00012")];
    let pending = [pending(7, "INV-2-202512-0001", "BT-1", 5000, "Acme")];
    assert!(suggest(&lines, &pending).is_empty());
}

#[test]
fn a_mistyped_reference_falls_back_to_payer_name_and_amount() {
    let lines = [line(1, 8900, "DOE, JOHN", "BT-2025I208-12345")];
    let pending = [
        pending(7, "INV-1", "BT-20251208-12345", 8900, "John Doe"),
        pending(8, "INV-2", "BT-20251208-99999", 8900, "Mary Major"),
    ];
    let s = suggest(&lines, &pending);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].payment_id, 7);
    assert!(matches!(s[0].reason, Reason::PayerName(p) if p >= 90));
    assert!(s[0].preselected());
}

#[test]
fn an_amount_alone_is_low_and_never_preselected() {
    let lines = [line(1, 8900, "Unknown Payer", "thanks")];
    let pending = [pending(7, "INV-1", "BT-20251208-12345", 8900, "John Doe")];
    let s = suggest(&lines, &pending);
    assert_eq!(s[0].reason, Reason::AmountOnly);
    assert_eq!(s[0].confidence, Confidence::Low);
    assert!(!s[0].preselected());
}

#[test]
fn outside_the_window_an_amount_says_nothing() {
    let mut far = line(1, 8900, "John Doe", "thanks");
    far.booking_date = day(30);
    let pending = [pending(7, "INV-1", "BT-20251208-12345", 8900, "John Doe")];
    assert!(suggest(&[far], &pending).is_empty());
}

#[test]
fn a_payment_pairs_with_one_line_and_the_exact_one_wins() {
    let lines = [
        line(1, 8800, "Acme", "INV-2-202512-0001 part"),
        line(2, 8900, "Acme", "INV-2-202512-0001"),
    ];
    let pending = [pending(7, "INV-2-202512-0001", "BT-1", 8900, "Acme")];
    let s = suggest(&lines, &pending);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].line_id, 2);
}

#[test]
fn another_currency_is_low_with_no_difference() {
    let mut usd = line(1, 8900, "Acme", "INV-2-202512-0001");
    usd.currency = "USD".into();
    let pending = [pending(7, "INV-2-202512-0001", "BT-1", 8900, "Acme")];
    let s = suggest(&[usd], &pending);
    assert_eq!((s[0].confidence, s[0].difference), (Confidence::Low, None));
}

#[test]
fn ten_thousand_lines_against_ten_thousand_payments() {
    let pending: Vec<Pending> = (0..10_000)
        .map(|i| {
            let invoice = format!("INV-{i}-202611-0001");
            pending(
                i,
                &invoice,
                &format!("BT-{i:08}"),
                8900,
                &format!("Customer {i}"),
            )
        })
        .collect();
    let lines: Vec<Line> = (0..10_000)
        .map(|i| line(i, 8900, &format!("Customer {i}"), &format!("BT {i:08}")))
        .collect();
    let s = suggest(&lines, &pending);
    assert_eq!(s.len(), 10_000);
    assert!(
        s.iter()
            .all(|s| s.line_id == s.payment_id && s.preselected())
    );
}

#[test]
fn a_reference_beats_a_payer_name_for_the_same_payment() {
    let lines = [
        line(1, 8750, "Acme", "BT-20251208-12345"),
        line(2, 8900, "John Doe", "no reference"),
    ];
    let pending = [pending(7, "INV-1", "BT-20251208-12345", 8900, "John Doe")];
    let s = suggest(&lines, &pending);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].line_id, s[0].reason.clone()), (1, Reason::Reference));
}
