//! Public reference data: payment methods per country, plans, industries, credit costs.

use axum::extract::State;
use serde_json::json;

use crate::api::docs::{Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, list_data, ok};
use crate::api::extract::Params;
use crate::api::views;
use crate::app::AppState;
use crate::domain::catalog;
use crate::domain::validate::normalize_country;
use crate::error::{Error, Result};

#[utoipa::path(
    get,
    path = "/billing/admin/payment-methods",
    tag = "catalog",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166 alpha-2 code, any case"),
    ),
    responses(
        (status = 200, description = "Enabled methods for the country plus the global ones", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn payment_methods(State(state): State<AppState>, params: Params) -> Result<Reply> {
    let country =
        match params.get("country") {
            None => None,
            Some(raw) if raw.trim() == catalog::GLOBAL => None,
            Some(raw) => Some(normalize_country(raw).ok_or_else(|| {
                Error::field("country", "Enter a two-letter ISO 3166 country code.")
            })?),
        };
    let methods = catalog::payment_methods_for(&state.db, country.as_deref()).await?;
    Ok(ok(list_data(
        methods.iter().map(views::payment_method).collect(),
    )))
}

#[utoipa::path(
    get,
    path = "/billing/plans",
    tag = "catalog",
    responses(
        (status = 200, description = "Public plans", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn plans(State(state): State<AppState>) -> Result<Reply> {
    let plans = catalog::public_plans(&state.db).await?;
    Ok(ok(list_data(plans.iter().map(views::plan).collect())))
}

#[utoipa::path(
    get,
    path = "/industries",
    tag = "catalog",
    responses(
        (status = 200, description = "Industries a site can have", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn industries(State(state): State<AppState>) -> Result<Reply> {
    let industries = catalog::industries(&state.db).await?;
    Ok(ok(list_data(
        industries.iter().map(views::industry).collect(),
    )))
}

#[utoipa::path(
    get,
    path = "/billing/credit-costs",
    tag = "catalog",
    responses(
        (status = 200, description = "What each operation costs", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn credit_costs(State(state): State<AppState>) -> Result<Reply> {
    let costs = catalog::credit_costs(&state.db).await?;
    Ok(ok(list_data(
        costs
            .iter()
            .map(|c| {
                json!({
                    "operation_type": c.operation_type,
                    "display_name": c.display_name,
                    "credits_per_unit": c.credits_per_unit,
                    "unit_size": c.unit_size,
                    "unit_name": c.unit_name,
                })
            })
            .collect(),
    )))
}
