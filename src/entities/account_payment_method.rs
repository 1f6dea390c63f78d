use sea_orm::entity::prelude::*;

use crate::entities::status::PaymentMethod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_payment_methods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub method_type: PaymentMethod,
    pub display_name: String,
    pub is_default: bool,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
