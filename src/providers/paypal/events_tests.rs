//! Bodies shaped like PayPal's (Webhooks v1 events over Payments v2 resources).

use serde_json::json;

use super::*;

fn capture(event_type: &str, value: &str, currency: &str) -> Vec<u8> {
    json!({
        "id": "WH-58D329510W468432D-8HN650336L201105X",
        "event_version": "1.0",
        "event_type": event_type,
        "resource_type": "capture",
        "resource": {
            "id": "2GG279541U471931P",
            "status": "COMPLETED",
            "amount": {"currency_code": currency, "value": value},
            "custom_id": "42",
            "invoice_id": "INV-2026-0007",
            "supplementary_data": {"related_ids": {"order_id": "5O190127TN364715T"}},
            "links": [
                {"href": "https://api.paypal.com/v2/payments/captures/2GG279541U471931P", "rel": "self"},
                {"href": "https://api.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "up"}
            ]
        }
    })
    .to_string()
    .into_bytes()
}

fn order_ref(payment_id: Option<i64>) -> PaymentRef {
    PaymentRef {
        payment_id,
        reference: "5O190127TN364715T".into(),
    }
}

#[test]
fn a_completed_capture_succeeds_in_exact_minor_units() {
    let event = parse(&capture(CAPTURE_COMPLETED, "89.00", "USD")).unwrap();
    assert_eq!(event.event_id, "WH-58D329510W468432D-8HN650336L201105X");
    assert_eq!(event.event_type, CAPTURE_COMPLETED);
    assert_eq!(
        event.kind,
        EventKind::Succeeded {
            payment: order_ref(Some(42)),
            amount: 8900,
            currency: "USD".into(),
            capture: Some("2GG279541U471931P".into()),
        }
    );

    // No minor unit in yen; a lower-case code is read upper-case.
    let event = parse(&capture(CAPTURE_COMPLETED, "1500", "jpy")).unwrap();
    let EventKind::Succeeded {
        amount, currency, ..
    } = event.kind
    else {
        panic!("{:?}", event.kind)
    };
    assert_eq!((amount, currency.as_str()), (1500, "JPY"));
    let err = parse(&capture(CAPTURE_COMPLETED, "1500.5", "JPY")).unwrap_err();
    assert!(matches!(err, Rejection::Body(_)), "{err:?}");

    // 0.1 + 0.2 style values stay exact.
    let event = parse(&capture(CAPTURE_COMPLETED, "0.30", "EUR")).unwrap();
    assert!(matches!(
        event.kind,
        EventKind::Succeeded { amount: 30, .. }
    ));
}

#[test]
fn a_foreign_custom_id_is_no_payment_id() {
    let mut body: Value =
        serde_json::from_slice(&capture(CAPTURE_COMPLETED, "1.00", "USD")).unwrap();
    body["resource"]["custom_id"] = json!("order-from-the-shop");
    let event = parse(body.to_string().as_bytes()).unwrap();
    assert!(
        matches!(event.kind, EventKind::Succeeded { payment, .. } if payment == order_ref(None))
    );
    body["resource"]
        .as_object_mut()
        .unwrap()
        .remove("custom_id");
    let event = parse(body.to_string().as_bytes()).unwrap();
    assert!(
        matches!(event.kind, EventKind::Succeeded { payment, .. } if payment == order_ref(None))
    );
}

#[test]
fn a_denied_capture_fails_with_paypals_reason() {
    let mut body: Value = serde_json::from_slice(&capture(CAPTURE_DENIED, "89.00", "USD")).unwrap();
    let event = parse(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        event.kind,
        EventKind::Failed {
            payment: order_ref(Some(42)),
            message: "PayPal denied the payment.".into()
        }
    );
    body["event_type"] = json!(CAPTURE_DECLINED);
    body["resource"]["status_details"] = json!({"reason": "BUYER_COMPLAINT"});
    let event = parse(body.to_string().as_bytes()).unwrap();
    assert!(
        matches!(&event.kind, EventKind::Failed { message, .. } if message.ends_with("BUYER_COMPLAINT")),
        "{:?}",
        event.kind
    );
}

#[test]
fn a_refund_names_the_order_or_else_the_capture() {
    let mut body = json!({
        "id": "WH-1",
        "event_type": CAPTURE_REFUNDED,
        "resource": {
            "id": "1JU08902781691411",
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "10.99"},
            "custom_id": "42",
            "links": [
                {"href": "https://api.paypal.com/v2/payments/refunds/1JU08902781691411", "rel": "self"},
                {"href": "https://api.paypal.com/v2/payments/captures/2GG279541U471931P", "rel": "up"}
            ]
        }
    });
    let refunded = |b: &Value| parse(b.to_string().as_bytes()).unwrap().kind;
    assert_eq!(
        refunded(&body),
        EventKind::Refunded {
            payment: PaymentRef {
                payment_id: Some(42),
                reference: "2GG279541U471931P".into()
            },
            amount: 1099,
            currency: "USD".into()
        }
    );
    body["resource"]["supplementary_data"] =
        json!({"related_ids": {"order_id": "5O190127TN364715T"}});
    assert!(
        matches!(refunded(&body), EventKind::Refunded { payment, .. } if payment == order_ref(Some(42)))
    );

    // Neither an order nor a capture link: malformed.
    body["resource"]
        .as_object_mut()
        .unwrap()
        .remove("supplementary_data");
    body["resource"]["links"] =
        json!([{"href": "https://api.paypal.com/v2/checkout/orders/X", "rel": "up"}]);
    assert!(matches!(
        parse(body.to_string().as_bytes()),
        Err(Rejection::Body(_))
    ));
}

#[test]
fn pending_and_unknown_events_are_other() {
    // Pending funds are not paid (Invoice Ninja #7332).
    let event = parse(&capture("PAYMENT.CAPTURE.PENDING", "89.00", "USD")).unwrap();
    assert_eq!(event.kind, EventKind::Other);
    let event = parse(br#"{"id":"WH-9","event_type":"CHECKOUT.ORDER.APPROVED"}"#).unwrap();
    assert_eq!(event.kind, EventKind::Other);
    assert_eq!(event.event_type, "CHECKOUT.ORDER.APPROVED");
}

#[test]
fn a_body_that_is_not_an_event_is_rejected() {
    for body in [
        &b"not json"[..],
        br#"[1,2]"#,
        br#"{"event_type":"PAYMENT.CAPTURE.COMPLETED"}"#,
        br#"{"id":"WH-1"}"#,
        br#"{"id":"","event_type":"X"}"#,
        br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}"#,
        br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C","amount":{"currency_code":"USD","value":"1.00"}}}"#,
        br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C","amount":{"currency_code":"USD","value":"-1.00"},"supplementary_data":{"related_ids":{"order_id":"O"}}}}"#,
        br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C","amount":{"currency_code":"USD"},"supplementary_data":{"related_ids":{"order_id":"O"}}}}"#,
    ] {
        let err = parse(body).unwrap_err();
        assert!(matches!(err, Rejection::Body(_)), "{}: {err:?}", String::from_utf8_lossy(body));
    }
}
