use sea_orm::entity::prelude::*;

use crate::entities::status::{PaymentMethod, PaymentStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub invoice_id: i64,
    pub account_id: i64,
    pub amount: i64,
    pub currency: String,
    pub payment_method: PaymentMethod,
    pub status: PaymentStatus,
    pub manual_reference: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub manual_notes: Option<String>,
    /// The proof's key in object storage (`proofs/<uuid>`); never the uploaded file's name.
    pub proof: Option<String>,
    pub proof_sha256: Option<String>,
    pub proof_size: Option<i64>,
    /// Sniffed from the file's bytes when it was uploaded.
    pub proof_content_type: Option<String>,
    /// The name the customer's file had, for the download's `Content-Disposition`.
    pub proof_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub admin_notes: Option<String>,
    pub approved_by_id: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub failure_reason: Option<String>,
    pub submitted_by_id: Option<i64>,
    /// Card and PayPal: the provider's id of this payment (a PaymentIntent, a PayPal order).
    pub provider_ref: Option<String>,
    /// The provider's id of the money movement (a charge, a capture), once it succeeded.
    pub provider_capture: Option<String>,
    /// Minor units given back so far (`domain::refunds`).
    pub refunded_amount: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::no_relations!();
