//! `/admin/billing/paymentmethodconfig/`: which payment methods each country is offered, with
//! their instructions. Add, edit, enable and disable (one or many); the public
//! `GET /api/v1/billing/admin/payment-methods/` reads the table on every call, so changes show
//! there at once.

use crate::admin::form::Form;
use crate::admin::links;
use crate::admin::record::{Meta, Section};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::admin::query::ListQuery;
use crate::admin::record_pages::{
    flag, page_request, parse_id, refused, search, yes_no, yes_no_filter,
};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{
    Action, Cell, ChangePage, Field, FilterGroup, FormView, ListPage, Row, Search, attach_errors,
    html,
};
use crate::app::AppState;
use crate::domain::catalog::GLOBAL;
use crate::domain::catalog_admin::{self, MethodFilter, PAYMENT_METHODS, PaymentMethodInput};
use crate::entities::payment_method_config as pmc;
use crate::error::FieldErrors;

const LIST: &str = links::PAYMENT_METHODS;
pub const META: Meta = Meta::new(
    LIST,
    "Payment method configs",
    "payment method config",
    Section::Billing,
)
.sorted_by("country")
.addable();
const ADD: &str = "/admin/billing/paymentmethodconfig/add/";
const ENABLE: &str = "enable_selected";
const DISABLE: &str = "disable_selected";
const COUNTRY_HELP: &str = "ISO 3166 alpha-2 (PK, US…), or * for every country. \
                            A country's own row replaces the * row for that method.";
const DETAILS_HELP: &str =
    r#"A JSON object, such as {"bank_name": "ABC Bank", "account": "1234"}."#;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/paymentmethodconfig", get(list).post(bulk_action))
        .route("/billing/paymentmethodconfig/add", get(add).post(create))
        .route("/billing/paymentmethodconfig/{id}", get(change).post(save))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Billing".into(), "/admin/#billing".into())]
}

fn country_label(code: &str) -> String {
    if code == GLOBAL {
        "* (every country)".into()
    } else {
        code.to_owned()
    }
}

/// The start of the instructions, for a list cell.
fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = MethodFilter {
        country: q.get("country").map(str::to_owned),
        method: q.get("method").map(str::to_owned),
        enabled: flag(&q, "enabled"),
        search: search(&q),
        sort: q.get("o").map(str::to_owned),
    };
    let page = catalog_admin::list_payment_methods(&state.db, &filter, page_request(&q)).await?;
    let countries = catalog_admin::payment_method_countries(&state.db).await?;

    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "country");
    let columns = vec![
        column("Display name", Some("name")),
        column("Country", Some("country")),
        column("Method", Some("method")),
        column("Enabled", Some("enabled")),
        column("Order", Some("order")),
        column("Instructions", None),
    ];
    let rows = page
        .items
        .iter()
        .map(|m| Row {
            id: m.id,
            cells: vec![
                Cell::link(&m.display_name, format!("{LIST}{}/", m.id)),
                Cell::text(country_label(&m.country_code)),
                Cell::text(&m.payment_method),
                yes_no(m.is_enabled),
                Cell::text(m.sort_order.to_string()),
                Cell::text(excerpt(&m.instructions)),
            ],
        })
        .collect();

    let option = |key: &str, value: Option<&str>, label: &str| {
        q.filter_option(LIST, key, value, label, None)
    };
    let mut by_country = vec![option("country", None, "All")];
    by_country.extend(
        countries
            .iter()
            .map(|c| option("country", Some(c), &country_label(c))),
    );
    let mut by_method = vec![option("method", None, "All")];
    by_method.extend(PAYMENT_METHODS.iter().map(|m| option("method", Some(m), m)));

    let list = ListPage {
        chrome: staffer
            .chrome(&state, "Payment method configs", crumbs())
            .await?,
        heading: "Select payment method config to change".into(),
        search: Some(Search {
            value: q.get("q").unwrap_or_default().to_owned(),
            hidden: q.hidden(&["q", "p"]),
        }),
        filters: vec![
            FilterGroup {
                title: "country".into(),
                options: by_country,
            },
            FilterGroup {
                title: "method".into(),
                options: by_method,
            },
            yes_no_filter(&q, LIST, "enabled", "enabled"),
        ],
        columns,
        rows,
        actions: vec![
            Action {
                value: ENABLE.into(),
                label: "Enable selected payment methods".into(),
            },
            Action {
                value: DISABLE.into(),
                label: "Disable selected payment methods".into(),
            },
        ],
        action_url: q.href(LIST),
        pager: q.pager(LIST, page.count, page.request.page_size),
        add_href: Some(ADD.into()),
    };
    Ok(html(&list))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf_token: String,
    action: String,
    #[serde(rename = "_selected_action")]
    selected: Vec<String>,
}

