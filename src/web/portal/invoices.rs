//! `/invoices/`: the account's invoices, and each invoice's page — how to pay it (the payee
//! details of the account's method for its country, each with a copy button), what it bills,
//! its payments and credit notes, links to its PDFs, and the "I have paid" form, which calls
//! the same `payments::confirm` as the API.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::api::uploads;
use crate::domain::catalog;
use crate::domain::idempotency::Seal;
use crate::domain::invoices::{self, Contents};
use crate::domain::payments::{self, Attachment, ConfirmInput};
use crate::domain::proofs::Upload;
use crate::domain::status::{InvoiceStatus, PaymentMethod, PaymentStatus};
use crate::entities::{invoice, payment_method_config as pmc};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{FormErrors, Posted, given, refused_fields};
use crate::web::format::{money, time};
use crate::web::page::{FlashLevel, html};
use crate::web::portal::account_pages::PaymentLine;
use crate::web::portal::documents::CreditNoteLine;
use crate::web::portal::frame::{Frame, frame, newest_rows};
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

/// What the customer is told once their confirmation is recorded (the guide's words).
const SUBMITTED: &str =
    "Payment confirmation submitted for review. You will be notified once approved.";

pub struct InvoiceLine {
    pub id: i64,
    pub number: String,
    pub status: &'static str,
    pub total: String,
    pub due: String,
    pub issued: String,
}

impl From<&invoice::Model> for InvoiceLine {
    fn from(i: &invoice::Model) -> Self {
        InvoiceLine {
            id: i.id,
            number: i.invoice_number.clone(),
            status: i.status.as_str(),
            total: money(i.total, &i.currency),
            due: i.due_date.to_string(),
            issued: time(i.created_at),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage {
    frame: Frame,
    rows: Vec<InvoiceLine>,
}

/// Every invoice of the account, newest first (an account has one per billing period).
pub async fn list(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, _) = frame(&state, &customer, "Invoices", "/invoices/").await?;
    let invoices = newest_rows::<invoice::Entity>(&state, &customer).await?;
    let rows = invoices.iter().map(InvoiceLine::from).collect();
    Ok(html(&InvoicesPage { frame, rows }))
}

/// One value of the payee's details, shown with a copy button.
pub struct Detail {
    pub label: String,
    pub value: String,
}

fn payee_details(method: &pmc::Model) -> Vec<Detail> {
    catalog::payee_details(method)
        .into_iter()
        .map(|(label, value)| Detail { label, value })
        .collect()
}

/// The "I have paid" form as typed, and what was wrong with it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    payment_method: String,
    manual_reference: String,
    amount: String,
    manual_notes: String,
}

#[derive(askama::Template)]
#[template(path = "portal/invoice.html")]
struct InvoicePage {
    frame: Frame,
    invoice: InvoiceLine,
    amount: String,
    currency: String,
    instructions: Option<(String, String)>,
    details: Vec<Detail>,
    contents: Contents,
    payments: Vec<PaymentLine>,
    /// Its refunds, oldest first, each with its PDF.
    credit_notes: Vec<CreditNoteLine>,
    /// Paid: it has a receipt to download.
    paid: bool,
    /// The manual methods offered in the account's country: (value, label).
    methods: Vec<(String, String)>,
    /// Whether the form is offered: the invoice is open and no payment awaits review.
    payable: bool,
    /// Card and PayPal buttons, where offered and set up.
    card: bool,
    paypal: bool,
    /// PayPal sent the customer back with this approved order: "Complete payment".
    paypal_order: Option<String>,
    form: ConfirmForm,
    errors: FormErrors,
}

async fn invoice_page(
    state: &AppState,
    customer: &Customer,
    id: &str,
    form: Option<ConfirmForm>,
    errors: FormErrors,
    paypal_order: Option<String>,
) -> Result<InvoicePage, PageError> {
    let account = &customer.member.account;
    let id = id.parse::<i64>().map_err(|_| not_found())?;
    let invoice = invoices::get_for_account(&state.db, account.id, id).await?;
    let title = format!("Invoice {}", invoice.invoice_number);
    let (frame, _) = frame(state, customer, title, "/invoices/").await?;
    let method = invoices::payment_instructions_for(&state.db, account, &invoice).await?;
    let all = catalog::payment_methods_for(&state.db, account.billing_country.as_deref()).await?;
    let takes = |method: PaymentMethod| {
        all.iter().any(|m| m.payment_method == method) && catalog::takes(&state.db, method)
    };
    let (card, paypal) = (takes(PaymentMethod::Stripe), takes(PaymentMethod::Paypal));
    let offered = all
        .into_iter()
        .filter(|m| m.payment_method.is_manual())
        .map(|m| (m.payment_method.as_str().to_owned(), m.display_name))
        .collect();
    let payments: Vec<PaymentLine> = payments::of_invoice(&state.db, invoice.id)
        .await?
        .iter()
        .map(PaymentLine::from)
        .collect();
    let credit_notes = crate::domain::refunds::of_invoice(&state.db, invoice.id)
        .await?
        .iter()
        .map(CreditNoteLine::from)
        .collect();
    let waiting = payments
        .iter()
        .any(|p| p.status == PaymentStatus::PendingApproval.as_str());
    let amount = crate::domain::money::format_minor(invoice.total, &invoice.currency);
    let form = form.unwrap_or_else(|| ConfirmForm {
        payment_method: method
            .as_ref()
            .map(|m| m.payment_method.as_str().to_owned())
            .unwrap_or_default(),
        amount: amount.clone(),
        ..ConfirmForm::default()
    });
    let payable = invoice.status == InvoiceStatus::Pending && !waiting;
    Ok(InvoicePage {
        frame,
        payable,
        card: payable && card,
        paypal: payable && paypal,
        paypal_order: paypal_order.filter(|_| payable && paypal),
        amount,
        currency: invoice.currency.clone(),
        instructions: method
            .as_ref()
            .map(|m| (m.display_name.clone(), m.instructions.clone())),
        details: method.as_ref().map(payee_details).unwrap_or_default(),
        contents: invoices::contents(&invoice),
        invoice: InvoiceLine::from(&invoice),
        payments,
        credit_notes,
        paid: invoice.status == InvoiceStatus::Paid,
        methods: offered,
        form,
        errors,
    })
}

fn not_found() -> PageError {
    PageError(Error::NotFound("Invoice not found".into()))
}

/// What PayPal adds to the invoice page's address when it sends the customer back.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Returned {
    paypal: Option<String>,
    token: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
    Query(back): Query<Returned>,
) -> Result<Response, PageError> {
    let order = (back.paypal.as_deref() == Some("approved"))
        .then_some(back.token)
        .flatten()
        .filter(|t| !t.is_empty() && t.len() <= 64);
    let page = invoice_page(&state, &customer, &id, None, FormErrors::default(), order).await?;
    Ok(html(&page))
}

