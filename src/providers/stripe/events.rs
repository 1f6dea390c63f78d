//! Reading a verified Stripe event: which payment it is about and what happened to it.
//! Amounts are in the currency's smallest unit, as tollgate keeps them.

use serde::Deserialize;
use serde_json::Value;

use crate::domain::providers::{EventKind, InboundEvent, PaymentRef, Rejection};

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Value,
}

/// The event in a verified body.
pub fn parse(body: &[u8]) -> Result<InboundEvent, Rejection> {
    let event: Event = serde_json::from_slice(body).map_err(|e| Rejection::Body(e.to_string()))?;
    if event.id.is_empty() || event.id.len() > 255 {
        return Err(Rejection::Body("event id missing or too long".into()));
    }
    let object = &event.data.object;
    let kind = match event.kind.as_str() {
        "payment_intent.succeeded" => EventKind::Succeeded {
            payment: intent_ref(object)?,
            // What was taken; `amount` is what was asked (older API versions have only that).
            amount: int(object, "amount_received")
                .filter(|a| *a > 0)
                .or_else(|| int(object, "amount"))
                .ok_or_else(|| missing("amount"))?,
            currency: currency(object)?,
            capture: id_of(&object["latest_charge"]),
        },
        "payment_intent.payment_failed" => EventKind::Failed {
            payment: intent_ref(object)?,
            message: object["last_payment_error"]["message"]
                .as_str()
                .unwrap_or("The card payment failed")
                .to_owned(),
        },
        "charge.refunded" => EventKind::Refunded {
            payment: PaymentRef {
                payment_id: payment_id(object),
                reference: id_of(&object["payment_intent"])
                    .ok_or_else(|| missing("payment_intent"))?,
            },
            amount: int(object, "amount_refunded").ok_or_else(|| missing("amount_refunded"))?,
            currency: currency(object)?,
        },
        _ => EventKind::Other,
    };
    Ok(InboundEvent {
        event_id: event.id,
        event_type: event.kind,
        kind,
    })
}

fn missing(field: &str) -> Rejection {
    Rejection::Body(format!("data.object.{field} missing"))
}

fn intent_ref(object: &Value) -> Result<PaymentRef, Rejection> {
    Ok(PaymentRef {
        payment_id: payment_id(object),
        reference: id_of(&object["id"]).ok_or_else(|| missing("id"))?,
    })
}

/// tollgate's payment id, as `start` put it in the metadata.
fn payment_id(object: &Value) -> Option<i64> {
    object["metadata"]["payment_id"].as_str()?.parse().ok()
}

/// An id, given as a string or as the expanded object.
fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Object(o) => o.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}

fn int(object: &Value, field: &str) -> Option<i64> {
    object[field].as_i64()
}

fn currency(object: &Value) -> Result<String, Rejection> {
    object["currency"]
        .as_str()
        .filter(|c| c.len() == 3)
        .map(str::to_ascii_uppercase)
        .ok_or_else(|| missing("currency"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> Vec<u8> {
        json!({"id": "evt_1", "type": kind, "data": {"object": object}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn a_succeeded_intent_names_its_payment_and_amount() {
        let body = event(
            "payment_intent.succeeded",
            json!({"id": "pi_1", "amount": 8900, "amount_received": 8900, "currency": "usd",
                   "metadata": {"payment_id": "42"}, "latest_charge": {"id": "ch_1"}}),
        );
        let e = parse(&body).unwrap();
        assert_eq!(e.event_id, "evt_1");
        assert_eq!(
            e.kind,
            EventKind::Succeeded {
                payment: PaymentRef {
                    payment_id: Some(42),
                    reference: "pi_1".into()
                },
                amount: 8900,
                currency: "USD".into(),
                capture: Some("ch_1".into()),
            }
        );
    }

    #[test]
    fn failures_refunds_and_others() {
        let failed = parse(&event(
            "payment_intent.payment_failed",
            json!({"id": "pi_1", "last_payment_error": {"message": "Your card was declined."}}),
        ))
        .unwrap();
        assert!(
            matches!(failed.kind, EventKind::Failed { ref message, .. } if message == "Your card was declined.")
        );
        let refunded = parse(&event(
            "charge.refunded",
            json!({"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": 500, "currency": "eur"}),
        ))
        .unwrap();
        assert!(matches!(
            refunded.kind,
            EventKind::Refunded { amount: 500, .. }
        ));
        let other = parse(&event("customer.created", json!({"id": "cus_1"}))).unwrap();
        assert_eq!(other.kind, EventKind::Other);
        for bad in [&b"not json"[..], br#"{"id": "evt_1"}"#] {
            assert!(parse(bad).is_err());
        }
        assert!(parse(&event("payment_intent.succeeded", json!({"id": "pi_1"}))).is_err());
    }
}
