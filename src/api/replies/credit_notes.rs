//! A credit note as the customer sees it: the refund of (part of) one of their invoices.

use serde::Serialize;
use utoipa::ToSchema;

use super::time;
use crate::domain::money::format_minor;
use crate::domain::status::{PaymentMethod, PayoutStatus};
use crate::entities::credit_note;

/// A refund's credit note. Download it from `GET billing/credit-notes/{id}/pdf/`.
#[derive(Serialize, ToSchema)]
pub struct CreditNote {
    #[schema(example = 1)]
    pub id: i64,
    /// `CN-{account}-{YYYYMM}-{NNNN}`.
    #[schema(example = "CN-2-202512-0001")]
    pub number: String,
    /// The invoice it refunds.
    #[schema(example = 1)]
    pub invoice_id: i64,
    /// The payment the money is given back from.
    #[schema(example = 1)]
    pub payment_id: i64,
    /// Given back, as a decimal string in `currency`.
    #[schema(example = "89.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Credits taken back from the account's balance (0 when none).
    #[schema(example = 1000)]
    pub credits: i64,
    #[schema(example = "Duplicate charge")]
    pub reason: String,
    /// How the money goes back: the paying payment's method.
    pub payout: PaymentMethod,
    pub payout_status: PayoutStatus,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&credit_note::Model> for CreditNote {
    fn from(n: &credit_note::Model) -> Self {
        CreditNote {
            id: n.id,
            number: n.number.clone(),
            invoice_id: n.invoice_id,
            payment_id: n.payment_id,
            amount: format_minor(n.amount, &n.currency),
            currency: n.currency.clone(),
            credits: n.credits,
            reason: n.reason.clone(),
            payout: n.payout,
            payout_status: n.payout_status,
            created_at: time(n.created_at),
        }
    }
}
