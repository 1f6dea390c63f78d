//! Card (Stripe) and PayPal: what tollgate needs of a payment provider, in tollgate's words.
//!
//! A provider starts a payment for an invoice and tells, through signed webhooks, how it ended.
//! The implementations (HTTP clients, signature checks) live outside the domain, in the
//! `providers` module at the crate's top; the domain only sees [`PaymentProvider`] and the
//! [`InboundEvent`]s it yields, and settles invoices with them through the same cascade as a
//! staff approval (`settle`).

use std::future::Future;

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::domain::status::PaymentMethod;
use crate::error::Result;

pub mod checkout;
pub mod events;
pub mod inbound;

/// A payment to start with a provider: one attempt at paying one invoice.
#[derive(Debug)]
pub struct Checkout<'a> {
    /// tollgate's payment row for this attempt; sent to the provider as metadata
    /// (`metadata.payment_id` at Stripe, `custom_id` at PayPal) and in the idempotency key.
    pub payment_id: i64,
    pub invoice_id: i64,
    pub invoice_number: &'a str,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: &'a str,
    /// A card the customer's browser already tokenised (a Stripe `pm_…`), to confirm at once.
    pub card: Option<&'a str>,
    /// Where PayPal sends the customer back after approving, and after cancelling.
    pub return_url: &'a str,
    pub cancel_url: &'a str,
}

/// A refund to ask the provider for (`refunds::payout`).
#[derive(Debug)]
pub struct RefundRequest<'a> {
    /// The provider's id of the payment (`payments.provider_ref`).
    pub reference: &'a str,
    /// The provider's id of the money movement (`payments.provider_capture`): a Stripe charge,
    /// a PayPal capture (which PayPal refunds by).
    pub capture: Option<&'a str>,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: &'a str,
    /// Sent as the provider's idempotency key, the same on every attempt.
    pub key: &'a str,
}

/// What the provider answered when the payment was started.
#[derive(Debug, Clone, Default)]
pub struct Started {
    /// The provider's id of the payment: a PaymentIntent `pi_…` or a PayPal order id.
    pub reference: String,
    /// Stripe: what Stripe.js needs to confirm the card in the browser.
    pub client_secret: Option<String>,
    /// PayPal: where the customer approves the order.
    pub approve_url: Option<String>,
    /// The provider's status word for the payment right now (`requires_payment_method`,
    /// `succeeded`, `CREATED`…), for the reply and the payment page.
    pub status: String,
}

/// Why an inbound webhook was refused (400); nothing is changed for any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("Missing {0} header")]
    MissingHeader(&'static str),
    #[error("Malformed {0} header")]
    MalformedHeader(&'static str),
    #[error("Signature does not match")]
    BadSignature,
    #[error("Timestamp outside the tolerance")]
    Stale,
    #[error("Certificate URL is not on the provider's own host")]
    ForeignCertificate,
    #[error("Certificate could not be read: {0}")]
    Certificate(String),
    #[error("Webhook id is not the configured one")]
    WrongWebhook,
    #[error("Body is not a provider event: {0}")]
    Body(String),
}

/// Who the payment is with, as the provider's event names it: tollgate's payment id when the
/// event carries the metadata tollgate sent, and always the provider's own id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRef {
    pub payment_id: Option<i64>,
    pub reference: String,
}

/// What an inbound event means for tollgate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The money arrived (Stripe `payment_intent.succeeded`, PayPal
    /// `PAYMENT.CAPTURE.COMPLETED`). `amount` in minor units of `currency` (upper case).
    Succeeded {
        payment: PaymentRef,
        amount: i64,
        currency: String,
        /// The provider's id of the money movement (a charge or a capture), for refunds.
        capture: Option<String>,
    },
    /// The attempt failed, with the provider's message.
    Failed {
        payment: PaymentRef,
        message: String,
    },
    /// Money was given back; recorded only (refunds are the lifecycle issue's).
    Refunded {
        payment: PaymentRef,
        amount: i64,
        currency: String,
    },
    /// Any other event type: answered 200 and logged.
    Other,
}

/// One verified inbound event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundEvent {
    /// The provider's id of the event (`evt_…`, `WH-…`), unique per provider: the key that
    /// makes a second delivery change nothing.
    pub event_id: String,
    /// The provider's type word (`payment_intent.succeeded`, `PAYMENT.CAPTURE.COMPLETED`).
    pub event_type: String,
    pub kind: EventKind,
}

/// A payment provider: starts payments and verifies what its webhooks say.
pub trait PaymentProvider: Send + Sync {
    /// The payment method this provider takes (`stripe` or `paypal`).
    fn method(&self) -> PaymentMethod;

    /// Starts one attempt at paying an invoice. A provider that cannot be reached is
    /// `Error::Unavailable`; a card it declines at once is `Error::PaymentRequired`.
    fn start(&self, checkout: &Checkout<'_>) -> impl Future<Output = Result<Started>> + Send;

    /// Gives `refund.amount` of a settled payment back; answers the provider's id of the
    /// refund. Unreachable is `Error::Unavailable` (retried); anything else is final.
    fn refund(&self, refund: &RefundRequest<'_>) -> impl Future<Output = Result<String>> + Send;

    /// Checks a webhook delivery's signature over the raw body and reads the event from it.
    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<InboundEvent, Rejection>> + Send;
}
