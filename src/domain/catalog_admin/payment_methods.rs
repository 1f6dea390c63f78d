//! Staff's payment-method configuration: one row per (country, method), `*` for every
//! country. The public `catalog::payment_methods_for` reads this table on every call.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, QueryTrait,
};

use super::{MAX_INT, duplicate, small, whole};
use crate::db::{Db, WriteTxn};
use crate::domain::catalog::GLOBAL;
use crate::domain::page::{ListSpec, Listing, Page, PageRequest, given, list_spec};
use crate::domain::staff::StaffActor;
use crate::domain::status::{PaymentMethod, TextEnum};
use crate::domain::validate::{normalize_country, required_text};
use crate::domain::{audit, found};
use crate::entities::payment_method_config as pmc;
use crate::error::{Error, Problems, Result};

/// What a configuration is called in messages ("… not found") and in the audit log.
const NAME: &str = "Payment method config";
const OBJECT_TYPE: &str = "payment_method_config";

/// The methods staff may configure (the panel's choices).
pub const PAYMENT_METHODS: [&str; 5] = PaymentMethod::TEXTS;

#[derive(Debug, Default, Clone)]
pub struct MethodFilter {
    pub country: Option<String>,
    pub method: Option<String>,
    pub enabled: Option<bool>,
    /// Searches display name or instructions.
    pub listing: Listing,
}

const METHODS: ListSpec<pmc::Entity> = list_spec! {
    pmc: search [DisplayName, Instructions],
    sorts ["id" Id, "country" CountryCode, "method" PaymentMethod, "name" DisplayName,
        "enabled" IsEnabled, "order" SortOrder],
    default "country", ties [SortOrder Asc, Id Asc]
};

/// Every configuration, enabled or not; by country, then as offered, unless sorted.
pub async fn list_payment_methods(
    db: &Db,
    f: &MethodFilter,
    req: PageRequest,
) -> Result<Page<pmc::Model>> {
    let select = pmc::Entity::find()
        .apply_if(given(&f.country), |q, country| {
            q.filter(pmc::Column::CountryCode.eq(country.to_ascii_uppercase()))
        })
        .apply_if(given(&f.method), |q, m| {
            q.filter(pmc::Column::PaymentMethod.eq(m))
        })
        .apply_if(f.enabled, |q, on| q.filter(pmc::Column::IsEnabled.eq(on)));
    METHODS.list(select, &f.listing, db.conn(), req).await
}

/// The country codes that have configurations (`*` first), for the list's filter.
pub async fn payment_method_countries(db: &Db) -> Result<Vec<String>> {
    let mut codes: Vec<String> = pmc::Entity::find()
        .select_only()
        .column(pmc::Column::CountryCode)
        .distinct()
        .into_tuple()
        .all(db.conn())
        .await?;
    // Sorted here: a database collation may not put `*` before the letters.
    codes.sort_by(|a, b| (a != GLOBAL, a).cmp(&(b != GLOBAL, b)));
    Ok(codes)
}

pub async fn get_payment_method(db: &Db, id: i64) -> Result<pmc::Model> {
    found(db.conn(), id, NAME).await
}

#[derive(Debug, Default, Clone)]
pub struct PaymentMethodInput {
    /// ISO 3166 alpha-2 (any case) or `*` for every country.
    pub country_code: String,
    pub payment_method: String,
    pub display_name: String,
    pub instructions: String,
    /// A JSON object (bank account, wallet number…); empty means `{}`.
    pub details: String,
    pub is_enabled: bool,
    pub sort_order: String,
}

