//! `/admin/billing/plan/`: every plan (public or not) and its edit form. Prices are typed as
//! decimals ("89.00") and stored as minor units by the domain; the slug and currency are fixed.

use crate::admin::form::Form;
use crate::admin::links;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::admin::query::ListQuery;
use crate::admin::record_pages::{
    self, flag, page_request, parse_id, refused, search, yes_no, yes_no_filter,
};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, Field, FormView, ListPage, Row, attach_errors, html};
use crate::app::AppState;
use crate::domain::catalog;
use crate::domain::catalog_admin::{self, BILLING_CYCLES, PlanFilter, PlanInput};
use crate::domain::money::format_minor;
use crate::entities::plan;
use crate::error::FieldErrors;

const LIST: &str = links::PLANS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/plan", get(list))
        .route("/billing/plan/{id}", get(change).post(save))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Billing".into(), "/admin/#billing".into())]
}

fn price(p: &plan::Model) -> String {
    format!("{} {}", format_minor(p.price, &p.currency), p.currency)
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = PlanFilter {
        active: flag(&q, "active"),
        public: flag(&q, "public"),
        search: search(&q),
        sort: q.get("o").map(str::to_owned),
    };
    let page = catalog_admin::list_plans(&state.db, &filter, page_request(&q)).await?;
    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "order");
    let columns = vec![
        column("Name", Some("name")),
        column("Slug", None),
        column("Price", Some("price")),
        column("Billing cycle", None),
        column("Credits", Some("credits")),
        column("Max sites", None),
        column("Max users", None),
        column("Active", None),
        column("Public", None),
        column("Order", Some("order")),
    ];
    let rows = page
        .items
        .iter()
        .map(|p| Row {
            id: p.id,
            cells: vec![
                Cell::link(&p.name, format!("{LIST}{}/", p.id)),
                Cell::text(&p.slug),
                Cell::text(price(p)),
                Cell::text(&p.billing_cycle),
                Cell::text(p.included_credits.to_string()),
                Cell::text(p.max_sites.to_string()),
                Cell::text(p.max_users.to_string()),
                yes_no(p.is_active),
                yes_no(p.is_public),
                Cell::text(p.sort_order.to_string()),
            ],
        })
        .collect();
    let list = ListPage {
        chrome: staffer.chrome(&state, "Plans", crumbs()).await?,
        heading: "Select plan to change".into(),
        search: record_pages::search_box(&q),
        filters: vec![
            yes_no_filter(&q, LIST, "active", "active"),
            yes_no_filter(&q, LIST, "public", "public"),
        ],
        columns,
        rows,
        actions: vec![],
        action_url: LIST.into(),
        pager: q.pager(LIST, page.count, page.request.page_size),
        add_href: None,
    };
    Ok(html(&list))
}

/// The edit form as posted (checkboxes arrive as "on" or not at all).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    csrf_token: String,
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
            csrf_token: String::new(),
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

/// The plan's page: its fixed facts, and the edit form (flagged after a refused save).
async fn page(
    state: &AppState,
    staffer: &Staffer,
    plan: &plan::Model,
    form: &PlanForm,
    errors: &FieldErrors,
) -> Result<ChangePage, PageError> {
    let mut fields = form.fields(&plan.currency);
    let mut crumbs = crumbs();
    crumbs.push(("Plans".into(), LIST.into()));
    let mut chrome = staffer.chrome(state, plan.name.clone(), crumbs).await?;
    if !errors.is_empty() {
        let summary = attach_errors(&mut fields, errors);
        chrome.messages.push(("error".into(), summary));
    }
    Ok(ChangePage {
        chrome,
        heading: format!("Change plan: {}", plan.name),
        fields: vec![
            ("ID".into(), Cell::text(plan.id.to_string())),
            ("Slug".into(), Cell::text(&plan.slug)),
            ("Currency".into(), Cell::text(&plan.currency)),
            ("Price".into(), Cell::text(price(plan))),
            ("Active".into(), yes_no(plan.is_active)),
            ("Public".into(), yes_no(plan.is_public)),
        ],
        tables: vec![],
        forms: vec![FormView {
            title: "Edit".into(),
            action: format!("{LIST}{}/", plan.id),
            fields,
            submit: "Save".into(),
            danger: false,
        }],
    })
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let plan = catalog::find_plan(&state.db, parse_id(&id, "Plan")?).await?;
    let form = PlanForm::from_plan(&plan);
    let page = page(&state, &staffer, &plan, &form, &FieldErrors::new()).await?;
    Ok(html(&page))
}

pub async fn save(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<PlanForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = parse_id(&id, "Plan")?;
    match catalog_admin::update_plan(&state.db, staffer.user.id, id, form.input()).await {
        Ok(plan) => {
            let text = format!("The plan “{}” was changed successfully.", plan.name);
            staffer.flash_success(&state, text).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(e) => {
            let errors = refused(e)?;
            let plan = catalog::find_plan(&state.db, id).await?;
            let page = page(&state, &staffer, &plan, &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}
