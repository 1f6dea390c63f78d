//! Credits (balance, ledger, spending) and sites.

use axum::extract::{Path, State};

use crate::api::caller::Customer;
use crate::api::docs::PageParams;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    Conflict, CustomerMayNotUse, InsufficientCredits, JsonErrors, MustPay, NotCustomer, NotFound,
    QueryErrors, Unauthenticated,
};
use crate::api::extract::{AppJson, Paging, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::operations::account_list;
use crate::api::replies::lists::{self, Page};
use crate::api::replies::usage::{CreditBalance, CreditSpend, LedgerEntry, Site, SiteDetail};
use crate::domain::of_account;
use crate::domain::{credits, sites};
use crate::entities::{credit_transaction as ledger, site};
use crate::error::Result;
use crate::state::AppState;

/// The account's credit balance.
#[utoipa::path(
    get,
    path = "/billing/credits/balance",
    tag = "credits",
    responses(
        (status = 200, description = "The credit balance", body = Envelope<CreditBalance>),
        QueryErrors, Unauthenticated, NotCustomer,
    ),
    security(("bearer" = [])),
)]
pub async fn balance(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply<CreditBalance>> {
    let credits = credits::balance(&state.db, member.account.id).await?;
    Ok(ok(CreditBalance {
        account_id: member.account.id,
        credits,
        account_status: member.account.status,
    }))
}

account_list! {
    /// The credit ledger, newest first.
    transactions: "/billing/credits/transactions", tag "credits", "The credit ledger, newest first",
    ledger::Entity => LedgerEntry, |t| LedgerEntry::from(&t)
}

/// Spend credits on a product operation.
///
/// Costs come from `billing/credit-costs`: every started unit is charged (150 words at 1
/// credit per 100 words cost 2). A balance never goes below zero.
#[utoipa::path(
    post,
    path = "/billing/credits/usage",
    tag = "credits",
    request_body = crate::domain::credits::UsageInput,
    responses(
        (status = 201, description = "Credits deducted", body = Envelope<CreditSpend>),
        JsonErrors, Unauthenticated, InsufficientCredits, CustomerMayNotUse, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn spend(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    AppJson(input): AppJson<credits::UsageInput>,
) -> Result<Reply<CreditSpend>> {
    let spent = credits::spend(&state.db, &member, input, &key.seal(spent_reply)).await?;
    Ok(spent_reply(&spent))
}

fn spent_reply(spent: &credits::Spent) -> Reply<CreditSpend> {
    created(CreditSpend::from(spent)).message("Credits deducted")
}

/// The account's sites.
#[utoipa::path(
    get,
    path = "/sites",
    tag = "sites",
    responses(
        (status = 200, description = "The account's sites", body = Envelope<Page<Site>>),
        QueryErrors, Unauthenticated, NotCustomer,
    ),
    security(("bearer" = [])),
)]
pub async fn list_sites(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply<Page<Site>>> {
    let sites = of_account::all::<site::Entity>(&state.db, member.account.id).await?;
    Ok(ok(lists::whole(&sites)))
}

/// Create a site.
///
/// Within the plan's `max_sites`; an industry is required. The creator gets access to it.
#[utoipa::path(
    post,
    path = "/sites",
    tag = "sites",
    request_body = crate::domain::sites::SiteInput,
    responses(
        (status = 201, description = "Site created with the creator's access", body = Envelope<SiteDetail>),
        JsonErrors, Unauthenticated, MustPay, CustomerMayNotUse, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn create_site(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<sites::SiteInput>,
) -> Result<Reply<SiteDetail>> {
    let site = sites::create(&state.db, &member, input).await?;
    Ok(created(SiteDetail::from(&site)).message("Site created"))
}

/// One site with its user access list.
#[utoipa::path(
    get,
    path = "/sites/{id}",
    tag = "sites",
    params(
        ("id" = i64, Path, description = "Site id"),
    ),
    responses(
        (status = 200, description = "One site with its user access list", body = Envelope<SiteDetail>),
        QueryErrors, Unauthenticated, NotCustomer, NotFound,
    ),
    security(("bearer" = [])),
)]
pub async fn site_detail(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply<SiteDetail>> {
    let id = path_id(&id, "Site not found")?;
    let site = sites::get(&state.db, member.account.id, id).await?;
    Ok(ok(SiteDetail::from(&site)))
}
