//! PayPal: orders (Orders v2) to start and capture a payment, and webhooks verified offline
//! against PayPal's signing certificate.

pub mod certs;
pub mod events;
pub mod orders;
pub mod signature;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::config::{self, DEFAULT_PAYPAL_API_BASE};
use crate::domain::providers::{
    Checkout, InboundEvent, PaymentProvider, RefundRequest, Rejection, Started,
};
use crate::domain::status::PaymentMethod;
use crate::error::Result;

pub use certs::{CertCache, CertFetcher, HttpCertFetcher};
pub use orders::{Capture, CaptureStatus};

/// PayPal as configured: API credentials, the webhook subscription's id, and where its
/// signing certificates come from.
pub struct Paypal {
    orders: orders::Orders,
    webhook_id: String,
    certs: CertCache,
}

impl Paypal {
    /// PayPal when the client id, secret and webhook id are all set (an empty one counts as
    /// unset); `None` otherwise, and when the API base is not a URL or no HTTP client can be
    /// built (both logged).
    pub fn from_settings(
        settings: &config::Providers,
        certs: Arc<dyn CertFetcher>,
    ) -> Option<Paypal> {
        let client_id = settings
            .paypal_client_id
            .as_deref()
            .filter(|s| !s.is_empty())?;
        let secret = settings
            .paypal_secret
            .clone()
            .filter(|s| !s.expose().is_empty())?;
        let webhook_id = settings
            .paypal_webhook_id
            .as_deref()
            .filter(|s| !s.is_empty())?;
        let base = settings
            .paypal_api_base
            .as_deref()
            .unwrap_or(DEFAULT_PAYPAL_API_BASE);
        if url::Url::parse(base).is_err() {
            tracing::error!(base, "PayPal's API base is not a URL; PayPal is off");
            return None;
        }
        let orders = match orders::Orders::new(base, client_id, secret) {
            Ok(orders) => orders,
            Err(err) => {
                tracing::error!(error = %err, "no HTTP client for PayPal; PayPal is off");
                return None;
            }
        };
        Some(Paypal {
            orders,
            webhook_id: webhook_id.to_owned(),
            certs: CertCache::new(certs),
        })
    }

    /// Replaces where certificates come from (tests serve their own CA's); forgets any cached.
    pub fn set_cert_fetcher(&mut self, certs: Arc<dyn CertFetcher>) {
        self.certs = CertCache::new(certs);
    }

    /// Captures an order the customer approved. Only a `Capture` whose `is_paid()` is true
    /// means the money arrived: a `PENDING` capture must not settle the invoice.
    pub async fn capture(&self, order_id: &str) -> Result<Capture> {
        self.orders.capture(order_id).await
    }
}

impl PaymentProvider for Paypal {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Paypal
    }

    async fn start(&self, checkout: &Checkout<'_>) -> Result<Started> {
        self.orders.create(checkout).await
    }

    async fn refund(&self, refund: &RefundRequest<'_>) -> Result<String> {
        self.orders.refund(refund).await
    }

    async fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<InboundEvent, Rejection> {
        signature::verify(headers, body, &self.webhook_id, &self.certs, now).await?;
        events::parse(body)
    }
}

impl Capture {
    /// The capture as an inbound event, so that the API's answer settles (or fails) the
    /// payment through the same once-only path as PayPal's webhook: keyed by the capture, so
    /// the webhook for the same capture later finds the payment settled. A pending capture
    /// is not money: it changes nothing, and PayPal's `PAYMENT.CAPTURE.COMPLETED` settles it.
    pub fn as_event(&self) -> crate::domain::providers::InboundEvent {
        use crate::domain::providers::{EventKind, InboundEvent, PaymentRef};
        let payment = PaymentRef {
            payment_id: self.custom_id.as_deref().and_then(|id| id.parse().ok()),
            reference: self.order_id.clone(),
        };
        let kind = match &self.status {
            CaptureStatus::Completed => EventKind::Succeeded {
                payment,
                amount: self.amount,
                currency: self.currency.clone(),
                capture: Some(self.capture_id.clone()),
            },
            CaptureStatus::Declined => EventKind::Failed {
                payment,
                message: self
                    .reason
                    .clone()
                    .unwrap_or_else(|| "PayPal declined the payment".into()),
            },
            CaptureStatus::Pending | CaptureStatus::Other(_) => EventKind::Other,
        };
        InboundEvent {
            event_id: format!("capture:{}", self.capture_id),
            event_type: format!("CAPTURE.{}", self.status_word()),
            kind,
        }
    }

    fn status_word(&self) -> &str {
        match &self.status {
            CaptureStatus::Completed => "COMPLETED",
            CaptureStatus::Pending => "PENDING",
            CaptureStatus::Declined => "DECLINED",
            CaptureStatus::Other(word) => word,
        }
    }
}

impl Paypal {
    /// Captures the order of a `processing` PayPal payment and applies PayPal's answer once
    /// (see [`record_capture`]): what the API's capture and the portal's "Complete payment" do.
    pub async fn complete(
        &self,
        db: &crate::db::Db,
        payment: &crate::entities::payment::Model,
    ) -> Result<(crate::domain::providers::events::Receipt, &'static str)> {
        let order = payment.provider_ref.as_deref().unwrap_or_default();
        let capture = self.capture(order).await?;
        record_capture(db, &capture).await
    }
}

/// Applies a capture's answer once, as an event (see [`Capture::as_event`]), and says what
/// it did in the customer's words: paid, declined, or held by PayPal.
async fn record_capture(
    db: &crate::db::Db,
    capture: &Capture,
) -> Result<(crate::domain::providers::events::Receipt, &'static str)> {
    use crate::domain::status::EventOutcome;
    let event = capture.as_event();
    let raw = serde_json::json!({"capture": capture.capture_id, "order": capture.order_id,
                                 "status": event.event_type})
    .to_string();
    let receipt = crate::domain::providers::events::apply(
        db,
        PaymentMethod::Paypal,
        &event,
        &raw,
        Utc::now(),
    )
    .await?;
    let said = match (capture.is_paid(), receipt.outcome) {
        (true, EventOutcome::Settled) => "Payment received; the invoice is paid.",
        (false, EventOutcome::Failed) => "PayPal declined the payment.",
        (false, _) => {
            "PayPal is holding the payment for review; the invoice is paid once PayPal completes it."
        }
        (true, _) => "Payment captured.",
    };
    Ok((receipt, said))
}
