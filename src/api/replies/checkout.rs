//! Replies of card and PayPal checkout and of inbound provider webhooks.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::money::format_minor;
use crate::domain::providers::checkout::Begun;
use crate::domain::providers::events::Receipt;
use crate::domain::status::{EventOutcome, PaymentMethod, PaymentStatus};

/// A started card or PayPal payment: what the browser needs to finish it.
#[derive(Serialize, ToSchema)]
pub struct CheckoutData {
    pub payment_id: i64,
    pub invoice_id: i64,
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    /// `processing` until the provider's signed event settles it (`succeeded`) or fails it.
    pub status: PaymentStatus,
    pub provider: PaymentMethod,
    /// The provider's id: a PaymentIntent (`pi_…`) or a PayPal order.
    #[schema(example = "pi_3PqR8s2eZvKYlo2C0a1b2c3d")]
    pub provider_ref: String,
    /// The provider's own status word (`requires_payment_method`, `succeeded`, `CREATED`…).
    pub provider_status: String,
    #[schema(example = "89.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Stripe: for `stripe.confirmCardPayment` in the browser.
    #[schema(required = true)]
    pub client_secret: Option<String>,
    /// Stripe: the key Stripe.js is loaded with.
    #[schema(required = true)]
    pub publishable_key: Option<String>,
    /// PayPal: where the customer approves the order.
    #[schema(required = true)]
    pub approve_url: Option<String>,
}

impl CheckoutData {
    pub fn new(b: &Begun, publishable_key: Option<String>) -> Self {
        CheckoutData {
            payment_id: b.payment.id,
            invoice_id: b.invoice.id,
            invoice_number: b.invoice.invoice_number.clone(),
            status: b.payment.status,
            provider: b.payment.payment_method,
            provider_ref: b.started.reference.clone(),
            provider_status: b.started.status.clone(),
            amount: format_minor(b.payment.amount, &b.payment.currency),
            currency: b.payment.currency.clone(),
            client_secret: b.started.client_secret.clone(),
            publishable_key,
            approve_url: b.started.approve_url.clone(),
        }
    }
}

/// What an inbound event did.
#[derive(Serialize, ToSchema)]
pub struct WebhookData {
    pub outcome: EventOutcome,
    /// True when the event had been received before: nothing was done this time.
    pub duplicate: bool,
}

impl From<&Receipt> for WebhookData {
    fn from(r: &Receipt) -> Self {
        WebhookData {
            outcome: r.outcome,
            duplicate: !r.first,
        }
    }
}