impl ConfirmForm {
    fn from_parts(parts: &uploads::Parts) -> Self {
        let text = |name: &str| parts.get(name).unwrap_or_default();
        ConfirmForm {
            payment_method: text("payment_method"),
            manual_reference: text("manual_reference"),
            amount: text("amount"),
            manual_notes: text("manual_notes"),
        }
    }
}

/// The "I have paid" form as posted: urlencoded (no file), or multipart with an optional
/// proof file — the page's form is multipart; its CSRF token is checked either way before
/// anything is done with the form.
async fn posted(
    state: &AppState,
    req: Request,
) -> Result<(Customer, ConfirmForm, Option<Upload>), Response> {
    if !uploads::is_multipart(req.headers()) {
        let Posted { by, form } = Posted::<Customer, ConfirmForm>::from_request(req, state).await?;
        return Ok((by, form, None));
    }
    let (mut head, body) = req.into_parts();
    let by = Customer::from_request_parts(&mut head, state).await?;
    let parts = uploads::read_multipart(Request::from_parts(head, body), state)
        .await
        .map_err(|e| PageError(e).into_response())?;
    by.check_csrf(&parts.get("csrf_token").unwrap_or_default())
        .map_err(IntoResponse::into_response)?;
    Ok((by, ConfirmForm::from_parts(&parts), parts.proof))
}

/// "I have paid": confirms the payment through the domain, then back to the invoice with the
/// guide's message; a refused form comes back with each problem beside its field.
pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (by, form, proof) = match posted(&state, req).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    submit(&state, &id, by, form, proof)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn submit(
    state: &AppState,
    id: &str,
    by: Customer,
    form: ConfirmForm,
    proof: Option<Upload>,
) -> Result<Response, PageError> {
    let invoice_id = id.parse::<i64>().map_err(|_| not_found())?;
    let input = ConfirmInput {
        invoice_id: Some(invoice_id),
        payment_method: given(&form.payment_method),
        manual_reference: given(&form.manual_reference),
        manual_notes: given(&form.manual_notes),
        amount: given(&form.amount).map(Value::String),
    };
    let proof = proof.map(|upload| Attachment {
        store: &state.proofs,
        upload,
    });
    match payments::confirm(&state.db, &by.member, input, proof, &Seal::none()).await {
        Ok(_) => {
            by.flash(state, FlashLevel::Success, SUBMITTED.into())
                .await?;
            Ok(Redirect::to(&format!("/invoices/{invoice_id}/")).into_response())
        }
        Err(e) => {
            let (status, errors) = refused_fields(e)?;
            let page = invoice_page(state, &by, id, Some(form), errors, None).await?;
            Ok((status, html(&page)).into_response())
        }
    }
}
