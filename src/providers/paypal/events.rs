//! A verified PayPal webhook body, read as an [`InboundEvent`].
//!
//! Only the capture events settle anything. `PAYMENT.CAPTURE.PENDING` is deliberately `Other`:
//! pending funds are not money received (treating them as paid is Invoice Ninja #7332); the
//! `COMPLETED` event that follows once PayPal releases them is what settles the invoice.

use serde_json::Value;

use crate::domain::money::parse_amount_value;
use crate::domain::providers::{EventKind, InboundEvent, PaymentRef, Rejection};

pub const CAPTURE_COMPLETED: &str = "PAYMENT.CAPTURE.COMPLETED";
pub const CAPTURE_DENIED: &str = "PAYMENT.CAPTURE.DENIED";
pub const CAPTURE_DECLINED: &str = "PAYMENT.CAPTURE.DECLINED";
pub const CAPTURE_REFUNDED: &str = "PAYMENT.CAPTURE.REFUNDED";

/// Reads the event. Required for every event: `id` and `event_type`; for the capture events
/// above, the resource fields their kind needs. Anything missing is `Rejection::Body`.
pub fn parse(body: &[u8]) -> Result<InboundEvent, Rejection> {
    let event: Value =
        serde_json::from_slice(body).map_err(|e| Rejection::Body(format!("not JSON: {e}")))?;
    let event_id = text(&event, &["id"])?.to_owned();
    let event_type = text(&event, &["event_type"])?.to_owned();
    let resource = &event["resource"];
    let kind = match event_type.as_str() {
        CAPTURE_COMPLETED => {
            let (amount, currency) = amount(resource)?;
            EventKind::Succeeded {
                payment: capture_ref(resource)?,
                amount,
                currency,
                capture: Some(text(resource, &["id"])?.to_owned()),
            }
        }
        CAPTURE_DENIED | CAPTURE_DECLINED => {
            let reason = resource["status_details"]["reason"].as_str();
            EventKind::Failed {
                payment: capture_ref(resource)?,
                message: match reason {
                    Some(reason) => format!("PayPal denied the payment: {reason}"),
                    None => "PayPal denied the payment.".to_owned(),
                },
            }
        }
        CAPTURE_REFUNDED => {
            let (amount, currency) = amount(resource)?;
            EventKind::Refunded {
                payment: refund_ref(resource)?,
                amount,
                currency,
            }
        }
        _ => EventKind::Other,
    };
    Ok(InboundEvent {
        event_id,
        event_type,
        kind,
    })
}

/// A capture names its order under `supplementary_data.related_ids.order_id`; the order id is
/// what `start` returned as the payment's reference, so it is the reference here too.
fn capture_ref(resource: &Value) -> Result<PaymentRef, Rejection> {
    let order = text(resource, &["supplementary_data", "related_ids", "order_id"])?;
    Ok(PaymentRef {
        payment_id: payment_id(resource),
        reference: order.to_owned(),
    })
}

/// A refund resource is the refund itself. Its reference is the order id when PayPal includes
/// `supplementary_data.related_ids.order_id` (the same reference the payment was started
/// with); otherwise the refunded capture's id, the last segment of the `up` link
/// (`/v2/payments/captures/{id}`), which tollgate keeps from the `Succeeded` event. Neither
/// present is a malformed body.
fn refund_ref(resource: &Value) -> Result<PaymentRef, Rejection> {
    let order = resource["supplementary_data"]["related_ids"]["order_id"].as_str();
    let reference = match order {
        Some(order) if !order.is_empty() => order.to_owned(),
        _ => up_capture_id(resource).ok_or_else(|| {
            Rejection::Body("refund names neither its order nor its capture".to_owned())
        })?,
    };
    Ok(PaymentRef {
        payment_id: payment_id(resource),
        reference,
    })
}

fn up_capture_id(resource: &Value) -> Option<String> {
    let links = resource["links"].as_array()?;
    let up = links.iter().find(|l| l["rel"].as_str() == Some("up"))?;
    let url = url::Url::parse(up["href"].as_str()?).ok()?;
    let mut segments = url.path_segments()?;
    let id = segments.next_back()?;
    // Only a capture link counts; an `up` to something else is not a payment's id.
    (segments.next_back() == Some("captures") && !id.is_empty()).then(|| id.to_owned())
}

/// tollgate's payment id, sent as `custom_id`. An absent or non-numeric one is `None`, not a
/// rejection: an order made outside tollgate on the same PayPal account carries its own, and
/// refusing it would only make PayPal redeliver it for days.
fn payment_id(resource: &Value) -> Option<i64> {
    resource["custom_id"].as_str()?.trim().parse().ok()
}

/// `amount: {currency_code, value}` in exact minor units; the currency upper-cased.
fn amount(resource: &Value) -> Result<(i64, String), Rejection> {
    let currency = text(resource, &["amount", "currency_code"])?.to_ascii_uppercase();
    let value = &resource["amount"]["value"];
    if value.is_null() {
        return Err(Rejection::Body("missing resource.amount.value".to_owned()));
    }
    let minor = parse_amount_value(value, &currency)
        .map_err(|e| Rejection::Body(format!("resource.amount.value: {}", e.message())))?;
    Ok((minor, currency))
}

/// A non-empty string at `path`, or a rejection naming the path.
fn text<'a>(value: &'a Value, path: &[&str]) -> Result<&'a str, Rejection> {
    let found = path.iter().fold(value, |v, key| &v[*key]);
    match found.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Rejection::Body(format!("missing {}", path.join(".")))),
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
