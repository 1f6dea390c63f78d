use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_usages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub operation_type: String,
    pub quantity: i64,
    pub credits_used: i64,
    pub transaction_id: i64,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