/// The list's action menu: enable or disable every ticked configuration together.
pub async fn bulk_action(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let back = ListQuery::parse(uri.query()).href(LIST);
    let ids: Vec<i64> = form
        .selected
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let enabled = match form.action.as_str() {
        ENABLE => Some(true),
        DISABLE => Some(false),
        _ => None,
    };
    let Some(enabled) = enabled.filter(|_| !ids.is_empty()) else {
        let text = "Choose an action and tick the rows it applies to. No items have been changed.";
        staffer.flash_error(&state, text.into()).await?;
        return Ok(Redirect::to(&back).into_response());
    };
    let changed =
        catalog_admin::set_payment_methods_enabled(&state.db, staffer.user.id, &ids, enabled)
            .await?;
    let verb = if enabled { "Enabled" } else { "Disabled" };
    let text = format!("{verb} {} payment method config(s).", changed.len());
    staffer.flash_success(&state, text).await?;
    Ok(Redirect::to(&back).into_response())
}

/// The add/edit form as posted (the checkbox arrives as "on" or not at all).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MethodForm {
    csrf_token: String,
    country_code: String,
    payment_method: String,
    display_name: String,
    instructions: String,
    details: String,
    is_enabled: Option<String>,
    sort_order: String,
}

impl MethodForm {
    fn blank() -> MethodForm {
        MethodForm {
            payment_method: "bank_transfer".into(),
            details: "{}".into(),
            is_enabled: Some("on".into()),
            sort_order: "0".into(),
            ..MethodForm::default()
        }
    }

    fn from_config(m: &pmc::Model) -> MethodForm {
        // Shown indented, so a bank account's fields are easy to edit.
        let details = serde_json::from_str::<serde_json::Value>(&m.details)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| m.details.clone());
        MethodForm {
            csrf_token: String::new(),
            country_code: m.country_code.clone(),
            payment_method: m.payment_method.clone(),
            display_name: m.display_name.clone(),
            instructions: m.instructions.clone(),
            details,
            is_enabled: m.is_enabled.then(|| "on".into()),
            sort_order: m.sort_order.to_string(),
        }
    }

    fn input(&self) -> PaymentMethodInput {
        PaymentMethodInput {
            country_code: self.country_code.clone(),
            payment_method: self.payment_method.clone(),
            display_name: self.display_name.clone(),
            instructions: self.instructions.clone(),
            details: self.details.clone(),
            is_enabled: self.is_enabled.is_some(),
            sort_order: self.sort_order.clone(),
        }
    }

    fn view(&self, title: &str, action: String, errors: &FieldErrors) -> (FormView, String) {
        let methods = PAYMENT_METHODS
            .iter()
            .map(|m| (m.to_string(), m.replace('_', " ")))
            .collect();
        let mut fields = vec![
            Field::new("text", "country_code", "Country code", &self.country_code)
                .required()
                .help(COUNTRY_HELP),
            Field::new(
                "select",
                "payment_method",
                "Payment method",
                &self.payment_method,
            )
            .options(methods),
            Field::new("text", "display_name", "Display name", &self.display_name).required(),
            Field::new(
                "textarea",
                "instructions",
                "Instructions",
                &self.instructions,
            )
            .help("Shown to the customer with their invoice."),
            Field::new("textarea", "details", "Details", &self.details).help(DETAILS_HELP),
            Field::checkbox("is_enabled", "Enabled", self.is_enabled.is_some()),
            Field::new("number", "sort_order", "Sort order", &self.sort_order)
                .required()
                .help("Lower comes first."),
        ];
        let summary = attach_errors(&mut fields, errors);
        let form = FormView {
            title: title.into(),
            action,
            fields,
            submit: "Save".into(),
            danger: false,
        };
        (form, summary)
    }
}

