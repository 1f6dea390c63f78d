use sea_orm::entity::prelude::*;

/// A signed-in browser: staff in the admin panel or a customer in the portal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "web_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    pub kind: SessionKind,
    /// The synchronizer token every POST form of this session must carry.
    pub csrf_token: String,
    /// A message to show on the next page, then forget, and how to show it.
    pub flash_level: Option<FlashLevel>,
    #[sea_orm(column_type = "Text", nullable)]
    pub flash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

/// Whose session it is; each kind has its own cookie, so one browser may hold both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SessionKind {
    #[sea_orm(string_value = "staff")]
    Staff,
    #[sea_orm(string_value = "customer")]
    Customer,
}

/// How a flash message is shown (`msg-<level>` in the stylesheet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FlashLevel {
    #[sea_orm(string_value = "success")]
    Success,
    #[sea_orm(string_value = "error")]
    Error,
}

super::no_relations!();
