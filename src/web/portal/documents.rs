//! The account's billing documents as PDF files, under the portal's session: an invoice, its
//! receipt once paid, and credit notes — the same bytes as the API's (`domain::billing_documents`).
//! Another account's document is "not found", like a missing one.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::api::documents::pdf_response;
use crate::domain::billing_documents::{self, Scope, Which};
use crate::entities::credit_note;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::format::{money, time};
use crate::web::portal::session::Customer;

/// The document `which` of the record the path names, if it is the customer's account's.
async fn serve(
    state: &AppState,
    customer: &Customer,
    which: Which,
    raw_id: &str,
) -> Result<Response, PageError> {
    let not_found = || PageError(Error::NotFound(format!("{} not found", which.record())));
    let id = raw_id.parse::<i64>().map_err(|_| not_found())?;
    let scope = Scope::Account(customer.member.account.id);
    let pdf = billing_documents::download(&state.db, &state.seller, scope, which, id);
    Ok(pdf_response(pdf.await?))
}

/// `/invoices/{id}/pdf/`.
pub async fn invoice(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &customer, Which::Invoice, &id).await
}

/// `/invoices/{id}/receipt/pdf/`: a paid invoice's receipt ("not found" before it is paid).
pub async fn receipt(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &customer, Which::Receipt, &id).await
}

/// `/credit-notes/{id}/pdf/`.
pub async fn credit_note(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &customer, Which::CreditNote, &id).await
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
