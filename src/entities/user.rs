use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stored lower-cased, so uniqueness is case-insensitive.
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub account_id: Option<i64>,
    /// Role within the account: owner, admin, editor, viewer.
    pub role: String,
    /// Platform staff: the only users allowed on staff routes and the admin panel.
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
}

super::no_relations!();
