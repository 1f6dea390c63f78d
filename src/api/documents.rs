//! Billing documents over HTTP: an invoice, its receipt and the account's credit notes as PDF
//! files, for the account's members and for staff; and the answer that carries a PDF, which
//! the portal and the panel send too.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};

use crate::api::caller::{Customer, Reader};
use crate::api::docs::PageParams;
use crate::api::envelope::{Envelope, Reply, ok};
use crate::api::errors::{NotCustomer, NotFound, NotMember, QueryErrors, Unauthenticated};
use crate::api::extract::{Paging, path_id};
use crate::api::operations::account_list;
use crate::api::replies::credit_notes::CreditNote;
use crate::api::replies::lists::Page;
use crate::api::uploads::content_disposition;
use crate::domain::billing_documents::{self, Pdf, Which};
use crate::domain::of_account;
use crate::entities::credit_note;
use crate::error::Result;
use crate::state::AppState;

/// A PDF as an answer: shown in the browser under its document's name, never cached by
/// anyone else (it holds the customer's billing details).
pub fn pdf_response(pdf: Pdf) -> Response {
    let mut res = Body::from(pdf.bytes).into_response();
    let headers = res.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(billing_documents::CONTENT_TYPE),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition("inline", &pdf.filename)) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// The document `which` of the record the path names, as the reader may see it.
async fn serve(state: &AppState, reader: &Reader, which: Which, raw_id: &str) -> Result<Response> {
    let id = path_id(raw_id, &format!("{} not found", which.record()))?;
    let pdf = billing_documents::download(&state.db, &state.seller, reader.scope(), which, id);
    Ok(pdf_response(pdf.await?))
}

/// A PDF document's bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfFile(Vec<u8>);

/// Download an invoice as a PDF.
///
/// The invoice as issued, with its status (a paid invoice shows PAID) and, while it waits for
/// payment, how to pay it. The same invoice always gives the same bytes. For the account's
/// members and for staff.
#[utoipa::path(
    get,
    path = "/billing/invoices/{id}/pdf",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Invoice id"),
    ),
    responses(
        (status = 200, description = "The invoice as a PDF", content((PdfFile = "application/pdf")),
            headers(
                ("Content-Disposition" = String, description = "inline; filename=\"INV-….pdf\""),
            )),
        QueryErrors, Unauthenticated, NotMember, NotFound,
    ),
    security(("bearer" = [])),
)]
pub async fn invoice_pdf(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response> {
    serve(&state, &reader, Which::Invoice, &id).await
}

/// Download the receipt of a paid invoice as a PDF.
///
/// When it was paid, how and with which reference. An invoice that is not paid has no
/// receipt: 404 "Receipt not found". The same receipt is attached to the mail sent when the
/// payment is approved.
#[utoipa::path(
    get,
    path = "/billing/invoices/{id}/receipt/pdf",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Invoice id"),
    ),
    responses(
        (status = 200, description = "The receipt as a PDF", content((PdfFile = "application/pdf")),
            headers(
                ("Content-Disposition" = String, description = "inline; filename=\"INV-…-receipt.pdf\""),
            )),
        QueryErrors, Unauthenticated, NotMember, NotFound,
    ),
    security(("bearer" = [])),
)]
pub async fn receipt_pdf(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response> {
    serve(&state, &reader, Which::Receipt, &id).await
}

account_list! {
    /// The account's credit notes (refunds), newest first.
    list_credit_notes: "/billing/credit-notes", tag "billing", "The account's credit notes",
    credit_note::Entity => CreditNote, |n| CreditNote::from(&n)
}

/// Download a credit note as a PDF.
///
/// The refund: the invoice it is for, the amount, the reason, the credits taken back and how
/// the money comes back. For the account's members and for staff.
#[utoipa::path(
    get,
    path = "/billing/credit-notes/{id}/pdf",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Credit note id"),
    ),
    responses(
        (status = 200, description = "The credit note as a PDF", content((PdfFile = "application/pdf")),
            headers(
                ("Content-Disposition" = String, description = "inline; filename=\"CN-….pdf\""),
            )),
        QueryErrors, Unauthenticated, NotMember, NotFound,
    ),
    security(("bearer" = [])),
)]
pub async fn credit_note_pdf(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response> {
    serve(&state, &reader, Which::CreditNote, &id).await
}
