//! Credits (balance, ledger, spending) and sites.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::json;

use crate::api::envelope::{Reply, created, list_data, ok, page_data};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::Customer;
use crate::domain::{credits, sites};
use crate::error::Result;

pub async fn balance(State(state): State<AppState>, Customer(member): Customer) -> Result<Reply> {
    let credits = credits::balance(&state.db, member.account.id).await?;
    Ok(ok(json!({
        "account_id": member.account.id,
        "credits": credits,
        "account_status": member.account.status,
    })))
}

pub async fn transactions(
    State(state): State<AppState>,
    Customer(member): Customer,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let page = credits::transactions(&state.db, member.account.id, params.page()?).await?;
    Ok(ok(page_data(page, &uri, |t| views::ledger_row(&t))))
}

pub async fn spend(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<credits::UsageInput>,
) -> Result<Reply> {
    let spent = credits::spend(&state.db, &member, input).await?;
    Ok(created(json!({
        "usage_id": spent.usage.id,
        "operation_type": spent.usage.operation_type,
        "quantity": spent.usage.quantity,
        "credits_used": spent.usage.credits_used,
        "balance_after": spent.transaction.balance_after,
        "transaction_id": spent.transaction.id,
    }))
    .message("Credits deducted"))
}

pub async fn list_sites(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply> {
    let sites = sites::list(&state.db, member.account.id).await?;
    Ok(ok(list_data(sites.iter().map(views::site).collect())))
}

pub async fn create_site(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<sites::SiteInput>,
) -> Result<Reply> {
    let site = sites::create(&state.db, &member, input).await?;
    Ok(created(views::site_with_access(&site)).message("Site created"))
}

pub async fn site_detail(
    State(state): State<AppState>,
    Customer(member): Customer,
    Path(id): Path<String>,
) -> Result<Reply> {
    let id = path_id(&id, "Site not found")?;
    let site = sites::get(&state.db, member.account.id, id).await?;
    Ok(ok(views::site_with_access(&site)))
}