/// The add page (`config` is `None`) or a configuration's change page.
async fn page(
    state: &AppState,
    staffer: &Staffer,
    config: Option<&pmc::Model>,
    form: &MethodForm,
    errors: &FieldErrors,
) -> Result<ChangePage, PageError> {
    let mut crumbs = crumbs();
    crumbs.push(("Payment method configs".into(), LIST.into()));
    let (title, action) = match config {
        Some(m) => (m.display_name.clone(), format!("{LIST}{}/", m.id)),
        None => ("Add payment method config".to_owned(), ADD.to_owned()),
    };
    let (edit, summary) = form.view(
        if config.is_some() { "Edit" } else { "Add" },
        action,
        errors,
    );
    let mut chrome = staffer.chrome(state, title.clone(), crumbs).await?;
    if !errors.is_empty() {
        chrome.messages.push(("error".into(), summary));
    }
    let Some(m) = config else {
        return Ok(ChangePage {
            chrome,
            heading: title,
            fields: vec![],
            tables: vec![],
            forms: vec![edit],
        });
    };
    let mut public = "/api/v1/billing/admin/payment-methods/".to_owned();
    if m.country_code != GLOBAL {
        public.push_str(&format!("?country={}", m.country_code));
    }
    // Switching one config is the list's action on one row, so both go through one path.
    let (action, verb, danger) = match m.is_enabled {
        true => (DISABLE, "Disable", true),
        false => (ENABLE, "Enable", false),
    };
    let id = m.id.to_string();
    Ok(ChangePage {
        chrome,
        heading: format!("Change payment method config: {}", m.display_name),
        fields: vec![
            ("ID".into(), Cell::text(m.id.to_string())),
            ("Country".into(), Cell::text(country_label(&m.country_code))),
            ("Method".into(), Cell::text(&m.payment_method)),
            ("Enabled".into(), yes_no(m.is_enabled)),
            ("Offered at".into(), Cell::link(public.clone(), public)),
        ],
        tables: vec![],
        forms: vec![
            edit,
            FormView {
                title: format!("{verb} this payment method"),
                action: LIST.into(),
                fields: vec![
                    Field::new("hidden", "action", "", action),
                    Field::new("hidden", "_selected_action", "", id),
                ],
                submit: verb.into(),
                danger,
            },
        ],
    })
}

pub async fn add(State(state): State<AppState>, staffer: Staffer) -> Result<Response, PageError> {
    let form = MethodForm::blank();
    Ok(html(
        &page(&state, &staffer, None, &form, &FieldErrors::new()).await?,
    ))
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Payment method config")?;
    let config = catalog_admin::get_payment_method(&state.db, id).await?;
    let form = MethodForm::from_config(&config);
    let page = page(&state, &staffer, Some(&config), &form, &FieldErrors::new()).await?;
    Ok(html(&page))
}

/// Adds a config (`id` is `None`) or changes one; a refused form is shown again, flagged.
async fn store(
    state: AppState,
    staffer: Staffer,
    id: Option<String>,
    form: MethodForm,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = id
        .map(|id| parse_id(&id, "Payment method config"))
        .transpose()?;
    let outcome = match id {
        None => {
            catalog_admin::create_payment_method(&state.db, staffer.user.id, form.input()).await
        }
        Some(id) => {
            catalog_admin::update_payment_method(&state.db, staffer.user.id, id, form.input()).await
        }
    };
    match outcome {
        Ok(m) => {
            let done = if id.is_some() { "changed" } else { "added" };
            let name = m.display_name;
            let text = format!("The payment method config “{name}” was {done} successfully.");
            staffer.flash_success(&state, text).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(e) => {
            let errors = refused(e)?;
            let config = match id {
                Some(id) => Some(catalog_admin::get_payment_method(&state.db, id).await?),
                None => None,
            };
            let page = page(&state, &staffer, config.as_ref(), &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    staffer: Staffer,
    Form(form): Form<MethodForm>,
) -> Result<Response, PageError> {
    store(state, staffer, None, form).await
}

pub async fn save(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<MethodForm>,
) -> Result<Response, PageError> {
    store(state, staffer, Some(id), form).await
}
