//! Billing documents as PDF files for staff, linked from an invoice's page: the invoice, its
//! receipt once paid, and its credit notes — the same bytes the customer gets
//! (`domain::billing_documents`).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::api::documents::pdf_response;
use crate::domain::billing_documents::{self, Scope, Which};
use crate::state::AppState;
use crate::web::admin::record_pages::parse_id;
use crate::web::admin::session::Staffer;
use crate::web::error::PageError;

/// The document `which` of the record the path names.
async fn serve(
    state: &AppState,
    staffer: &Staffer,
    which: Which,
    raw_id: &str,
) -> Result<Response, PageError> {
    let id = parse_id(raw_id, which.record())?;
    let scope = Scope::Staff(&staffer.staff);
    let pdf = billing_documents::download(&state.db, &state.seller, scope, which, id);
    Ok(pdf_response(pdf.await?))
}

/// `/admin/billing/invoice/{id}/pdf/`.
pub async fn invoice(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &staffer, Which::Invoice, &id).await
}

/// `/admin/billing/invoice/{id}/receipt/pdf/`: "not found" until the invoice is paid.
pub async fn receipt(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &staffer, Which::Receipt, &id).await
}

/// `/admin/billing/creditnote/{id}/pdf/`.
pub async fn credit_note(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &staffer, Which::CreditNote, &id).await
}
