//! The customer's billing: invoices, payments, and confirming a manual payment.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{Value, json};

use crate::api::envelope::{Reply, created, ok, page_data};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::Customer;
use crate::domain::money::format_minor;
use crate::domain::{invoices, payments};
use crate::error::Result;

pub async fn list_invoices(
    State(state): State<AppState>,
    Customer(member): Customer,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let page = invoices::list_for_account(&state.db, member.account.id, params.page()?).await?;
    Ok(ok(page_data(page, &uri, |i| views::invoice_summary(&i))))
}

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

pub async fn confirm_payment(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<payments::ConfirmInput>,
) -> Result<Reply> {
    let c = payments::confirm(&state.db, &member, input).await?;
    Ok(created(json!({
        "payment_id": c.payment.id,
        "invoice_id": c.invoice.id,
        "invoice_number": c.invoice.invoice_number,
        "status": c.payment.status,
        "amount": format_minor(c.payment.amount, &c.payment.currency),
        "currency": c.payment.currency,
        "manual_reference": c.payment.manual_reference,
    }))
    .message("Payment confirmation submitted for review. You will be notified once approved."))
}
