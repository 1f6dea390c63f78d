//! Staff's credit top-up packages (`top_up_packages`): what customers may buy, for how much.
//! An invoice copies its package's credits and price when it is issued, so an edit or a
//! package taken off sale changes nothing already billed.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryTrait,
};

use super::{MAX_CREDITS, MAX_INT, duplicate, small, whole};
use crate::db::Db;
use crate::domain::money::parse_amount;
use crate::domain::page::{ListSpec, Listing, Page, PageRequest, list_spec};
use crate::domain::staff::StaffActor;
use crate::domain::validate::required_text;
use crate::domain::{audit, found};
use crate::entities::top_up_package as package;
use crate::error::{Error, Problems, Result};

/// What a package is called in messages ("… not found") and in the audit log.
const NAME: &str = "Top-up package";
const OBJECT_TYPE: &str = "top_up_package";

#[derive(Debug, Default, Clone)]
pub struct TopUpFilter {
    pub active: Option<bool>,
    /// Searches the name.
    pub listing: Listing,
}

const PACKAGES: ListSpec<package::Entity> = list_spec! {
    package: search [Name],
    sorts ["id" Id, "name" Name, "credits" Credits, "price" Price, "order" SortOrder],
    default "order", ties [Id Asc]
};

/// Every package, on sale or not, in the order customers see them unless sorted.
pub async fn list_top_up_packages(
    db: &Db,
    f: &TopUpFilter,
    req: PageRequest,
) -> Result<Page<package::Model>> {
    let select = package::Entity::find()
        .apply_if(f.active, |q, on| q.filter(package::Column::IsActive.eq(on)));
    PACKAGES.list(select, &f.listing, db.conn(), req).await
}

pub async fn get_top_up_package(db: &Db, id: i64) -> Result<package::Model> {
    found(db.conn(), id, NAME).await
}

/// A package as staff type it.
#[derive(Debug, Default, Clone)]
pub struct TopUpPackageInput {
    pub name: String,
    /// Credits granted when its invoice is paid: a whole number above zero.
    pub credits: String,
    /// A decimal amount in `currency`, such as "49.00" (zero is allowed: a free package).
    pub price: String,
    /// ISO 4217, three letters (any case).
    pub currency: String,
    pub is_active: bool,
    pub sort_order: String,
}

/// Checks the input and writes it into `row`, every problem named at once.
fn fill(input: &TopUpPackageInput, row: &mut package::ActiveModel) -> Result<()> {
    let mut p = Problems::default();
    let name = required_text(Some(&input.name), "name", 100, &mut p);
    let credits = whole(&input.credits, "credits", 1, MAX_CREDITS, &mut p);
    let currency = input.currency.trim().to_ascii_uppercase();
    let currency_ok = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
    if !currency_ok {
        p.add(
            "currency",
            "Enter a three-letter ISO 4217 code, such as USD.",
        );
    }
    // The price's decimals depend on the currency: read only once the currency is known.
    let price = match (currency_ok, input.price.trim()) {
        (_, "") => {
            p.add("price", "This field is required.");
            0
        }
        (true, text) => parse_amount(text, &currency).unwrap_or_else(|e| {
            p.add("price", e.message());
            0
        }),
        (false, _) => 0,
    };
    let sort_order = whole(&input.sort_order, "sort_order", -MAX_INT, MAX_INT, &mut p);
    p.finish()?;
    row.name = Set(name);
    row.credits = Set(credits);
    row.price = Set(price);
    row.currency = Set(currency);
    row.is_active = Set(input.is_active);
    row.sort_order = Set(small(sort_order));
    row.updated_at = Set(Utc::now());
    Ok(())
}

/// Names are unique: the index decides, races included.
fn taken(err: DbErr, input: &TopUpPackageInput) -> Error {
    let name = input.name.trim();
    duplicate(
        err,
        "name",
        format!("A top-up package named “{name}” already exists."),
    )
}

pub async fn create_top_up_package(
    db: &Db,
    actor: &StaffActor,
    input: TopUpPackageInput,
) -> Result<package::Model> {
    let mut row = <package::ActiveModel as Default>::default();
    fill(&input, &mut row)?;
    row.created_at = Set(Utc::now());
    let txn = db.begin_write().await?;
    let saved = row.insert(&*txn).await.map_err(|e| taken(e, &input))?;
    let (id, action) = (saved.id, "top_up_package.create");
    audit::commit_one(txn, actor.id(), action, OBJECT_TYPE, id, None, saved).await
}

pub async fn update_top_up_package(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    input: TopUpPackageInput,
) -> Result<package::Model> {
    let txn = db.begin_write().await?;
    let before: package::Model = found(&*txn, id, NAME).await?;
    let mut row = before.clone().into_active_model();
    fill(&input, &mut row)?;
    let saved = row.update(&*txn).await.map_err(|e| taken(e, &input))?;
    let action = "top_up_package.update";
    audit::commit_one(
        txn,
        actor.id(),
        action,
        OBJECT_TYPE,
        id,
        Some(&before),
        saved,
    )
    .await
}
