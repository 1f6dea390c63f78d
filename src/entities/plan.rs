use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// Price in minor units of `currency` (cents).
    pub price: i64,
    pub currency: String,
    pub billing_cycle: String,
    pub included_credits: i64,
    pub max_sites: i32,
    pub max_users: i32,
    pub is_active: bool,
    pub is_public: bool,
    pub sort_order: i32,
}

super::no_relations!();
