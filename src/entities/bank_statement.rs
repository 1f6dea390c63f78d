use sea_orm::entity::prelude::*;

/// One imported statement file: written only when it added at least one new line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_name: String,
    /// `camt053`, `mt940` or `csv`.
    pub format: String,
    /// SHA-256 of the file's bytes, to tell staff the same file came back.
    pub sha256: String,
    /// The statement's own account (an IBAN) and currency, when the format states them.
    pub account: Option<String>,
    pub currency: Option<String>,
    pub lines_read: i32,
    pub lines_new: i32,
    /// The staff member who uploaded it; `None` from the command line.
    pub imported_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
