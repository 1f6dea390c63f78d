//! Sign-up, sign-in, tokens and the signed-in user.

use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{Account, Subscription, User, UserWithAccount};
use super::billing::InvoiceSummary;
use crate::auth::sessions::Tokens;
use crate::domain::signup::Registered;

/// `data` of a sign-up: the new user, their account beside it, the paid plan's subscription
/// and first invoice, and tokens as from sign-in.
#[derive(Serialize, ToSchema)]
pub struct Registration {
    pub user: User,
    pub account: Account,
    /// Null on a free trial.
    #[schema(required = true)]
    pub subscription: Option<Subscription>,
    /// Null on a free trial.
    #[schema(required = true)]
    pub invoice: Option<InvoiceSummary>,
    /// The access token. Null when this answer is replayed for a repeated `Idempotency-Key`:
    /// tokens are never stored, so sign in to get them.
    #[schema(required = true)]
    pub token: Option<String>,
    /// The same access token (null when replayed).
    #[schema(required = true)]
    pub access: Option<String>,
    /// The refresh token (null when replayed).
    #[schema(required = true)]
    pub refresh: Option<String>,
}

impl Registration {
    /// `tokens` is `None` in the copy an idempotency key keeps.
    pub fn new(r: &Registered, tokens: Option<&Tokens>) -> Self {
        Registration {
            user: (&r.user).into(),
            account: Account::new(&r.account, &r.plan),
            subscription: r
                .subscription
                .as_ref()
                .map(|s| Subscription::new(s, &r.plan)),
            invoice: r.invoice.as_ref().map(InvoiceSummary::from),
            token: tokens.map(|t| t.access.clone()),
            access: tokens.map(|t| t.access.clone()),
            refresh: tokens.map(|t| t.refresh.clone()),
        }
    }
}

/// An access token (under two names, `token` as the guide reads it and `access`) and the
/// refresh token that renews it.
#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT access token for `Authorization: Bearer …`; short-lived.
    pub token: String,
    /// The same access token.
    pub access: String,
    /// Renews the pair at `auth/refresh`; rotated on every use.
    pub refresh: String,
}

impl From<&Tokens> for TokenPair {
    fn from(t: &Tokens) -> Self {
        TokenPair {
            token: t.access.clone(),
            access: t.access.clone(),
            refresh: t.refresh.clone(),
        }
    }
}

/// `data` of a sign-in: the tokens and the user with their account.
#[derive(Serialize, ToSchema)]
pub struct SignIn {
    #[serde(flatten)]
    pub tokens: TokenPair,
    pub user: UserWithAccount,
}

/// `data` of `auth/me`.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    pub user: UserWithAccount,
    /// The account's subscription; null on a free trial and for staff.
    #[schema(required = true)]
    pub subscription: Option<Subscription>,
}

/// `data` of a sign-out: nothing (an empty object).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedOut {}

/// `data` of a password reset step: nothing (an empty object); `message` says what happened.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {}
