//! The customer's billing: invoices, payments, and confirming a manual payment.

use axum::extract::{Path, State};

use crate::api::caller::Customer;
use crate::api::docs::PageParams;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    Conflict, CustomerMayNotWrite, JsonErrors, NotCustomer, NotFound, QueryErrors, Unauthenticated,
};
use crate::api::extract::{AppJson, Paging, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::operations::account_list;
use crate::api::replies::billing::{ConfirmData, InvoiceDetail, InvoiceSummary, Payment};
use crate::api::replies::lists::Page;
use crate::domain::of_account;
use crate::domain::{invoices, payments};
use crate::entities::{invoice, payment};
use crate::error::Result;
use crate::state::AppState;

account_list! {
    /// The account's invoices, newest first.
    list_invoices: "/billing/invoices", tag "billing", "The account's invoices",
    invoice::Entity => InvoiceSummary, |i| InvoiceSummary::from(&i)
}

/// One invoice, with how to pay it.
#[utoipa::path(
    get,
    path = "/billing/invoices/{id}",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Invoice id"),
    ),
    responses(
        (status = 200, description = "One invoice with its payment instructions", body = Envelope<InvoiceDetail>),
        QueryErrors, Unauthenticated, NotCustomer, NotFound,
    ),
    security(("bearer" = [])),
)]
pub async fn invoice_detail(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply<InvoiceDetail>> {
    let id = path_id(&id, "Invoice not found")?;
    let invoice = invoices::get_for_account(&state.db, member.account.id, id).await?;
    let instructions = invoices::payment_instructions(&state.db, &member.account).await?;
    Ok(ok(InvoiceDetail::new(&invoice, instructions.as_ref())))
}

// Customers see that a payment was reviewed, not which staff member did it.
account_list! {
    /// The account's payments, newest first.
    list_payments: "/billing/payments", tag "billing", "The account's payments",
    payment::Entity => Payment, |p| Payment::new(&p, None)
}

/// Confirm a manual payment of an invoice.
///
/// The customer reports a bank transfer or wallet payment with its reference; the payment
/// then awaits staff approval. The amount must equal the invoice total ("89" is "89.00").
#[utoipa::path(
    post,
    path = "/billing/admin/payments/confirm",
    tag = "billing",
    request_body = crate::domain::payments::ConfirmInput,
    responses(
        (status = 201, description = "Submitted for review", body = Envelope<ConfirmData>,
            example = json!({"success": true, "message": "Payment confirmation submitted for review. You will be notified once approved.", "data": {"payment_id": 1, "invoice_id": 1, "invoice_number": "INV-2-202512-0001", "status": "pending_approval", "amount": "89.00", "currency": "USD", "manual_reference": "BT-20251208-12345"}, "request_id": "0b8e5e43-7f7c-4a44-9a52-32d9d9b1f3a1"})),
        JsonErrors, Unauthenticated, CustomerMayNotWrite, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn confirm_payment(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    AppJson(input): AppJson<payments::ConfirmInput>,
) -> Result<Reply<ConfirmData>> {
    let c = payments::confirm(&state.db, &member, input, &key.seal(confirmed_reply)).await?;
    Ok(confirmed_reply(&c))
}

fn confirmed_reply(c: &payments::Confirmed) -> Reply<ConfirmData> {
    created(ConfirmData::from(c))
        .message("Payment confirmation submitted for review. You will be notified once approved.")
}
