//! The account's read-only pages: `/payments/` (every payment reported, with staff's answer)
//! and `/credits/` (the balance, the ledger with its running balance, and what was spent on
//! each kind of operation; buying more is `top_up_pages`).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::domain::credits;
use crate::entities::{credit_transaction as ledger, payment};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::format::{money, time};
use crate::web::page::html;
use crate::web::portal::frame::{Frame, frame, invoice_href, newest_rows};
use crate::web::portal::session::Customer;

/// A payment as the portal lists it (the payments page, an invoice's history).
pub struct PaymentLine {
    pub invoice_href: String,
    pub reference: String,
    pub method: String,
    pub amount: String,
    pub status: &'static str,
    /// Staff's reason, for a rejected one.
    pub reason: Option<String>,
    pub submitted: String,
    /// The attached proof's name and where to download it.
    pub proof: Option<(String, String)>,
}

impl From<&payment::Model> for PaymentLine {
    fn from(p: &payment::Model) -> Self {
        PaymentLine {
            invoice_href: invoice_href(p.invoice_id),
            reference: p.manual_reference.clone().unwrap_or_default(),
            method: p.payment_method.as_str().replace('_', " "),
            amount: money(p.amount, &p.currency),
            status: p.status.as_str(),
            reason: p.failure_reason.clone(),
            submitted: time(p.created_at),
            proof: p
                .proof_name
                .clone()
                .filter(|_| p.proof.is_some())
                .map(|name| (name, format!("/payments/{}/proof/", p.id))),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "portal/payments.html")]
struct PaymentsPage {
    frame: Frame,
    rows: Vec<PaymentLine>,
}

pub async fn payments(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, _) = frame(&state, &customer, "Payments", "/payments/").await?;
    let payments = newest_rows::<payment::Entity>(&state, &customer).await?;
    let rows = payments.iter().map(PaymentLine::from).collect();
    Ok(html(&PaymentsPage { frame, rows }))
}

/// A proof the customer attached to one of their payments, downloaded (another account's
/// payment, or one without a proof, is "not found").
pub async fn proof(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| crate::error::Error::NotFound("Payment not found".into()))?;
    let account = customer.member.account.id;
    let file = crate::domain::proofs::for_customer(&state.db, &state.proofs, account, id).await?;
    Ok(crate::api::uploads::download(
        file,
        crate::api::uploads::Disposition::Attachment,
    ))
}

pub struct LedgerLine {
    pub when: String,
    pub kind: &'static str,
    pub description: String,
    /// Signed: `+1000`, `-2`.
    pub amount: String,
    pub balance_after: i64,
}

#[derive(askama::Template)]
#[template(path = "portal/credits.html")]
struct CreditsPage {
    frame: Frame,
    balance: i64,
    usage: Vec<credits::UsageTotal>,
    ledger: Vec<LedgerLine>,
}

pub async fn credits(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, _) = frame(&state, &customer, "Credits", "/credits/").await?;
    let account_id = customer.member.account.id;
    let entries = newest_rows::<ledger::Entity>(&state, &customer).await?;
    let ledger = entries
        .iter()
        .map(|t| LedgerLine {
            when: time(t.created_at),
            kind: t.transaction_type.as_str(),
            description: t.description.clone(),
            amount: format!("{:+}", t.amount),
            balance_after: t.balance_after,
        })
        .collect();
    let page = CreditsPage {
        frame,
        balance: customer.member.account.credits,
        usage: credits::usage_by_operation(&state.db, account_id).await?,
        ledger,
    };
    Ok(html(&page))
}
