//! Invoices, payments and payment methods as the customer sees them, and a confirmation's
//! reply.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{opt_time, time};
use crate::domain::invoices::parse_json;
use crate::domain::money::format_minor;
use crate::domain::payments::Confirmed;
use crate::domain::status::{self, InvoiceStatus, PaymentStatus};
use crate::entities::{invoice, payment, payment_method_config};

/// An invoice as lists show it. Money is a decimal string in the invoice's currency.
#[derive(Serialize, ToSchema)]
pub struct InvoiceSummary {
    #[schema(example = 1)]
    pub id: i64,
    /// `INV-{account}-{YYYYMM}-{NNNN}`.
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    pub status: InvoiceStatus,
    #[schema(example = "89.00")]
    pub total: String,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(format = Date, example = "2025-12-15")]
    pub due_date: String,
    #[schema(required = true, format = DateTime)]
    pub paid_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&invoice::Model> for InvoiceSummary {
    fn from(i: &invoice::Model) -> Self {
        InvoiceSummary {
            id: i.id,
            invoice_number: i.invoice_number.clone(),
            status: i.status,
            total: format_minor(i.total, &i.currency),
            currency: i.currency.clone(),
            due_date: i.due_date.to_string(),
            paid_at: opt_time(i.paid_at),
            created_at: time(i.created_at),
        }
    }
}

/// One invoice with its lines, the billing details it was issued to, and how to pay it.
#[derive(Serialize, ToSchema)]
pub struct InvoiceDetail {
    #[serde(flatten)]
    pub summary: InvoiceSummary,
    pub subtotal: String,
    pub tax: String,
    /// The lines as issued.
    #[schema(value_type = Vec<InvoiceLineItem>)]
    pub line_items: Value,
    #[schema(value_type = InvoiceMetadata)]
    pub metadata: Value,
    /// How to pay it, as configured for the account's billing country: the method chosen
    /// for it (a credit top-up's), otherwise the account's default; null when there is none
    /// (free plans).
    #[schema(required = true)]
    pub payment_instructions: Option<PaymentMethod>,
}

impl InvoiceDetail {
    pub fn new(i: &invoice::Model, instructions: Option<&payment_method_config::Model>) -> Self {
        InvoiceDetail {
            summary: i.into(),
            subtotal: format_minor(i.subtotal, &i.currency),
            tax: format_minor(i.tax, &i.currency),
            line_items: parse_json(&i.line_items),
            metadata: parse_json(&i.metadata),
            payment_instructions: instructions.map(PaymentMethod::from),
        }
    }
}

/// A line of an invoice (the description of the stored JSON; see `InvoiceDetail`).
#[derive(ToSchema)]
pub struct InvoiceLineItem {
    #[schema(example = "Starter plan (monthly)")]
    pub description: String,
    pub quantity: i64,
    #[schema(example = "89.00")]
    pub unit_price: String,
    #[schema(example = "89.00")]
    pub amount: String,
}

/// What an invoice keeps beside its lines.
#[derive(ToSchema)]
pub struct InvoiceMetadata {
    pub billing_snapshot: BillingSnapshot,
    /// The method chosen to pay it: only on credit top-ups (absent on other invoices).
    #[schema(required = false, nullable = false)]
    pub payment_method: Option<status::PaymentMethod>,
}

/// The account's billing details copied when the invoice was issued; later edits of the
/// account never change it. Fields the account did not have are null (or, in invoices made
/// by `tollgate seed-demo`, absent).
#[derive(ToSchema)]
pub struct BillingSnapshot {
    pub name: Option<String>,
    pub billing_email: Option<String>,
    pub billing_address_line1: Option<String>,
    pub billing_address_line2: Option<String>,
    pub billing_city: Option<String>,
    pub billing_state: Option<String>,
    pub billing_postal_code: Option<String>,
    pub billing_country: Option<String>,
    pub tax_id: Option<String>,
}

/// A payment: confirmed by the customer, then approved (`succeeded`) or rejected (`failed`)
/// by staff.
#[derive(Serialize, ToSchema)]
pub struct Payment {
    pub id: i64,
    pub invoice_id: i64,
    pub account_id: i64,
    #[schema(example = "89.00")]
    pub amount: String,
    pub currency: String,
    pub payment_method: status::PaymentMethod,
    pub status: PaymentStatus,
    #[schema(required = true, example = "BT-20251208-12345")]
    pub manual_reference: Option<String>,
    #[schema(required = true)]
    pub manual_notes: Option<String>,
    #[schema(required = true)]
    pub admin_notes: Option<String>,
    #[schema(required = true)]
    pub failure_reason: Option<String>,
    /// The reviewer's email in the staff queue; null for customers, who see that a payment
    /// was reviewed but not by whom.
    #[schema(required = true)]
    pub approved_by: Option<String>,
    /// When it was reviewed (approved or rejected).
    #[schema(required = true, format = DateTime)]
    pub approved_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The file the customer attached (a receipt, a screenshot); null when none was.
    #[schema(required = true)]
    pub proof: Option<PaymentProof>,
}

