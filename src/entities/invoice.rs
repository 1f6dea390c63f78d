use sea_orm::entity::prelude::*;

use crate::entities::status::{InvoicePurpose, InvoiceStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub invoice_number: String,
    pub account_id: i64,
    pub subscription_id: Option<i64>,
    pub status: InvoiceStatus,
    pub currency: String,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    /// JSON array of line items.
    #[sea_orm(column_type = "Text")]
    pub line_items: String,
    pub due_date: Date,
    pub paid_at: Option<DateTimeUtc>,
    /// JSON object; `billing_snapshot` is copied from the account at issue time.
    #[sea_orm(column_type = "Text")]
    pub metadata: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub purpose: InvoicePurpose,
    /// The plan it is for (empty on invoices from before plan changes).
    pub plan_id: Option<i64>,
    /// The period it pays, for renewals and plan changes.
    pub period_start: Option<DateTimeUtc>,
    pub period_end: Option<DateTimeUtc>,
    /// A top-up's package, and the credits paying it grants (copied when issued).
    pub package_id: Option<i64>,
    pub credits: Option<i64>,
}

super::no_relations!();
