use sea_orm::entity::prelude::*;

/// Sign-in attempts of one subject in its current window (see `domain::throttle`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// `email:{address}` or `client:{ip}`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    pub window_started_at: DateTimeUtc,
    /// Attempts counted in the window: failures, and sign-ins still being checked.
    pub attempts: i32,
}

super::no_relations!();
