//! Billing documents as PDF files for staff, linked from an invoice's page: the invoice, its
//! receipt once paid, and its credit notes — the same bytes the customer gets
//! (`domain::billing_documents`).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::api::documents::pdf_response;
use crate::domain::billing_documents::{self, Scope};
use crate::state::AppState;
use crate::web::admin::record_pages::parse_id;
use crate::web::admin::session::Staffer;
use crate::web::error::PageError;

/// `/admin/billing/invoice/{id}/pdf/`.
pub async fn invoice(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Invoice")?;
    let scope = Scope::Staff(&staffer.staff);
    let invoice = billing_documents::find_invoice(&state.db, scope, id).await?;
    let pdf = billing_documents::invoice(&state.db, &state.seller, &invoice).await?;
    Ok(pdf_response(pdf))
}

/// `/admin/billing/invoice/{id}/receipt/pdf/`: "not found" until the invoice is paid.
pub async fn receipt(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Invoice")?;
    let scope = Scope::Staff(&staffer.staff);
    let invoice = billing_documents::find_invoice(&state.db, scope, id).await?;
    let pdf = billing_documents::receipt(&state.db, &state.seller, &invoice).await?;
    Ok(pdf_response(pdf))
}

/// `/admin/billing/creditnote/{id}/pdf/`.
pub async fn credit_note(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Credit note")?;
    let scope = Scope::Staff(&staffer.staff);
    let note = billing_documents::find_credit_note(&state.db, scope, id).await?;
    let pdf = billing_documents::credit_note(&state.db, &state.seller, &note).await?;
    Ok(pdf_response(pdf))
}
