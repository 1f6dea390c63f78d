use sea_orm::entity::prelude::*;

/// A package of credits customers can buy (`domain::top_ups`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "top_up_packages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// Credits granted when its invoice is paid.
    pub credits: i64,
    /// Price in minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub is_active: bool,
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::no_relations!();
