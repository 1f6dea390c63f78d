use sea_orm::entity::prelude::*;

use crate::entities::status::{PaymentMethod, PayoutStatus};

/// A refund of (part of) a paid invoice (`domain::refunds`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `CN-{account}-{YYYYMM}-{NNNN}`.
    #[sea_orm(unique)]
    pub number: String,
    pub account_id: i64,
    pub invoice_id: i64,
    pub payment_id: i64,
    /// Minor units of `currency` given back.
    pub amount: i64,
    pub currency: String,
    /// Credits taken back from the account with a `refund` ledger row (0 when none).
    pub credits: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// How the money goes back: the payment's method. A manual method is paid out by staff.
    pub payout: PaymentMethod,
    pub payout_status: PayoutStatus,
    /// The provider's id of the refund, once it answered.
    pub provider_ref: Option<String>,
    pub provider_error: Option<String>,
    pub created_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::no_relations!();
