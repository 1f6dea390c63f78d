//! `/admin/billing/topuppackage/`: the credit packages customers may buy (`domain::top_ups`).
//! Add and edit; prices are typed as decimals ("49.00") and stored as minor units by the
//! domain. A package taken off sale (inactive) is no longer offered; invoices already issued
//! keep the credits and price they were issued with.

use axum::Router;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::catalog_admin::{self, TopUpFilter, TopUpPackageInput};
use crate::domain::money::format_minor;
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::top_ups::price_per_credit;
use crate::entities::top_up_package as package;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::editable::{self, Editable};
use crate::web::admin::links;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, yes_no, yes_no_filter};
use crate::web::admin::view::{Cell, Field};

const LIST: &str = links::TOP_UP_PACKAGES;

pub struct TopUpPackages;

impl Record for TopUpPackages {
    const META: Meta = Meta::new(LIST, "Top-up packages", "top-up package", Section::Billing)
        .sorted_by("order")
        .addable();
    type Row = package::Model;
    type Detail = package::Model;

    fn routes() -> Router<AppState> {
        editable::routes::<Self>()
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "Name" => "name", "Credits" => "credits", "Price" => "price", "Currency", "Active",
        "Order" => "order",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<package::Model>> {
        let filter = TopUpFilter {
            active: flag(q, "active"),
            listing: q.listing(),
        };
        Ok(Listed {
            page: catalog_admin::list_top_up_packages(db, &filter, req).await?,
            filters: vec![yes_no_filter(q, LIST, "active")],
        })
    }

    fn cells(p: &package::Model) -> Vec<Cell> {
        vec![
            Cell::link(&p.name, links::href(LIST, p.id)),
            Cell::text(p.credits.to_string()),
            Cell::text(format_minor(p.price, &p.currency)),
            Cell::text(&p.currency),
            yes_no(p.is_active),
            Cell::text(p.sort_order.to_string()),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<package::Model> {
        catalog_admin::get_top_up_package(db, id).await
    }

    fn heading(p: &package::Model) -> String {
        p.name.clone()
    }

    fn facts(p: &package::Model) -> Vec<(String, Cell)> {
        let per_credit = price_per_credit(p.price, p.credits, &p.currency);
        vec![
            fact("ID", Cell::text(p.id.to_string())),
            fact("Credits", Cell::text(p.credits.to_string())),
            fact(
                "Price",
                Cell::text(format!(
                    "{} {}",
                    format_minor(p.price, &p.currency),
                    p.currency
                )),
            ),
            fact(
                "Per credit",
                Cell::text(format!("{per_credit} {}", p.currency)),
            ),
            fact("Active", yes_no(p.is_active)),
            fact("Updated", Cell::text(links::time(p.updated_at))),
        ]
    }
}

/// The form as posted (a checkbox arrives as "on" or not at all).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PackageForm {
    name: String,
    credits: String,
    price: String,
    currency: String,
    is_active: Option<String>,
    sort_order: String,
}

impl Editable for TopUpPackages {
    type Form = PackageForm;

    fn form_of(p: &package::Model) -> PackageForm {
        PackageForm {
            name: p.name.clone(),
            credits: p.credits.to_string(),
            price: format_minor(p.price, &p.currency),
            currency: p.currency.clone(),
            is_active: p.is_active.then(|| "on".into()),
            sort_order: p.sort_order.to_string(),
        }
    }

    /// A new package: on sale, in dollars, last in the list unless ordered otherwise.
    fn blank() -> PackageForm {
        PackageForm {
            currency: "USD".into(),
            is_active: Some("on".into()),
            sort_order: "0".into(),
            ..PackageForm::default()
        }
    }

    fn fields(form: &PackageForm, _: Option<&package::Model>) -> Vec<Field> {
        vec![
            Field::new("text", "name", "Name", &form.name)
                .required()
                .help("Shown to customers, such as \"500 credits\"; unique."),
            Field::new("number", "credits", "Credits", &form.credits)
                .required()
                .help("Added to the balance once the purchase's invoice is paid."),
            Field::new("text", "price", "Price", &form.price)
                .required()
                .help("In the currency below, such as \"49.00\"."),
            Field::new("text", "currency", "Currency", &form.currency)
                .required()
                .help("Three letters (ISO 4217), such as USD."),
            Field::checkbox("is_active", "Active", form.is_active.is_some())
                .help("Offered in GET /api/v1/billing/credits/top-ups/ and the portal."),
            Field::new("number", "sort_order", "Sort order", &form.sort_order).required(),
        ]
    }

    async fn save(
        db: &Db,
        staff: &StaffActor,
        id: Option<i64>,
        form: &PackageForm,
    ) -> Result<String> {
        let input = TopUpPackageInput {
            name: form.name.clone(),
            credits: form.credits.clone(),
            price: form.price.clone(),
            currency: form.currency.clone(),
            is_active: form.is_active.is_some(),
            sort_order: form.sort_order.clone(),
        };
        let saved = match id {
            Some(id) => catalog_admin::update_top_up_package(db, staff, id, input).await?,
            None => catalog_admin::create_top_up_package(db, staff, input).await?,
        };
        Ok(saved.name)
    }
}
