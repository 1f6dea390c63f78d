//! The customer's billing: invoices, payments, and confirming a manual payment.

use axum::extract::{FromRequest, Path, Request, State};
use axum::response::Response;

use crate::api::caller::Customer;
use crate::api::docs::PageParams;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    ConfirmErrors, Conflict, CustomerMayNotWrite, NotCustomer, NotFound, QueryErrors,
    StorageUnavailable, Unauthenticated, UploadErrors,
};
use crate::api::extract::{AppJson, Paging, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::operations::account_list;
use crate::api::replies::billing::{ConfirmData, InvoiceDetail, InvoiceSummary, Payment};
use crate::api::replies::lists::Page;
use crate::api::uploads::{self, ConfirmUpload, Disposition, ProofFile, ProofUpload};
use crate::domain::of_account;
use crate::domain::payments::{Attachment, ConfirmInput};
use crate::domain::{invoices, payments, proofs};
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
    let instructions =
        invoices::payment_instructions_for(&state.db, &member.account, &invoice).await?;
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
/// Sent as `multipart/form-data`, the same fields come as text parts with an optional `proof`
/// file (PDF, PNG, JPEG or WebP, told by its bytes; 10 MiB at most by default).
#[utoipa::path(
    post,
    path = "/billing/admin/payments/confirm",
    tag = "billing",
    request_body(content(
        (ConfirmInput = "application/json"),
        (ConfirmUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Submitted for review", body = Envelope<ConfirmData>,
            example = json!({"success": true, "message": "Payment confirmation submitted for review. You will be notified once approved.", "data": {"payment_id": 1, "invoice_id": 1, "invoice_number": "INV-2-202512-0001", "status": "pending_approval", "amount": "89.00", "currency": "USD", "manual_reference": "BT-20251208-12345"}, "request_id": "0b8e5e43-7f7c-4a44-9a52-32d9d9b1f3a1"})),
        ConfirmErrors, Unauthenticated, CustomerMayNotWrite, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn confirm_payment(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply<ConfirmData>> {
    let seal = key.seal(confirmed_reply);
    let c = if uploads::is_multipart(req.headers()) {
        let parts = uploads::read_multipart(req, &state).await?;
        let input = confirm_input(&parts)?;
        let proof = parts.proof.map(|upload| Attachment {
            store: &state.proofs,
            upload,
        });
        payments::confirm(&state.db, &member, input, proof, &seal).await?
    } else {
        // The JSON body as it always was: same reader, same answers.
        let AppJson(input) = AppJson::<ConfirmInput>::from_request(req, &state).await?;
        payments::confirm(&state.db, &member, input, None, &seal).await?
    };
    Ok(confirmed_reply(&c))
}

/// A multipart confirmation's text parts as the domain takes them (what JSON would carry).
fn confirm_input(parts: &uploads::Parts) -> Result<ConfirmInput> {
    let invoice_id = match parts.get("invoice_id").filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(text) => Some(
            text.trim()
                .parse::<i64>()
                .map_err(|_| crate::error::Error::field("invoice_id", "Enter a whole number."))?,
        ),
    };
    Ok(ConfirmInput {
        invoice_id,
        payment_method: parts.get("payment_method"),
        manual_reference: parts.get("manual_reference"),
        manual_notes: parts.get("manual_notes"),
        amount: parts.get("amount").map(serde_json::Value::String),
    })
}

/// Attach a proof to one of the account's payments.
///
/// While the payment awaits review, a new file replaces the one it had. PDF, PNG, JPEG or
/// WebP (told by the bytes, not the name), 10 MiB at most by default.
#[utoipa::path(
    post,
    path = "/billing/payments/{id}/proof",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    request_body(content((ProofUpload = "multipart/form-data"))),
    responses(
        (status = 200, description = "The payment with its new proof", body = Envelope<Payment>),
        UploadErrors, Unauthenticated, CustomerMayNotWrite, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn attach_proof(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
    req: Request,
) -> Result<Reply<Payment>> {
    let id = path_id(&id, "Payment not found")?;
    let parts = uploads::read_multipart(req, &state).await?;
    let upload = parts
        .proof
        .ok_or_else(|| crate::error::Error::field(proofs::FIELD, "Attach a file."))?;
    let payment = proofs::attach(&state.db, &state.proofs, &member, id, upload).await?;
    Ok(ok(Payment::new(&payment, None)).message("Proof attached."))
}

/// Download the proof of one of the account's payments.
///
/// The file as uploaded, with its sniffed content type and original name
/// (`Content-Disposition: attachment`).
#[utoipa::path(
    get,
    path = "/billing/payments/{id}/proof",
    tag = "billing",
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    responses(
        (status = 200, description = "The proof file", content(
            (ProofFile = "application/pdf"),
            (ProofFile = "image/png"),
            (ProofFile = "image/jpeg"),
            (ProofFile = "image/webp"),
        ), headers(
            ("Content-Disposition" = String, description = "attachment, with the original name"),
        )),
        QueryErrors, Unauthenticated, NotCustomer, NotFound, StorageUnavailable,
    ),
    security(("bearer" = [])),
)]
pub async fn download_proof(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = path_id(&id, "Payment not found")?;
    let file = proofs::for_customer(&state.db, &state.proofs, member.account.id, id).await?;
    Ok(uploads::download(file, Disposition::Attachment))
}

fn confirmed_reply(c: &payments::Confirmed) -> Reply<ConfirmData> {
    created(ConfirmData::from(c))
        .message("Payment confirmation submitted for review. You will be notified once approved.")
}
