//! Public reference data: payment methods per country, plans, industries, credit costs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Extension;
use axum::extract::State;
use serde_json::value::RawValue;

use crate::api::envelope::{Cached, Envelope, Reply, ok, ok_raw};
use crate::api::errors::QueryErrors;
use crate::api::extract::Params;
use crate::api::operations::public_list;
use crate::api::replies::accounts::Plan;
use crate::api::replies::billing::PaymentMethod;
use crate::api::replies::lists::{self, Page};
use crate::api::replies::usage::{CreditCost, Industry};
use crate::domain::catalog;
use crate::domain::validate::normalize_country;
use crate::entities::payment_method_config as pmc;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Payment methods for a country (public: the sign-up form needs them).
///
/// The country's own enabled rows with the global ones (`*`), by sort order; a country row for
/// a method replaces the global row for that method. Without `country`, the global rows.
#[utoipa::path(
    get,
    path = "/billing/admin/payment-methods",
    tag = "catalog",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166 alpha-2 code, any case (`*`: the global rows)"),
    ),
    responses(
        (status = 200, description = "Enabled methods for the country plus the global ones", body = Envelope<Page<PaymentMethod>>),
        QueryErrors,
    ),
    security(),
)]
pub async fn payment_methods(
    State(state): State<AppState>,
    Extension(rendered): Extension<Arc<RenderedMethods>>,
    params: Params,
) -> Result<Reply<Cached>> {
    let country =
        match params.get("country") {
            None => None,
            Some(raw) if raw.trim() == catalog::GLOBAL => None,
            Some(raw) => Some(normalize_country(raw).ok_or_else(|| {
                Error::field("country", "Enter a two-letter ISO 3166 country code.")
            })?),
        };
    let rows = catalog::payment_method_rows(&state.db).await?;
    let data = rendered.get_or_render(&rows, country, |country| {
        let methods = catalog::methods_for_country(&rows, country);
        let mut page: Page<PaymentMethod> = lists::whole(&methods);
        for method in &mut page.results {
            method.available = catalog::takes(&state.db, method.payment_method);
        }
        page
    })?;
    Ok(ok_raw(data))
}

/// `GET payment-methods`'s `data` per country, serialised once per copy of the configuration:
/// the route is read on every sign-up form, and building and serialising the reply was most
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
        render: impl FnOnce(Option<&str>) -> Page<PaymentMethod>,
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

public_list! {
    /// The public plans.
    plans: "/billing/plans", "Public plans", catalog::public_plans => Plan
}

public_list! {
    /// The industries a site can have.
    industries: "/industries", "Industries a site can have", catalog::industries => Industry
}

public_list! {
    /// What each product operation costs in credits.
    credit_costs: "/billing/credit-costs", "What each operation costs",
    catalog::credit_costs => CreditCost
}
