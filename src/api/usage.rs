//! Credits (balance, ledger, spending) and sites.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::json;

use crate::api::docs::{ErrorEnvelope, Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, created, list_data, ok, page_data};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::Customer;
use crate::domain::{credits, sites};
use crate::error::Result;

#[utoipa::path(
    get,
    path = "/billing/credits/balance",
    tag = "credits",
    responses(
        (status = 200, description = "The credit balance", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn balance(State(state): State<AppState>, Customer(member): Customer) -> Result<Reply> {
    let credits = credits::balance(&state.db, member.account.id).await?;
    Ok(ok(json!({
        "account_id": member.account.id,
        "credits": credits,
        "account_status": member.account.status,
    })))
}

#[utoipa::path(
    get,
    path = "/billing/credits/transactions",
    tag = "credits",
    params(
        ("page" = Option<u64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<u64>, Query, description = "At most 100"),
    ),
    responses(
        (status = 200, description = "The credit ledger, newest first", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn transactions(
    State(state): State<AppState>,
    Customer(member): Customer,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let page = credits::transactions(&state.db, member.account.id, params.page()?).await?;
    Ok(ok(page_data(page, &uri, |t| views::ledger_row(&t))))
}

#[utoipa::path(
    post,
    path = "/billing/credits/usage",
    tag = "credits",
    request_body = crate::domain::credits::UsageInput,
    responses(
        (status = 201, description = "Credits deducted (402 when short)", body = SuccessEnvelope),
        (status = 402, description = "Insufficient credits", body = ErrorEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn spend(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    AppJson(input): AppJson<credits::UsageInput>,
) -> Result<Reply> {
    let spent = credits::spend(&state.db, &member, input, &key.seal(spent_reply)).await?;
    Ok(spent_reply(&spent))
}

fn spent_reply(spent: &credits::Spent) -> Reply {
    created(json!({
        "usage_id": spent.usage.id,
        "operation_type": spent.usage.operation_type,
        "quantity": spent.usage.quantity,
        "credits_used": spent.usage.credits_used,
        "balance_after": spent.transaction.balance_after,
        "transaction_id": spent.transaction.id,
    }))
    .message("Credits deducted")
}

#[utoipa::path(
    get,
    path = "/sites",
    tag = "sites",
    responses(
        (status = 200, description = "The account's sites", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn list_sites(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply> {
    let sites = sites::list(&state.db, member.account.id).await?;
    Ok(ok(list_data(sites.iter().map(views::site).collect())))
}

#[utoipa::path(
    post,
    path = "/sites",
    tag = "sites",
    request_body = crate::domain::sites::SiteInput,
    responses(
        (status = 201, description = "Site created with the creator's access", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn create_site(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<sites::SiteInput>,
) -> Result<Reply> {
    let site = sites::create(&state.db, &member, input).await?;
    Ok(created(views::site_with_access(&site)).message("Site created"))
}

#[utoipa::path(
    get,
    path = "/sites/{id}",
    tag = "sites",
    params(
        ("id" = i64, Path, description = "Site id"),
    ),
    responses(
        (status = 200, description = "One site with its user access list", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn site_detail(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply> {
    let id = path_id(&id, "Site not found")?;
    let site = sites::get(&state.db, member.account.id, id).await?;
    Ok(ok(views::site_with_access(&site)))
}
