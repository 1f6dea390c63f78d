//! Stripe: a PaymentIntent per attempt, settled by the signed `payment_intent.succeeded` event.
//! Plain HTTPS with form-encoded requests; no SDK is needed for the few calls tollgate makes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde_json::Value;

use crate::config::{DEFAULT_STRIPE_API_BASE, Providers};
use crate::domain::providers::{
    Checkout, InboundEvent, PaymentProvider, RefundRequest, Rejection, Started,
};
use crate::domain::status::PaymentMethod;
use crate::error::{Error, Result};

pub mod events;
pub mod signature;

const UNAVAILABLE: &str =
    "The card processor did not answer; nothing was charged. Please try again in a moment.";

/// The Stripe account tollgate takes cards for.
pub struct Stripe {
    client: reqwest::Client,
    api_base: String,
    secret_key: String,
    /// Given to Stripe.js on the portal's card page.
    pub publishable_key: String,
    webhook_secrets: Vec<String>,
}

impl Stripe {
    /// Stripe, when its secret key, publishable key and webhook secret are all set.
    pub fn from_settings(settings: &Providers) -> anyhow::Result<Option<Stripe>> {
        let (Some(secret), Some(publishable), Some(webhook)) = (
            &settings.stripe_secret_key,
            &settings.stripe_publishable_key,
            &settings.stripe_webhook_secret,
        ) else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let api_base = settings
            .stripe_api_base
            .as_deref()
            .unwrap_or(DEFAULT_STRIPE_API_BASE);
        Ok(Some(Stripe {
            client,
            api_base: api_base.trim_end_matches('/').to_owned(),
            secret_key: secret.expose().to_owned(),
            publishable_key: publishable.clone(),
            webhook_secrets: webhook
                .expose()
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        }))
    }

    async fn post(
        &self,
        path: &str,
        idempotency_key: &str,
        form: &[(&str, String)],
    ) -> Result<Value> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let sent = self
            .client
            .post(format!("{}{path}", self.api_base))
            .basic_auth(&self.secret_key, Some(""))
            .header("Idempotency-Key", idempotency_key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let response = sent.map_err(|e| {
            tracing::warn!(error = %e, "Stripe unreachable");
            Error::Unavailable(UNAVAILABLE.into())
        })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|_| Error::Unavailable(UNAVAILABLE.into()))?;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let message = json["error"]["message"].as_str().unwrap_or("").to_owned();
        match status.as_u16() {
            200..=299 => Ok(json),
            // A card error: the decline is the customer's to read.
            402 => Err(Error::PaymentDeclined(if message.is_empty() {
                "The card was declined.".into()
            } else {
                message
            })),
            429 | 500..=599 => {
                tracing::warn!(%status, %message, "Stripe failed");
                Err(Error::Unavailable(UNAVAILABLE.into()))
            }
            _ => Err(Error::Internal(anyhow::anyhow!(
                "Stripe answered {status}: {message}"
            ))),
        }
    }
}

impl PaymentProvider for Stripe {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Stripe
    }

    /// A PaymentIntent for the attempt, keyed by it: a retried call gets the same intent.
    async fn start(&self, checkout: &Checkout<'_>) -> Result<Started> {
        let mut form = vec![
            ("amount", checkout.amount.to_string()),
            ("currency", checkout.currency.to_ascii_lowercase()),
            ("payment_method_types[]", "card".into()),
            ("metadata[payment_id]", checkout.payment_id.to_string()),
            ("metadata[invoice_id]", checkout.invoice_id.to_string()),
            (
                "metadata[invoice_number]",
                checkout.invoice_number.to_owned(),
            ),
        ];
        if let Some(card) = checkout.card {
            form.push(("payment_method", card.to_owned()));
            form.push(("confirm", "true".into()));
        }
        let key = format!(
            "tollgate-invoice-{}-payment-{}",
            checkout.invoice_id, checkout.payment_id
        );
        let intent = self.post("/v1/payment_intents", &key, &form).await?;
        let text = |field: &str| intent[field].as_str().map(str::to_owned);
        Ok(Started {
            reference: text("id")
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("Stripe answered no intent id")))?,
            client_secret: text("client_secret"),
            approve_url: None,
            status: text("status").unwrap_or_default(),
        })
    }

    /// A Refund of the charge (or, before its charge is known, of the PaymentIntent).
    async fn refund(&self, refund: &RefundRequest<'_>) -> Result<String> {
        let mut form = vec![("amount", refund.amount.to_string())];
        match refund.capture {
            Some(charge) => form.push(("charge", charge.to_owned())),
            None => form.push(("payment_intent", refund.reference.to_owned())),
        }
        let answer = self.post("/v1/refunds", refund.key, &form).await?;
        answer["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("Stripe answered no refund id")))
    }

    async fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<InboundEvent, Rejection> {
        let header = match headers.get(signature::HEADER) {
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| Rejection::MalformedHeader(signature::HEADER))?,
            ),
            None => None,
        };
        signature::check(header, body, &self.webhook_secrets, now)?;
        events::parse(body)
    }
}
