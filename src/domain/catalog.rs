//! Reference data: plans, payment-method configuration per country, industries, credit costs.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::entities::{credit_cost, industry, payment_method_config as pmc, plan};
use crate::error::{Error, Result};

pub const GLOBAL: &str = "*";

/// The enabled payment methods offered in `country` (alpha-2, any case), by sort order.
///
/// A country's own row for a method replaces the global row for that method (a local bank
/// account instead of the international one; a disabled local row hides the method there).
/// Without a country, the global rows.
pub async fn payment_methods_for(db: &Db, country: Option<&str>) -> Result<Vec<pmc::Model>> {
    let country = country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty() && c != GLOBAL);
    let all = all_payment_methods(db).await?;
    let rows: Vec<&pmc::Model> = all
        .iter()
        .filter(|r| r.country_code == GLOBAL || Some(&r.country_code) == country.as_ref())
        .collect();
    let local = |method: &str| {
        rows.iter()
            .any(|r| r.country_code != GLOBAL && r.payment_method == method)
    };
    Ok(rows
        .iter()
        .filter(|r| r.is_enabled)
        .filter(|r| r.country_code != GLOBAL || !local(&r.payment_method))
        .map(|r| (*r).clone())
        .collect())
}

/// Every configuration row, by sort order, from the in-memory copy when it is fresh.
async fn all_payment_methods(db: &Db) -> Result<std::sync::Arc<Vec<pmc::Model>>> {
    let cache = db.catalog_cache();
    if let Some(rows) = cache.methods() {
        return Ok(rows);
    }
    let generation = cache.generation();
    let rows = std::sync::Arc::new(
        pmc::Entity::find()
            .order_by_asc(pmc::Column::SortOrder)
            .order_by_asc(pmc::Column::Id)
            .all(db.conn())
            .await?,
    );
    cache.store(generation, rows.clone());
    Ok(rows)
}

/// The effective configuration of one method in one country, enabled or not found.
pub async fn payment_method(
    db: &Db,
    country: Option<&str>,
    method: &str,
) -> Result<Option<pmc::Model>> {
    Ok(payment_methods_for(db, country)
        .await?
        .into_iter()
        .find(|m| m.payment_method == method))
}

pub async fn public_plans(db: &Db) -> Result<Vec<plan::Model>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::IsActive.eq(true))
        .filter(plan::Column::IsPublic.eq(true))
        .order_by_asc(plan::Column::SortOrder)
        .all(db.conn())
        .await?)
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

pub async fn credit_cost(db: &Db, operation: &str) -> Result<Option<credit_cost::Model>> {
    Ok(credit_cost::Entity::find()
        .filter(credit_cost::Column::OperationType.eq(operation))
        .filter(credit_cost::Column::IsActive.eq(true))
        .one(db.conn())
        .await?)
}

pub async fn credit_costs(db: &Db) -> Result<Vec<credit_cost::Model>> {
    Ok(credit_cost::Entity::find()
        .filter(credit_cost::Column::IsActive.eq(true))
        .order_by_asc(credit_cost::Column::Id)
        .all(db.conn())
        .await?)
}
