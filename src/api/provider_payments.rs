//! Card and PayPal: starting a payment of an invoice, and the providers' signed webhooks that
//! settle it. The webhooks take no sign-in: the signature over the raw body is the proof.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::caller::Customer;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    BodyTimeout, CardDeclined, Conflict, CustomerMayNotWrite, JsonErrors, MethodUnavailable,
    NotFound, NotJson, ProviderNotSetUp, ProviderUnavailable, QueryErrors, TooLarge,
    Unauthenticated, WebhookRefused,
};
use crate::api::extract::{AppJson, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::replies::checkout::{CheckoutData, WebhookData};
use crate::domain::providers::checkout::{self, Begun, ReturnUrls};
use crate::domain::providers::events;
use crate::domain::status::PaymentMethod;
use crate::error::{Error, Result};
use crate::state::AppState;

/// What paying by card may carry.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CardInput {
    /// A card Stripe.js already tokenised (`pm_…`): the payment is confirmed at once.
    /// Without it, confirm in the browser with the returned `client_secret`.
    #[schema(nullable = false, example = "pm_1PqR8s2eZvKYlo2C")]
    pub payment_method: Option<String>,
}

/// A provider's event as it sends it. The signature is checked over the raw bytes before
/// anything in it is read; only the fields tollgate reads are described here.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // described for clients; the providers' own parsers read the bytes
pub struct ProviderEvent {
    /// The event's id (`evt_…` at Stripe, `WH-…` at PayPal): a second delivery of one id
    /// changes nothing.
    #[schema(nullable = false)]
    id: Option<String>,
    /// Stripe's event type (`payment_intent.succeeded`).
    #[serde(rename = "type")]
    #[schema(nullable = false)]
    kind: Option<String>,
    /// PayPal's event type (`PAYMENT.CAPTURE.COMPLETED`).
    #[schema(nullable = false)]
    event_type: Option<String>,
    /// Stripe: `{object: …}`, the PaymentIntent or charge.
    #[schema(nullable = false, required = false, value_type = Object)]
    data: Option<serde_json::Value>,
    /// PayPal: the capture or refund.
    #[schema(nullable = false, required = false, value_type = Object)]
    resource: Option<serde_json::Value>,
}

/// Pay an invoice by card (Stripe).
///
/// Starts a PaymentIntent for the invoice total. The invoice is paid — and a paid plan's
/// account activated with its credits — when Stripe's signed `payment_intent.succeeded`
/// arrives at the Stripe webhook, never by this call.
#[utoipa::path(
    post,
    path = "/billing/invoices/{id}/pay/card",
    tag = "billing",
    params(("id" = i64, Path, description = "Invoice id")),
    request_body(content((CardInput = "application/json"))),
    responses(
        (status = 201, description = "Started; finish in the browser, or wait for Stripe's event", body = Envelope<CheckoutData>),
        JsonErrors, Unauthenticated, CustomerMayNotWrite, CardDeclined, NotFound, Conflict,
        MethodUnavailable, ProviderUnavailable,
    ),
    security(("bearer" = [])),
)]
pub async fn pay_card(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    Path(id): Path<String>,
    AppJson(input): AppJson<CardInput>,
) -> Result<Reply<CheckoutData>> {
    let id = path_id(&id, "Invoice not found")?;
    let stripe = checkout::usable(
        &member,
        state.providers.stripe.as_deref(),
        PaymentMethod::Stripe,
    )?;
    let urls = ReturnUrls::to_invoice(&state.public_url, id);
    let publishable = stripe.publishable_key.clone();
    let reply = move |b: &Begun| card_reply(b, &publishable);
    let seal = key.seal(reply.clone());
    let begun = checkout::begin(
        &state.db,
        stripe,
        &member,
        id,
        input.payment_method,
        &urls,
        &seal,
    )
    .await?;
    Ok(reply(&begun))
}

fn card_reply(begun: &Begun, publishable_key: &str) -> Reply<CheckoutData> {
    created(CheckoutData::new(begun, Some(publishable_key.to_owned())))
        .message("Card payment started.")
}

fn paypal_reply(begun: &Begun) -> Reply<CheckoutData> {
    created(CheckoutData::new(begun, None)).message("PayPal order created.")
}

/// Stripe's webhook.
///
/// Register this URL at Stripe for `payment_intent.succeeded`, `payment_intent.payment_failed`
/// and `charge.refunded`, and set its signing secret as `TOLLGATE_STRIPE_WEBHOOK_SECRET`. Each
/// event is applied once: a second delivery answers 200 and changes nothing.
#[utoipa::path(
    post,
    path = "/billing/webhooks/stripe",
    tag = "webhooks",
    request_body(content((ProviderEvent = "application/json")), description = "A Stripe event, signed in `Stripe-Signature`"),
    params(("Stripe-Signature" = String, Header, description = "`t=…,v1=…`")),
    responses(
        (status = 200, description = "Received (also when received before)", body = Envelope<WebhookData>),
        WebhookRefused, ProviderNotSetUp, Conflict, BodyTimeout, TooLarge, NotJson, QueryErrors,
    ),
    security(),
)]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Reply<WebhookData>> {
    let stripe = state
        .providers
        .stripe
        .as_deref()
        .ok_or_else(|| Error::NotFound("Stripe is not set up on this server".into()))?;
    require_json(&headers)?;
    let receipt = events::receive(&state.db, stripe, &headers, &body, chrono::Utc::now()).await?;
    Ok(ok(WebhookData::from(&receipt)).message("Event received."))
}

