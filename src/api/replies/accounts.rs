//! Users, accounts, plans and subscriptions as every reply shows them.

use serde::Serialize;
use utoipa::ToSchema;

use super::opt_time;
use crate::domain::money::format_minor;
use crate::domain::status::{AccountStatus, BillingCycle, SubscriptionStatus};
use crate::entities::{account, plan, subscription, user};

/// A user, without their account (register puts the account beside it, in `data.account`).
#[derive(Serialize, ToSchema)]
pub struct User {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "paiduser@test.com")]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The user's role in their account (`owner`, `admin`, `editor`, `viewer`; a viewer may
    /// only read); null for platform staff, who have no account.
    #[schema(required = true, example = "owner")]
    pub role: Option<String>,
    /// Platform staff: may review payments and use the admin panel.
    pub is_staff: bool,
    /// Null for platform staff.
    #[schema(required = true, example = 2)]
    pub account_id: Option<i64>,
}

impl From<&user::Model> for User {
    fn from(u: &user::Model) -> Self {
        User {
            id: u.id,
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            role: (!u.role.is_empty()).then(|| u.role.clone()),
            is_staff: u.is_staff,
            account_id: u.account_id,
        }
    }
}

/// A user with their account nested, as sign-in and `auth/me` show them: the same
/// `Account` that register gives in `data.account`.
#[derive(Serialize, ToSchema)]
pub struct UserWithAccount {
    #[serde(flatten)]
    pub user: User,
    /// Null for platform staff.
    #[schema(required = true)]
    pub account: Option<Account>,
}

/// A plan, with its price as a decimal string in its currency.
#[derive(Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    #[schema(example = "starter")]
    pub slug: String,
    #[schema(example = "Starter")]
    pub name: String,
    #[schema(example = "89.00")]
    pub price: String,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(value_type = BillingCycle)]
    pub billing_cycle: String,
    /// Credits granted when a period is paid (or on a free trial).
    #[schema(example = 1000)]
    pub included_credits: i64,
    #[schema(example = 1)]
    pub max_sites: i32,
    pub max_users: i32,
}

impl From<&plan::Model> for Plan {
    fn from(p: &plan::Model) -> Self {
        Plan {
            id: p.id,
            slug: p.slug.clone(),
            name: p.name.clone(),
            price: format_minor(p.price, &p.currency),
            currency: p.currency.clone(),
            billing_cycle: p.billing_cycle.clone(),
            included_credits: p.included_credits,
            max_sites: p.max_sites,
            max_users: p.max_users,
        }
    }
}

/// An account: its standing, credit balance, plan and billing details.
#[derive(Serialize, ToSchema)]
pub struct Account {
    #[schema(example = 2)]
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub status: AccountStatus,
    /// The credit balance: always the sum of the account's ledger.
    pub credits: i64,
    pub plan: Plan,
    #[schema(required = true)]
    pub billing_email: Option<String>,
    #[schema(required = true)]
    pub billing_address_line1: Option<String>,
    #[schema(required = true)]
    pub billing_address_line2: Option<String>,
    #[schema(required = true)]
    pub billing_city: Option<String>,
    #[schema(required = true)]
    pub billing_state: Option<String>,
    #[schema(required = true)]
    pub billing_postal_code: Option<String>,
    /// ISO 3166 alpha-2.
    #[schema(required = true, example = "PK")]
    pub billing_country: Option<String>,
    #[schema(required = true)]
    pub tax_id: Option<String>,
}

impl Account {
    pub fn new(a: &account::Model, p: &plan::Model) -> Self {
        Account {
            id: a.id,
            name: a.name.clone(),
            slug: a.slug.clone(),
            status: a.status,
            credits: a.credits,
            plan: p.into(),
            billing_email: a.billing_email.clone(),
            billing_address_line1: a.billing_address_line1.clone(),
            billing_address_line2: a.billing_address_line2.clone(),
            billing_city: a.billing_city.clone(),
            billing_state: a.billing_state.clone(),
            billing_postal_code: a.billing_postal_code.clone(),
            billing_country: a.billing_country.clone(),
            tax_id: a.tax_id.clone(),
        }
    }
}

/// A subscription; its period is set when its first payment is approved.
#[derive(Serialize, ToSchema)]
pub struct Subscription {
    pub id: i64,
    pub status: SubscriptionStatus,
    pub plan: Plan,
    #[schema(required = true, format = DateTime)]
    pub current_period_start: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub current_period_end: Option<String>,
    /// The reference of the approved payment that activated it.
    #[schema(required = true)]
    pub external_payment_id: Option<String>,
}

impl Subscription {
    pub fn new(s: &subscription::Model, p: &plan::Model) -> Self {
        Subscription {
            id: s.id,
            status: s.status,
            plan: p.into(),
            current_period_start: opt_time(s.current_period_start),
            current_period_end: opt_time(s.current_period_end),
            external_payment_id: s.external_payment_id.clone(),
        }
    }
}
