//! Public reference data: payment methods per country, plans, industries, credit costs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use serde_json::Value;
use serde_json::json;
use serde_json::value::RawValue;

use crate::api::docs::{Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, list_data, ok, ok_raw};
use crate::api::extract::Params;
use crate::api::views;
use crate::app::AppState;
use crate::domain::catalog;
use crate::domain::validate::normalize_country;
use crate::entities::payment_method_config as pmc;
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
    let rows = catalog::payment_method_rows(&state.db).await?;
    let data = state
        .rendered_methods
        .get_or_render(&rows, country, |country| {
            let methods = catalog::methods_for_country(&rows, country);
            list_data(methods.iter().map(views::payment_method).collect())
        })?;
    Ok(ok_raw(data))
}

/// `GET payment-methods`'s `data` per country, serialised once per copy of the configuration:
/// the route is read on every sign-up form, and building and serialising the JSON tree was most
/// of its cost. An entry is used only while the rows it was made from are the cached ones
/// (`Arc::ptr_eq`), so an edit or a reload renders anew. At most one entry per country code.
#[derive(Default)]
pub struct RenderedMethods {
    by_country: RwLock<HashMap<Option<String>, Rendered>>,
}

/// The rows a `data` was made from, and the `data`.
type Rendered = (Arc<Vec<pmc::Model>>, Arc<RawValue>);

impl RenderedMethods {
    fn get_or_render(
        &self,
        rows: &Arc<Vec<pmc::Model>>,
        country: Option<String>,
        render: impl FnOnce(Option<&str>) -> Value,
    ) -> Result<Arc<RawValue>> {
        if let Ok(map) = self.by_country.read()
            && let Some((from, data)) = map.get(&country)
            && Arc::ptr_eq(from, rows)
        {
            return Ok(data.clone());
        }
        let data: Arc<RawValue> = serde_json::value::to_raw_value(&render(country.as_deref()))
            .map_err(|e| Error::Internal(e.into()))?
            .into();
        if let Ok(mut map) = self.by_country.write() {
            map.insert(country, (rows.clone(), data.clone()));
        }
        Ok(data)
    }
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
