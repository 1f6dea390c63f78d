use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_sequences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    /// `YYYYMM`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    pub last_number: i64,
}

super::no_relations!();
