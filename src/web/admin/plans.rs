//! `/admin/billing/plan/`: every plan (public or not) and its edit form. Prices are typed as
//! decimals ("89.00") and stored as minor units by the domain; the slug and currency are fixed.

use axum::Router;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::catalog;
use crate::domain::catalog_admin::{self, BILLING_CYCLES, PlanFilter, PlanInput};
use crate::domain::money::format_minor;
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::entities::plan;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::editable::{self, Editable};
use crate::web::admin::links;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, yes_no, yes_no_filter};
use crate::web::admin::view::{Cell, Field};

const LIST: &str = links::PLANS;

fn price(p: &plan::Model) -> String {
    format!("{} {}", format_minor(p.price, &p.currency), p.currency)
}

pub struct Plans;

impl Record for Plans {
    const META: Meta = Meta::new(LIST, "Plans", "plan", Section::Billing).sorted_by("order");
    type Row = plan::Model;
    type Detail = plan::Model;

    fn routes() -> Router<AppState> {
        editable::routes::<Self>()
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "Name" => "name", "Slug", "Price" => "price", "Billing cycle", "Credits" => "credits",
        "Max sites", "Max users", "Active", "Public", "Order" => "order",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<plan::Model>> {
        let filter = PlanFilter {
            active: flag(q, "active"),
            public: flag(q, "public"),
            listing: q.listing(),
        };
        Ok(Listed {
            page: catalog_admin::list_plans(db, &filter, req).await?,
            filters: vec![
                yes_no_filter(q, LIST, "active"),
                yes_no_filter(q, LIST, "public"),
            ],
        })
    }

    fn cells(p: &plan::Model) -> Vec<Cell> {
        vec![
            Cell::link(&p.name, links::href(LIST, p.id)),
            Cell::text(&p.slug),
            Cell::text(price(p)),
            Cell::text(&p.billing_cycle),
            Cell::text(p.included_credits.to_string()),
            Cell::text(p.max_sites.to_string()),
            Cell::text(p.max_users.to_string()),
            yes_no(p.is_active),
            yes_no(p.is_public),
            Cell::text(p.sort_order.to_string()),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<plan::Model> {
        catalog::find_plan(db, id).await
    }

    fn heading(p: &plan::Model) -> String {
        p.name.clone()
    }

    fn facts(p: &plan::Model) -> Vec<(String, Cell)> {
        vec![
            fact("ID", Cell::text(p.id.to_string())),
            fact("Slug", Cell::text(&p.slug)),
            fact("Currency", Cell::text(&p.currency)),
            fact("Price", Cell::text(price(p))),
            fact("Active", yes_no(p.is_active)),
            fact("Public", yes_no(p.is_public)),
        ]
    }
}

impl Editable for Plans {
    type Form = PlanForm;

    fn form_of(p: &plan::Model) -> PlanForm {
        PlanForm::from_plan(p)
    }

    fn fields(form: &PlanForm, plan: Option<&plan::Model>) -> Vec<Field> {
        form.fields(plan.map_or("USD", |p| p.currency.as_str()))
    }

    async fn save(db: &Db, staff: &StaffActor, id: Option<i64>, form: &PlanForm) -> Result<String> {
        // Plans are seeded, never added from the panel: there is always an id.
        let id = id.unwrap_or_default();
        Ok(catalog_admin::update_plan(db, staff, id, form.input())
            .await?
            .name)
    }
}

/// The edit form as posted (checkboxes arrive as "on" or not at all).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    name: String,
    price: String,
    billing_cycle: String,
    included_credits: String,
    max_sites: String,
    max_users: String,
    is_active: Option<String>,
    is_public: Option<String>,
    sort_order: String,
}

impl PlanForm {
    fn from_plan(p: &plan::Model) -> PlanForm {
        PlanForm {
            name: p.name.clone(),
            price: format_minor(p.price, &p.currency),
            billing_cycle: p.billing_cycle.clone(),
            included_credits: p.included_credits.to_string(),
            max_sites: p.max_sites.to_string(),
            max_users: p.max_users.to_string(),
            is_active: p.is_active.then(|| "on".into()),
            is_public: p.is_public.then(|| "on".into()),
            sort_order: p.sort_order.to_string(),
        }
    }

    fn input(&self) -> PlanInput {
        PlanInput {
            name: self.name.clone(),
            price: self.price.clone(),
            billing_cycle: self.billing_cycle.clone(),
            included_credits: self.included_credits.clone(),
            max_sites: self.max_sites.clone(),
            max_users: self.max_users.clone(),
            is_active: self.is_active.is_some(),
            is_public: self.is_public.is_some(),
            sort_order: self.sort_order.clone(),
        }
    }

    fn fields(&self, currency: &str) -> Vec<Field> {
        let cycles = BILLING_CYCLES
            .iter()
            .map(|c| (c.to_string(), c.to_string()))
            .collect();
        vec![
            Field::new("text", "name", "Name", &self.name).required(),
            Field::new("text", "price", "Price", &self.price)
                .required()
                .help(format!("In {currency}, such as \"89.00\".")),
            Field::new(
                "select",
                "billing_cycle",
                "Billing cycle",
                &self.billing_cycle,
            )
            .options(cycles),
            Field::new(
                "number",
                "included_credits",
                "Included credits",
                &self.included_credits,
            )
            .required()
            .help("Granted on each approved payment."),
            Field::new("number", "max_sites", "Max sites", &self.max_sites).required(),
            Field::new("number", "max_users", "Max users", &self.max_users).required(),
            Field::checkbox("is_active", "Active", self.is_active.is_some()),
            Field::checkbox("is_public", "Public", self.is_public.is_some())
                .help("Offered at sign-up and in GET /api/v1/billing/plans/."),
            Field::new("number", "sort_order", "Sort order", &self.sort_order).required(),
        ]
    }
}
