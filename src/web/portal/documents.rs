//! The account's billing documents as PDF files, under the portal's session: an invoice, its
//! receipt once paid, and credit notes — the same bytes as the API's (`domain::billing_documents`).
//! Another account's document is "not found", like a missing one.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::api::documents::pdf_response;
use crate::domain::billing_documents::{self, Scope};
use crate::entities::credit_note;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::format::{money, time};
use crate::web::portal::session::Customer;

fn id_of(raw: &str, what: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .map_err(|_| PageError(Error::NotFound(format!("{what} not found"))))
}

fn scope(customer: &Customer) -> Scope<'static> {
    Scope::Account(customer.member.account.id)
}

/// `/invoices/{id}/pdf/`.
pub async fn invoice(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id, "Invoice")?;
    let invoice = billing_documents::find_invoice(&state.db, scope(&customer), id).await?;
    let pdf = billing_documents::invoice(&state.db, &state.seller, &invoice).await?;
    Ok(pdf_response(pdf))
}

/// `/invoices/{id}/receipt/pdf/`: a paid invoice's receipt ("not found" before it is paid).
pub async fn receipt(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id, "Invoice")?;
    let invoice = billing_documents::find_invoice(&state.db, scope(&customer), id).await?;
    let pdf = billing_documents::receipt(&state.db, &state.seller, &invoice).await?;
    Ok(pdf_response(pdf))
}

/// `/credit-notes/{id}/pdf/`.
pub async fn credit_note(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id, "Credit note")?;
    let note = billing_documents::find_credit_note(&state.db, scope(&customer), id).await?;
    let pdf = billing_documents::credit_note(&state.db, &state.seller, &note).await?;
    Ok(pdf_response(pdf))
}

/// A credit note as the invoice page lists it, with its PDF's link.
pub struct CreditNoteLine {
    pub number: String,
    pub amount: String,
    pub credits: i64,
    pub reason: String,
    pub issued: String,
    pub href: String,
}

impl From<&credit_note::Model> for CreditNoteLine {
    fn from(n: &credit_note::Model) -> Self {
        CreditNoteLine {
            number: n.number.clone(),
            amount: money(n.amount, &n.currency),
            credits: n.credits,
            reason: n.reason.clone(),
            issued: time(n.created_at),
            href: format!("/credit-notes/{}/pdf/", n.id),
        }
    }
}
