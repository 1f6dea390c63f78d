use sea_orm::entity::prelude::*;

use crate::entities::status::PaymentMethod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "payment_method_configs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ISO 3166 alpha-2, or `*` for every country.
    pub country_code: String,
    pub payment_method: PaymentMethod,
    pub display_name: String,
    #[sea_orm(column_type = "Text")]
    pub instructions: String,
    /// JSON object (bank account, wallet number…).
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub is_enabled: bool,
    pub sort_order: i32,
}

super::no_relations!();