/// A payment's proof file, as stored. Download it from `GET billing/payments/{id}/proof/`.
#[derive(Serialize, ToSchema)]
pub struct PaymentProof {
    /// The name the file was uploaded under.
    #[schema(example = "transfer-receipt.pdf")]
    pub name: String,
    /// Sniffed from the file's bytes: application/pdf, image/png, image/jpeg or image/webp.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// Bytes.
    #[schema(example = 48213)]
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
}

impl PaymentProof {
    pub fn of(p: &payment::Model) -> Option<Self> {
        p.proof.as_ref()?;
        Some(PaymentProof {
            name: p.proof_name.clone().unwrap_or_default(),
            content_type: p.proof_content_type.clone().unwrap_or_default(),
            size: p.proof_size.unwrap_or_default(),
            sha256: p.proof_sha256.clone().unwrap_or_default(),
        })
    }
}

impl Payment {
    pub fn new(p: &payment::Model, approved_by: Option<&str>) -> Self {
        Payment {
            id: p.id,
            invoice_id: p.invoice_id,
            account_id: p.account_id,
            amount: format_minor(p.amount, &p.currency),
            currency: p.currency.clone(),
            payment_method: p.payment_method,
            status: p.status,
            manual_reference: p.manual_reference.clone(),
            manual_notes: p.manual_notes.clone(),
            admin_notes: p.admin_notes.clone(),
            failure_reason: p.failure_reason.clone(),
            approved_by: approved_by.map(str::to_owned),
            approved_at: opt_time(p.approved_at),
            created_at: time(p.created_at),
            proof: PaymentProof::of(p),
        }
    }
}

/// A way to pay, as configured for a country (`*`: every country).
#[derive(Serialize, ToSchema)]
pub struct PaymentMethod {
    pub id: i64,
    /// ISO 3166 alpha-2, or `*` for the global rows.
    #[schema(example = "*")]
    pub country_code: String,
    pub payment_method: status::PaymentMethod,
    #[schema(example = "Bank Transfer")]
    pub display_name: String,
    /// What to tell the payer; empty for card and PayPal.
    #[schema(example = "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA")]
    pub instructions: String,
    /// The same in parts (bank account, wallet number…), as staff configured them: the keys
    /// depend on the method and country.
    #[schema(value_type = Object)]
    pub details: Value,
    pub is_enabled: bool,
    pub sort_order: i32,
    /// Whether this server takes the method now: card and PayPal need their provider's keys
    /// (`TOLLGATE_STRIPE_*`, `TOLLGATE_PAYPAL_*`); until then they are listed, as configured,
    /// but refused at sign-up and not offered by the portal.
    pub available: bool,
}

impl From<&payment_method_config::Model> for PaymentMethod {
    fn from(m: &payment_method_config::Model) -> Self {
        PaymentMethod {
            id: m.id,
            country_code: m.country_code.clone(),
            payment_method: m.payment_method,
            display_name: m.display_name.clone(),
            instructions: m.instructions.clone(),
            details: parse_json(&m.details),
            is_enabled: m.is_enabled,
            sort_order: m.sort_order,
            available: true,
        }
    }
}

/// `data` of a payment confirmation (the guide's "Expected Response").
#[derive(Serialize, ToSchema)]
pub struct ConfirmData {
    #[schema(example = 1)]
    pub payment_id: i64,
    #[schema(example = 1)]
    pub invoice_id: i64,
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    #[schema(example = "pending_approval")]
    pub status: PaymentStatus,
    #[schema(example = "89.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Required by confirmation, so always present here.
    #[schema(value_type = String, example = "BT-20251208-12345")]
    pub manual_reference: Option<String>,
}

impl From<&Confirmed> for ConfirmData {
    fn from(c: &Confirmed) -> Self {
        ConfirmData {
            payment_id: c.payment.id,
            invoice_id: c.invoice.id,
            invoice_number: c.invoice.invoice_number.clone(),
            status: c.payment.status,
            amount: format_minor(c.payment.amount, &c.payment.currency),
            currency: c.payment.currency.clone(),
            manual_reference: c.payment.manual_reference.clone(),
        }
    }
}
