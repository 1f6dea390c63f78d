use sea_orm::entity::prelude::*;

use crate::entities::status::CreditTransactionType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_transactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub transaction_type: CreditTransactionType,
    /// Signed: grants are positive, spends negative.
    pub amount: i64,
    pub balance_after: i64,
    pub description: String,
    pub reference: Option<String>,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
