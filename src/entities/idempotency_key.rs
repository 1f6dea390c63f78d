use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Whose key: `user:{id}`, or `anonymous` for sign-up.
    pub scope: String,
    pub key: String,
    /// SHA-256 of method, path and body: the same key must come with the same request.
    pub fingerprint: String,
    /// `in_progress` until the first answer is stored, then `done`.
    pub state: String,
    pub status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    pub created_at: DateTimeUtc,
}

super::no_relations!();
