//! Staff's side of the catalogue: plans, payment-method configs, industries, sites and credit
//! top-up packages. Lists with filters, search, sort and pages for the admin panel, and the
//! edits staff make — each one transaction, with its input checked here so every interface
//! refuses the same things.
//!
//! Plans and industries are here with the form helpers every edit shares; payment-method
//! configs, sites and top-up packages are in `catalog_admin/`. Nothing is cached:
//! `catalog::payment_methods_for` and the plan list read these tables on every request, so an
//! edit shows on the public API at once.

mod payment_methods;
mod sites;
mod top_up_packages;

pub use payment_methods::{
    MethodFilter, PAYMENT_METHODS, PaymentMethodInput, create_payment_method, get_payment_method,
    list_payment_methods, payment_method_countries, set_payment_methods_enabled,
    update_payment_method,
};
pub use sites::{SiteDetail, SiteFilter, SiteRow, get_site, list_sites, set_site_active};
pub use top_up_packages::{
    TopUpFilter, TopUpPackageInput, create_top_up_package, get_top_up_package,
    list_top_up_packages, update_top_up_package,
};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QueryTrait,
};

use crate::db::{Db, is_unique_violation};
use crate::domain::money::parse_amount;
use crate::domain::page::{ListSpec, Listing, Page, PageRequest, list_spec};
use crate::domain::staff::StaffActor;
use crate::domain::status::BillingCycle;
use crate::domain::validate::{required_text, slugify};
use crate::domain::{audit, found};
use crate::entities::{industry, plan};
use crate::error::{Error, Problems, Result};

pub const BILLING_CYCLES: [&str; 2] = BillingCycle::TEXTS;
const MAX_CREDITS: i64 = 1_000_000_000;
const MAX_INT: i64 = i32::MAX as i64;

/// A whole number typed into a form, within `min..=max`.
fn whole(text: &str, field: &str, min: i64, max: i64, p: &mut Problems) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        Ok(_) => {
            p.add(field, format!("Enter a whole number from {min} to {max}."));
            0
        }
        Err(_) => {
            p.add(field, "Enter a whole number.");
            0
        }
    }
}

fn small(n: i64) -> i32 {
    i32::try_from(n).unwrap_or_default()
}

/// A lost race on a unique index (or a plain duplicate) is a field error, not a 500.
fn duplicate(err: DbErr, field: &str, message: String) -> Error {
    match is_unique_violation(&err) {
        true => Error::field(field, message),
        false => err.into(),
    }
}

fn not_found(what: &str) -> impl FnOnce() -> Error {
    move || Error::NotFound(format!("{what} not found"))
}

// ---- plans ------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct PlanFilter {
    pub active: Option<bool>,
    pub public: Option<bool>,
    /// Searches name or slug.
    pub listing: Listing,
}

const PLANS: ListSpec<plan::Entity> = list_spec! {
    plan: search [Name, Slug],
    sorts ["id" Id, "name" Name, "price" Price, "credits" IncludedCredits, "order" SortOrder],
    default "order", ties [Id Asc]
};

/// Every plan, public or not, in the order sign-up shows them unless sorted.
pub async fn list_plans(db: &Db, f: &PlanFilter, req: PageRequest) -> Result<Page<plan::Model>> {
    let select = plan::Entity::find()
        .apply_if(f.active, |q, on| q.filter(plan::Column::IsActive.eq(on)))
        .apply_if(f.public, |q, public| {
            q.filter(plan::Column::IsPublic.eq(public))
        });
    PLANS.list(select, &f.listing, db.conn(), req).await
}

/// A plan as staff edit it, as typed (the slug and currency are fixed).
#[derive(Debug, Default, Clone)]
pub struct PlanInput {
    pub name: String,
    /// A decimal amount in the plan's currency, such as "89.00".
    pub price: String,
    pub billing_cycle: String,
    pub included_credits: String,
    pub max_sites: String,
    pub max_users: String,
    pub is_active: bool,
    pub is_public: bool,
    pub sort_order: String,
}

