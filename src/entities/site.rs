use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub industry_id: i64,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
