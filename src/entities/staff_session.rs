use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    /// The synchronizer token every POST form of this session must carry.
    pub csrf_token: String,
    /// A message to show on the next page, then forget.
    #[sea_orm(column_type = "Text", nullable)]
    pub flash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
