use sea_orm::entity::prelude::*;

/// One booking of an imported statement. Credits are matched to pending payments; debits are
/// kept (the statement stays whole) but never matched.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub statement_id: i64,
    /// Stable across imports of the same booking, so a second import adds nothing.
    pub fingerprint: String,
    /// Where the booking stands in its file.
    pub line_no: i32,
    pub booking_date: Date,
    pub value_date: Option<Date>,
    /// Minor units, always positive; `direction` says which way the money went.
    pub amount: i64,
    pub currency: String,
    pub direction: Direction,
    pub bank_reference: Option<String>,
    pub payer_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub remittance: String,
    /// The payment this booking paid, once staff approved the pair.
    pub payment_id: Option<i64>,
    pub linked_by_id: Option<i64>,
    pub linked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Direction {
    /// Money in: what a customer's transfer is.
    #[sea_orm(string_value = "credit")]
    Credit,
    #[sea_orm(string_value = "debit")]
    Debit,
}

super::no_relations!();
