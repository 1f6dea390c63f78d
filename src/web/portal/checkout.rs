//! Paying an invoice by card or PayPal from the portal, through the same domain functions as
//! the API (`providers::checkout`, `providers::events`).
//!
//! Card: "Pay by card" posts here; the page that comes back holds the PaymentIntent's client
//! secret and loads Stripe.js (the only page whose CSP lets Stripe's origins in), which takes
//! the card in Stripe's own frame and confirms it. The invoice is paid when Stripe's signed
//! event arrives. PayPal: "Pay with PayPal" posts here and is sent to PayPal; PayPal sends the
//! customer back to the invoice page, whose "Complete payment" button captures the order.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::idempotency::Seal;
use crate::domain::providers::PaymentProvider;
use crate::domain::providers::checkout::{self, Begun, ReturnUrls};
use crate::domain::status::{EventOutcome, PaymentMethod};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::page::{FlashLevel, html};
use crate::web::portal::frame::{Frame, frame};
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

/// The card page's policy: the portal's own, plus Stripe.js, its frames and its API.
const CARD_CSP: &str = "default-src 'self'; script-src 'self' https://js.stripe.com; \
    style-src 'self'; img-src 'self' data: https://*.stripe.com; \
    frame-src https://js.stripe.com https://hooks.stripe.com; \
    connect-src 'self' https://api.stripe.com; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

#[derive(askama::Template)]
#[template(path = "portal/card.html")]
struct CardPage {
    frame: Frame,
    invoice_id: i64,
    invoice_number: String,
    amount: String,
    publishable_key: String,
    client_secret: String,
}

fn invoice_id(id: &str) -> Result<i64, PageError> {
    id.parse()
        .map_err(|_| PageError(Error::NotFound("Invoice not found".into())))
}

/// Back to the invoice with a message: what the domain refused, said in the page's words.
async fn back(state: &AppState, by: &Customer, id: i64, e: Error) -> Result<Response, PageError> {
    match e {
        Error::Conflict(m)
        | Error::Unprocessable(m)
        | Error::PaymentDeclined(m)
        | Error::Unavailable(m) => {
            by.flash(state, FlashLevel::Error, m).await?;
            Ok(Redirect::to(&format!("/invoices/{id}/")).into_response())
        }
        other => Err(other.into()),
    }
}

/// Starts an attempt with `provider` (none: not set up here); a refusal is the redirect back
/// to the invoice with its message.
async fn start<P: PaymentProvider>(
    state: &AppState,
    by: &Customer,
    id: i64,
    provider: Option<&P>,
    method: PaymentMethod,
) -> Result<Result<Begun, Response>, PageError> {
    let provider = match checkout::usable(&by.member, provider, method) {
        Ok(provider) => provider,
        Err(e) => return back(state, by, id, e).await.map(Err),
    };
    let urls = ReturnUrls::to_invoice(&state.public_url, id);
    let seal = Seal::none();
    match checkout::begin(&state.db, provider, &by.member, id, None, &urls, &seal).await {
        Ok(begun) => Ok(Ok(begun)),
        Err(e) => back(state, by, id, e).await.map(Err),
    }
}

/// "Pay by card": a PaymentIntent for the invoice, and the page that confirms it.
pub async fn card(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by, .. }: Posted<Customer, Button>,
) -> Result<Response, PageError> {
    let id = invoice_id(&id)?;
    let stripe = state.providers.stripe.as_deref();
    let begun = match start(&state, &by, id, stripe, PaymentMethod::Stripe).await? {
        Ok(begun) => begun,
        Err(refused) => return Ok(refused),
    };
    let publishable_key = stripe
        .map(|s| s.publishable_key.clone())
        .unwrap_or_default();
    let Begun {
        invoice, started, ..
    } = begun;
    let (frame, _) = frame(&state, &by, "Pay by card", "/invoices/").await?;
    let page = CardPage {
        frame,
        invoice_id: invoice.id,
        amount: crate::web::format::money(invoice.total, &invoice.currency),
        invoice_number: invoice.invoice_number,
        publishable_key,
        client_secret: started.client_secret.unwrap_or_default(),
    };
    let mut response = html(&page);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CARD_CSP),
    );
    Ok(response)
}

/// "Pay with PayPal": an order for the invoice, and off to PayPal to approve it.
pub async fn paypal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by, .. }: Posted<Customer, Button>,
) -> Result<Response, PageError> {
    let id = invoice_id(&id)?;
    let paypal = state.providers.paypal.as_deref();
    match start(&state, &by, id, paypal, PaymentMethod::Paypal).await? {
        Ok(Begun { started, .. }) => match started.approve_url {
            Some(url) => Ok(Redirect::to(&url).into_response()),
            None => Err(Error::Internal(anyhow::anyhow!("PayPal gave no approve link")).into()),
        },
        Err(refused) => Ok(refused),
    }
}

/// The "Complete payment" form PayPal's return shows: the order PayPal named.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CaptureForm {
    token: String,
}

/// "Complete payment": captures the approved order; a completed capture pays the invoice.
pub async fn capture(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by, form }: Posted<Customer, CaptureForm>,
) -> Result<Response, PageError> {
    let id = invoice_id(&id)?;
    let paypal = state.providers.paypal.as_deref();
    let paypal = match checkout::usable(&by.member, paypal, PaymentMethod::Paypal) {
        Ok(paypal) => paypal,
        Err(e) => return back(&state, &by, id, e).await,
    };
    let found = checkout::order_of(&state.db, &by.member, id, &form.token).await;
    let payment = match found {
        Ok(payment) => payment,
        Err(e) => return back(&state, &by, id, e).await,
    };
    let (receipt, said) = match paypal.complete(&state.db, &payment).await {
        Ok(done) => done,
        Err(e) => return back(&state, &by, id, e).await,
    };
    let level = match receipt.outcome {
        EventOutcome::Failed => FlashLevel::Error,
        _ => FlashLevel::Success,
    };
    by.flash(&state, level, said.into()).await?;
    Ok(Redirect::to(&format!("/invoices/{id}/")).into_response())
}