/// Checks the input and writes it into `row`.
fn fill_method(input: PaymentMethodInput, row: &mut pmc::ActiveModel) -> Result<()> {
    let mut p = Problems::default();
    let raw_country = input.country_code.trim();
    let country = if raw_country == GLOBAL {
        GLOBAL.to_owned()
    } else {
        normalize_country(raw_country).unwrap_or_else(|| {
            p.add(
                "country_code",
                "Enter a two-letter ISO 3166 code, or * for every country.",
            );
            String::new()
        })
    };
    let method = PaymentMethod::parse(&input.payment_method);
    if method.is_none() {
        p.add(
            "payment_method",
            format!("Choose one of: {}.", PaymentMethod::listed()),
        );
    }
    let name = required_text(Some(&input.display_name), "display_name", 100, &mut p);
    let details = match input.details.trim() {
        "" => "{}".to_owned(),
        text => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v @ serde_json::Value::Object(_)) => v.to_string(),
            _ => {
                p.add(
                    "details",
                    r#"Enter a JSON object, such as {"bank_name": "ABC Bank"}."#,
                );
                String::new()
            }
        },
    };
    let sort_order = whole(&input.sort_order, "sort_order", -MAX_INT, MAX_INT, &mut p);
    p.finish()?;
    let method = method.ok_or_else(|| Error::Internal(anyhow::anyhow!("method checked above")))?;
    row.country_code = Set(country);
    row.payment_method = Set(method);
    row.display_name = Set(name);
    row.instructions = Set(input.instructions.trim().to_owned());
    row.details = Set(details);
    row.is_enabled = Set(input.is_enabled);
    row.sort_order = Set(small(sort_order));
    Ok(())
}

/// There is one configuration per (country, method): the unique index decides, races included.
fn taken(err: DbErr) -> Error {
    let message = "A configuration for this country and payment method already exists.";
    duplicate(err, "payment_method", message.into())
}

/// Records a configuration's creation or edit, commits, and drops the in-memory copy of the
/// configurations: the public list must show the edit at once.
async fn commit_edit(
    db: &Db,
    txn: WriteTxn,
    actor: &StaffActor,
    action: &str,
    before: Option<&pmc::Model>,
    saved: pmc::Model,
) -> Result<pmc::Model> {
    let id = saved.id;
    let saved = audit::commit_one(txn, actor.id(), action, OBJECT_TYPE, id, before, saved).await?;
    db.catalog_cache().invalidate();
    Ok(saved)
}

pub async fn create_payment_method(
    db: &Db,
    actor: &StaffActor,
    input: PaymentMethodInput,
) -> Result<pmc::Model> {
    let mut row = <pmc::ActiveModel as Default>::default();
    fill_method(input, &mut row)?;
    let txn = db.begin_write().await?;
    let saved = row.insert(&*txn).await.map_err(taken)?;
    commit_edit(db, txn, actor, "payment_method.create", None, saved).await
}

pub async fn update_payment_method(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    input: PaymentMethodInput,
) -> Result<pmc::Model> {
    let txn = db.begin_write().await?;
    let before: pmc::Model = found(&*txn, id, NAME).await?;
    let mut row = before.clone().into_active_model();
    fill_method(input, &mut row)?;
    let saved = row.update(&*txn).await.map_err(taken)?;
    commit_edit(
        db,
        txn,
        actor,
        "payment_method.update",
        Some(&before),
        saved,
    )
    .await
}

/// Enables or disables these configurations together: all of them, or (one missing) none.
pub async fn set_payment_methods_enabled(
    db: &Db,
    actor: &StaffActor,
    ids: &[i64],
    enabled: bool,
) -> Result<Vec<pmc::Model>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let txn = db.begin_write().await?;
    let before: std::collections::HashMap<i64, pmc::Model> = pmc::Entity::find()
        .filter(pmc::Column::Id.is_in(ids.iter().copied()))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let changed = pmc::Entity::update_many()
        .col_expr(pmc::Column::IsEnabled, Expr::value(enabled))
        .filter(pmc::Column::Id.is_in(ids.iter().copied()))
        .exec_with_returning(&*txn)
        .await?;
    if changed.len() != ids.len() || ids.is_empty() {
        return Err(Error::NotFound(format!("{NAME} not found")));
    }
    let action = if enabled {
        "payment_method.enable"
    } else {
        "payment_method.disable"
    };
    // Collected first: a lazy iterator's closure held across the awaits would not be `Send`.
    let changes: Vec<audit::Changed<'_, pmc::Model>> = changed
        .iter()
        .map(|after| (after.id, before.get(&after.id), after))
        .collect();
    audit::commit_changes(txn, actor.id(), action, OBJECT_TYPE, changes).await?;
    // The public list must show the edit at once.
    db.catalog_cache().invalidate();
    Ok(changed)
}