/// Pay an invoice with PayPal.
///
/// Creates a PayPal order for the invoice total and answers its `approve_url`. After the
/// customer approves it there, PayPal sends them back to the portal's invoice page; then
/// capture it with `POST billing/payments/{id}/paypal/capture`.
#[utoipa::path(
    post,
    path = "/billing/invoices/{id}/pay/paypal",
    tag = "billing",
    params(("id" = i64, Path, description = "Invoice id")),
    responses(
        (status = 201, description = "Order created; send the customer to `approve_url`", body = Envelope<CheckoutData>),
        QueryErrors, Unauthenticated, CustomerMayNotWrite, NotFound, Conflict, MethodUnavailable,
        ProviderUnavailable,
    ),
    security(("bearer" = [])),
)]
pub async fn pay_paypal(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Reply<CheckoutData>> {
    let id = path_id(&id, "Invoice not found")?;
    let paypal = checkout::usable(
        &member,
        state.providers.paypal.as_deref(),
        PaymentMethod::Paypal,
    )?;
    let urls = ReturnUrls::to_invoice(&state.public_url, id);
    let seal = key.seal(paypal_reply);
    let begun = checkout::begin(&state.db, paypal, &member, id, None, &urls, &seal).await?;
    Ok(paypal_reply(&begun))
}

/// Capture an approved PayPal order.
///
/// A completed capture settles the invoice at once, through the same once-only path as
/// PayPal's `PAYMENT.CAPTURE.COMPLETED` webhook (which then changes nothing). A capture PayPal
/// holds as `PENDING` settles nothing until that webhook arrives.
#[utoipa::path(
    post,
    path = "/billing/payments/{id}/paypal/capture",
    tag = "billing",
    params(("id" = i64, Path, description = "Payment id")),
    responses(
        (status = 200, description = "Captured; `outcome` says what it did", body = Envelope<WebhookData>),
        QueryErrors, Unauthenticated, CustomerMayNotWrite, CardDeclined, NotFound, Conflict,
        MethodUnavailable, ProviderUnavailable,
    ),
    security(("bearer" = [])),
)]
pub async fn capture_paypal(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply<WebhookData>> {
    let id = path_id(&id, "Payment not found")?;
    let paypal = checkout::usable(
        &member,
        state.providers.paypal.as_deref(),
        PaymentMethod::Paypal,
    )?;
    let payment = checkout::unfinished(&state.db, &member, id, PaymentMethod::Paypal).await?;
    let (receipt, message) = paypal.complete(&state.db, &payment).await?;
    Ok(ok(WebhookData::from(&receipt)).message(message))
}

/// PayPal's webhook.
///
/// Register this URL at PayPal for `PAYMENT.CAPTURE.COMPLETED`, `PAYMENT.CAPTURE.DENIED` and
/// `PAYMENT.CAPTURE.REFUNDED`, and set the webhook's id as `TOLLGATE_PAYPAL_WEBHOOK_ID`. The
/// signature is checked offline against PayPal's certificate.
#[utoipa::path(
    post,
    path = "/billing/webhooks/paypal",
    tag = "webhooks",
    request_body(content((ProviderEvent = "application/json")), description = "A PayPal event, signed in the `PAYPAL-TRANSMISSION-*` headers"),
    responses(
        (status = 200, description = "Received (also when received before)", body = Envelope<WebhookData>),
        WebhookRefused, ProviderNotSetUp, Conflict, BodyTimeout, TooLarge, NotJson, QueryErrors,
    ),
    security(),
)]
pub async fn paypal_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Reply<WebhookData>> {
    let paypal = state
        .providers
        .paypal
        .as_deref()
        .ok_or_else(|| Error::NotFound("PayPal is not set up on this server".into()))?;
    require_json(&headers)?;
    let receipt = events::receive(&state.db, paypal, &headers, &body, chrono::Utc::now()).await?;
    Ok(ok(WebhookData::from(&receipt)).message("Event received."))
}

/// Both providers send their events as JSON; anything else is not one of theirs.
fn require_json(headers: &HeaderMap) -> Result<()> {
    let mime = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("application/json") => Ok(()),
        _ => Err(Error::UnsupportedMediaType(
            "Content-Type must be application/json".into(),
        )),
    }
}
