use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_costs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub operation_type: String,
    pub display_name: String,
    /// Credits charged for every started `unit_size` units of quantity.
    pub credits_per_unit: i64,
    pub unit_size: i64,
    pub unit_name: String,
    pub is_active: bool,
}

super::no_relations!();