pub async fn update_plan(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    input: PlanInput,
) -> Result<plan::Model> {
    let txn = db.begin_write().await?;
    let current: plan::Model = found(&*txn, id, "Plan").await?;
    let mut p = Problems::default();
    let name = required_text(Some(&input.name), "name", 100, &mut p);
    let price = parse_amount(&input.price, &current.currency).unwrap_or_else(|e| {
        p.add("price", e.message());
        0
    });
    if !BILLING_CYCLES.contains(&input.billing_cycle.as_str()) {
        p.add("billing_cycle", "Choose monthly or annual.");
    }
    let credits = whole(
        &input.included_credits,
        "included_credits",
        0,
        MAX_CREDITS,
        &mut p,
    );
    let max_sites = whole(&input.max_sites, "max_sites", 0, MAX_INT, &mut p);
    let max_users = whole(&input.max_users, "max_users", 0, MAX_INT, &mut p);
    let sort_order = whole(&input.sort_order, "sort_order", -MAX_INT, MAX_INT, &mut p);
    p.finish()?;

    let mut row = current.clone().into_active_model();
    row.name = Set(name);
    row.price = Set(price);
    row.billing_cycle = Set(input.billing_cycle);
    row.included_credits = Set(credits);
    row.max_sites = Set(small(max_sites));
    row.max_users = Set(small(max_users));
    row.is_active = Set(input.is_active);
    row.is_public = Set(input.is_public);
    row.sort_order = Set(small(sort_order));
    let saved = row.update(&*txn).await?;
    let action = "plan.update";
    audit::commit_one(txn, actor.id(), action, "plan", id, Some(&current), saved).await
}

// ---- industries --------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct IndustryFilter {
    pub active: Option<bool>,
    /// Searches name or slug.
    pub listing: Listing,
}

const INDUSTRIES: ListSpec<industry::Entity> = list_spec! {
    industry: search [Name, Slug],
    sorts ["id" Id, "name" Name, "slug" Slug],
    default "name", ties [Id Asc]
};

pub async fn list_industries(
    db: &Db,
    f: &IndustryFilter,
    req: PageRequest,
) -> Result<Page<industry::Model>> {
    let select = industry::Entity::find().apply_if(f.active, |q, on| {
        q.filter(industry::Column::IsActive.eq(on))
    });
    INDUSTRIES.list(select, &f.listing, db.conn(), req).await
}

/// Every industry, inactive ones too, by name (for filters and labels).
pub async fn all_industries(db: &Db) -> Result<Vec<industry::Model>> {
    Ok(industry::Entity::find()
        .order_by_asc(industry::Column::Name)
        .all(db.conn())
        .await?)
}

pub async fn get_industry(db: &Db, id: i64) -> Result<industry::Model> {
    found(db.conn(), id, "Industry").await
}

#[derive(Debug, Default, Clone)]
pub struct IndustryInput {
    pub name: String,
    pub is_active: bool,
}

fn industry_name(input: &IndustryInput) -> Result<String> {
    let mut p = Problems::default();
    let name = required_text(Some(&input.name), "name", 100, &mut p);
    // Without one, the slug would be slugify's generic fallback.
    if !p.has("name") && !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        p.add(
            "name",
            "Use at least one letter or digit (a–z, 0–9): the slug is made from it.",
        );
    }
    p.finish()?;
    Ok(name)
}

/// Creates an industry; its slug comes from the name and is never changed afterwards (sites
/// and sign-up forms may refer to it).
pub async fn create_industry(
    db: &Db,
    actor: &StaffActor,
    input: IndustryInput,
) -> Result<industry::Model> {
    let name = industry_name(&input)?;
    let slug = slugify(&name);
    let txn = db.begin_write().await?;
    let saved = industry::ActiveModel {
        slug: Set(slug.clone()),
        name: Set(name),
        is_active: Set(input.is_active),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .map_err(|e| {
        duplicate(
            e,
            "name",
            format!("An industry with the slug “{slug}” already exists."),
        )
    })?;
    let action = "industry.create";
    audit::commit_one(txn, actor.id(), action, "industry", saved.id, None, saved).await
}

pub async fn update_industry(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    input: IndustryInput,
) -> Result<industry::Model> {
    let name = industry_name(&input)?;
    let txn = db.begin_write().await?;
    let before: industry::Model = found(&*txn, id, "Industry").await?;
    let mut row = before.clone().into_active_model();
    row.name = Set(name);
    row.is_active = Set(input.is_active);
    let saved = row.update(&*txn).await?;
    let action = "industry.update";
    audit::commit_one(
        txn,
        actor.id(),
        action,
        "industry",
        id,
        Some(&before),
        saved,
    )
    .await
}
