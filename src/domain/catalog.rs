//! Reference data: plans, payment-method configuration per country, industries, credit costs.

use std::future::Future;
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::db::cache::Slot;
use crate::domain::found;
use crate::domain::status::PaymentMethod;
use crate::entities::{credit_cost, industry, payment_method_config as pmc, plan};
use crate::error::{Error, Result};

pub const GLOBAL: &str = "*";

/// The enabled payment methods offered in `country` (alpha-2, any case), by sort order.
pub async fn payment_methods_for(db: &Db, country: Option<&str>) -> Result<Vec<pmc::Model>> {
    Ok(methods_for_country(
        &payment_method_rows(db).await?,
        country,
    ))
}

/// The enabled methods of `country` among `all` configuration rows, by their order.
///
/// A country's own row for a method replaces the global row for that method (a local bank
/// account instead of the international one; a disabled local row hides the method there).
/// Without a country, the global rows.
pub fn methods_for_country(all: &[pmc::Model], country: Option<&str>) -> Vec<pmc::Model> {
    let country = country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty() && c != GLOBAL);
    let rows: Vec<&pmc::Model> = all
        .iter()
        .filter(|r| r.country_code == GLOBAL || Some(&r.country_code) == country.as_ref())
        .collect();
    let local = |method: PaymentMethod| {
        rows.iter()
            .any(|r| r.country_code != GLOBAL && r.payment_method == method)
    };
    rows.iter()
        .filter(|r| r.is_enabled)
        .filter(|r| r.country_code != GLOBAL || !local(r.payment_method))
        .map(|r| (*r).clone())
        .collect()
}

/// Every configuration row, by sort order, from the in-memory copy when it is fresh. The same
/// `Arc` is returned until the copy is reloaded, so what callers derive from it can be kept
/// while `Arc::ptr_eq` holds.
pub async fn payment_method_rows(db: &Db) -> Result<Arc<Vec<pmc::Model>>> {
    cached(db, &db.catalog_cache().methods, || {
        pmc::Entity::find()
            .order_by_asc(pmc::Column::SortOrder)
            .order_by_asc(pmc::Column::Id)
            .all(db.conn())
    })
    .await
}

/// The slot's rows while fresh; otherwise `load`s them and keeps them (see `db::cache`).
async fn cached<T, F, Fut>(db: &Db, slot: &Slot<T>, load: F) -> Result<Arc<Vec<T>>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = std::result::Result<Vec<T>, sea_orm::DbErr>>,
{
    if let Some(rows) = slot.get() {
        return Ok(rows);
    }
    let cache = db.catalog_cache();
    let generation = cache.generation();
    let rows = Arc::new(load().await?);
    cache.store(slot, generation, rows.clone());
    Ok(rows)
}

/// Whether this server takes `method`: a manual one always, card and PayPal once their
/// provider's keys are set.
pub fn takes(db: &Db, method: PaymentMethod) -> bool {
    !db.catalog_cache().is_unconfigured(method)
}

/// The effective configuration of one method in one country, enabled or not found.
pub async fn payment_method(
    db: &Db,
    country: Option<&str>,
    method: PaymentMethod,
) -> Result<Option<pmc::Model>> {
    Ok(payment_methods_for(db, country)
        .await?
        .into_iter()
        .find(|m| m.payment_method == method))
}

/// A method's payee details (bank account, wallet number…) as (label, value), in stored order:
/// what the portal's invoice page and the invoice PDF print. `iban` → `IBAN`,
/// `bank_name` → `Bank name`; null values are left out.
pub fn payee_details(method: &pmc::Model) -> Vec<(String, String)> {
    let details = crate::domain::invoices::parse_json(&method.details);
    details
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, v)| {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            Some((detail_label(key), value))
        })
        .collect()
}

fn detail_label(key: &str) -> String {
    match key {
        "iban" | "bic" | "swift" => key.to_uppercase(),
        _ => {
            let spaced = key.replace('_', " ");
            let mut chars = spaced.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

pub async fn public_plans(db: &Db) -> Result<Vec<plan::Model>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::IsActive.eq(true))
        .filter(plan::Column::IsPublic.eq(true))
        .order_by_asc(plan::Column::SortOrder)
        .all(db.conn())
        .await?)
}

/// Every plan, active or not, in display order (staff's filters and names).
pub async fn all_plans(db: &Db) -> Result<Vec<plan::Model>> {
    Ok(plan::Entity::find()
        .order_by_asc(plan::Column::SortOrder)
        .order_by_asc(plan::Column::Id)
        .all(db.conn())
        .await?)
}

/// A plan by id, for a page that names one; a missing plan is "not found".
pub async fn find_plan(db: &Db, id: i64) -> Result<plan::Model> {
    found(db.conn(), id, "Plan").await
}

pub async fn plan_by_slug(db: &Db, slug: &str) -> Result<Option<plan::Model>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::Slug.eq(slug))
        .one(db.conn())
        .await?)
}

pub async fn plan_by_id<C: sea_orm::ConnectionTrait>(db: &C, id: i64) -> Result<plan::Model> {
    plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("plan {id} missing")))
}

pub async fn industries(db: &Db) -> Result<Vec<industry::Model>> {
    Ok(industry::Entity::find()
        .filter(industry::Column::IsActive.eq(true))
        .order_by_asc(industry::Column::Name)
        .all(db.conn())
        .await?)
}

/// The active cost of `operation`, from the in-memory copy: every credit spend asks.
pub async fn credit_cost(db: &Db, operation: &str) -> Result<Option<credit_cost::Model>> {
    Ok(credit_costs(db)
        .await?
        .iter()
        .find(|c| c.operation_type == operation)
        .cloned())
}

/// The active credit costs, by id, from the in-memory copy when it is fresh.
pub async fn credit_costs(db: &Db) -> Result<Arc<Vec<credit_cost::Model>>> {
    cached(db, &db.catalog_cache().costs, || {
        credit_cost::Entity::find()
            .filter(credit_cost::Column::IsActive.eq(true))
            .order_by_asc(credit_cost::Column::Id)
            .all(db.conn())
    })
    .await
}
