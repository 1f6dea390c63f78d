use sea_orm::entity::prelude::*;

use crate::entities::status::AccountStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub owner_id: Option<i64>,
    pub plan_id: i64,
    pub status: AccountStatus,
    /// Always equal to the sum of this account's `credit_transactions.amount`.
    pub credits: i64,
    pub billing_email: Option<String>,
    pub billing_address_line1: Option<String>,
    pub billing_address_line2: Option<String>,
    pub billing_city: Option<String>,
    pub billing_state: Option<String>,
    pub billing_postal_code: Option<String>,
    pub billing_country: Option<String>,
    pub tax_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When a free trial ends; empty for other accounts (and trials from before trials ended).
    pub trial_ends_at: Option<DateTimeUtc>,
    /// How many of the trial's reminder mails went out (each goes once).
    pub trial_reminders_sent: i32,
}

super::no_relations!();
