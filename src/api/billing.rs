//! The customer's billing: invoices, payments, and confirming a manual payment.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{Value, json};

use crate::api::docs::{Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, created, ok, page_data};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::Customer;
use crate::domain::money::format_minor;
use crate::domain::{invoices, payments};
use crate::error::Result;

#[utoipa::path(
    get,
    path = "/billing/invoices",
    tag = "billing",
    params(
        ("page" = Option<u64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<u64>, Query, description = "At most 100"),
    ),
    responses(
        (status = 200, description = "The account's invoices", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn list_invoices(
    State(state): State<AppState>,
    Customer(member): Customer,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let page = invoices::list_for_account(&state.db, member.account.id, params.page()?).await?;
    Ok(ok(page_data(page, &uri, |i| views::invoice_summary(&i))))
}

#[utoipa::path(
    get,
    path = "/billing/invoices/{id}",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Invoice id"),
    ),
    responses(
        (status = 200, description = "One invoice with its payment instructions", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn invoice_detail(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply> {
    let id = path_id(&id, "Invoice not found")?;
    let invoice = invoices::get_for_account(&state.db, member.account.id, id).await?;
    let mut data = views::invoice_detail(&invoice);
    data["payment_instructions"] =
        match invoices::payment_instructions(&state.db, &member.account).await? {
            Some(m) => views::payment_method(&m),
            None => Value::Null,
        };
    Ok(ok(data))
}

#[utoipa::path(
    get,
    path = "/billing/payments",
    tag = "billing",
    params(
        ("page" = Option<u64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<u64>, Query, description = "At most 100"),
    ),
    responses(
        (status = 200, description = "The account's payments", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn list_payments(
    State(state): State<AppState>,
    Customer(member): Customer,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let page = payments::list_for_account(&state.db, member.account.id, params.page()?).await?;
    // Customers see that a payment was reviewed, not which staff member did it.
    Ok(ok(page_data(page, &uri, |p| views::payment(&p, None))))
}

#[utoipa::path(
    post,
    path = "/billing/admin/payments/confirm",
    tag = "billing",
    request_body = crate::domain::payments::ConfirmInput,
    responses(
        (status = 201, description = "Submitted for review", body = SuccessEnvelope, example = json!({"success": true, "message": "Payment confirmation submitted for review. You will be notified once approved.", "data": {"payment_id": 1, "invoice_id": 1, "invoice_number": "INV-2-202512-0001", "status": "pending_approval", "amount": "89.00", "currency": "USD", "manual_reference": "BT-20251208-12345"}, "request_id": "0b8e5e43-7f7c-4a44-9a52-32d9d9b1f3a1"})),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn confirm_payment(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    AppJson(input): AppJson<payments::ConfirmInput>,
) -> Result<Reply> {
    let c = payments::confirm(&state.db, &member, input, &key.seal(confirmed_reply)).await?;
    Ok(confirmed_reply(&c))
}

fn confirmed_reply(c: &payments::Confirmed) -> Reply {
    created(json!({
        "payment_id": c.payment.id,
        "invoice_id": c.invoice.id,
        "invoice_number": c.invoice.invoice_number,
        "status": c.payment.status,
        "amount": format_minor(c.payment.amount, &c.payment.currency),
        "currency": c.payment.currency,
        "manual_reference": c.payment.manual_reference,
    }))
    .message("Payment confirmation submitted for review. You will be notified once approved.")
}
