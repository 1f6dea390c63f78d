//! What platform staff see: the payment queue, review outcomes and the audit log.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::billing::Payment;
use super::{opt_time, time};
use crate::domain::invoices::parse_json;
use crate::domain::payment_queue::PaymentRow;
use crate::domain::payments::Reviewed;
use crate::domain::status::{AccountStatus, PaymentStatus, SubscriptionStatus};
use crate::entities::audit_entry;

/// A payment in the staff queue, with its reviewer and what it pays.
#[derive(Serialize, ToSchema)]
pub struct QueuedPayment {
    #[serde(flatten)]
    pub payment: Payment,
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    pub account_name: String,
}

impl From<PaymentRow> for QueuedPayment {
    fn from(row: PaymentRow) -> Self {
        QueuedPayment {
            payment: Payment::new(&row.payment, row.approved_by.as_deref()),
            invoice_number: row.invoice_number,
            account_name: row.account_name,
        }
    }
}

/// `data` of an approval (the guide's "Expected Response"); a rejection adds two fields.
#[derive(Serialize, ToSchema)]
pub struct ReviewData {
    #[schema(example = 1)]
    pub payment_id: i64,
    #[schema(example = 1)]
    pub invoice_id: i64,
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    #[schema(example = 2)]
    pub account_id: i64,
    #[schema(example = "active")]
    pub account_status: AccountStatus,
    /// Null for an account without a subscription.
    #[schema(required = true, example = "active")]
    pub subscription_status: Option<SubscriptionStatus>,
    /// The plan's included credits on approval; 0 on rejection.
    #[schema(example = 1000)]
    pub credits_added: i64,
    /// The account's balance afterwards.
    #[schema(example = 1000)]
    pub total_credits: i64,
    /// The reviewing staff member's email.
    #[schema(example = "admin@example.com")]
    pub approved_by: String,
    /// When it was reviewed.
    #[schema(required = true, format = DateTime, example = "2025-12-08T15:30:00Z")]
    pub approved_at: Option<String>,
}

impl From<&Reviewed> for ReviewData {
    fn from(r: &Reviewed) -> Self {
        ReviewData {
            payment_id: r.payment.id,
            invoice_id: r.invoice.id,
            invoice_number: r.invoice.invoice_number.clone(),
            account_id: r.account.id,
            account_status: r.account.status,
            subscription_status: r.subscription.as_ref().map(|s| s.status),
            credits_added: r.credits_added,
            total_credits: r.account.credits,
            approved_by: r.reviewer.email.clone(),
            approved_at: opt_time(r.payment.approved_at),
        }
    }
}

/// `data` of a rejection: the review, and the payment's new status and reason.
#[derive(Serialize, ToSchema)]
pub struct RejectionData {
    #[serde(flatten)]
    pub review: ReviewData,
    #[schema(example = "failed")]
    pub payment_status: PaymentStatus,
    #[schema(required = true, example = "Reference not found in bank statement")]
    pub failure_reason: Option<String>,
}

impl From<&Reviewed> for RejectionData {
    fn from(r: &Reviewed) -> Self {
        RejectionData {
            review: r.into(),
            payment_status: r.payment.status,
            failure_reason: r.payment.failure_reason.clone(),
        }
    }
}

/// One audited change: who did what to which object, and its state before and after.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    /// The acting user; null for the command line.
    #[schema(required = true)]
    pub actor_id: Option<i64>,
    /// The request that made the change (empty for the command line).
    pub request_id: String,
    #[schema(example = "payment.approve")]
    pub action: String,
    #[schema(example = "payment")]
    pub object_type: String,
    pub object_id: i64,
    /// The fields the change touched, as they were; null for a creation. Their names depend
    /// on the action.
    #[schema(required = true, value_type = Option<Object>)]
    pub before: Value,
    /// The same fields afterwards.
    #[schema(required = true, value_type = Option<Object>)]
    pub after: Value,
    /// The credit ledger row the change wrote, if any.
    #[schema(required = true)]
    pub ledger_id: Option<i64>,
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(e: audit_entry::Model) -> Self {
        AuditEntry {
            id: e.id,
            at: time(e.at),
            actor_id: e.actor_id,
            before: parse_json(&e.before),
            after: parse_json(&e.after),
            request_id: e.request_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            ledger_id: e.ledger_id,
        }
    }
}
