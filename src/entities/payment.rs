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
    pub proof: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub admin_notes: Option<String>,
    pub approved_by_id: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub failure_reason: Option<String>,
    pub submitted_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::no_relations!();
