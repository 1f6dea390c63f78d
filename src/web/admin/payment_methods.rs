//! `/admin/billing/paymentmethodconfig/`: which payment methods each country is offered, with
//! their instructions. Add, edit, enable and disable (one or many); the public
//! `GET /api/v1/billing/admin/payment-methods/` reads the table on every call, so changes show
//! there at once.

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::catalog::GLOBAL;
use crate::domain::catalog_admin::{self, MethodFilter, PAYMENT_METHODS, PaymentMethodInput};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::entities::payment_method_config as pmc;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::editable::{self, Editable};
use crate::web::admin::links;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, yes_no, yes_no_filter};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Action, Cell, Field, FilterGroup, FormView};
use crate::web::error::PageError;
use crate::web::form::Posted;
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::PAYMENT_METHODS;
const ENABLE: &str = "enable_selected";
const DISABLE: &str = "disable_selected";
const COUNTRY_HELP: &str = "ISO 3166 alpha-2 (PK, US…), or * for every country. \
                            A country's own row replaces the * row for that method.";
const DETAILS_HELP: &str =
    r#"A JSON object, such as {"bank_name": "ABC Bank", "account": "1234"}."#;

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

/// Payment-method configuration rows, one per (country, method).
pub struct PaymentMethods;

impl Record for PaymentMethods {
    const META: Meta = Meta::new(
        LIST,
        "Payment method configs",
        "payment method config",
        Section::Billing,
    )
    .sorted_by("country")
    .addable();
    type Row = pmc::Model;
    type Detail = pmc::Model;

    fn routes() -> Router<AppState> {
        editable::routes::<Self>().route("/billing/paymentmethodconfig", post(bulk_action))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "Display name" => "name", "Country" => "country", "Method" => "method",
        "Enabled" => "enabled", "Order" => "order", "Instructions",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<pmc::Model>> {
        let filter = MethodFilter {
            country: q.get("country").map(str::to_owned),
            method: q.get("method").map(str::to_owned),
            enabled: flag(q, "enabled"),
            listing: q.listing(),
        };
        let page = catalog_admin::list_payment_methods(db, &filter, req).await?;
        let countries = catalog_admin::payment_method_countries(db).await?;
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
        let filters = vec![
            FilterGroup {
                title: "country".into(),
                options: by_country,
            },
            FilterGroup {
                title: "method".into(),
                options: by_method,
            },
            yes_no_filter(q, LIST, "enabled"),
        ];
        Ok(Listed { page, filters })
    }

    fn cells(m: &pmc::Model) -> Vec<Cell> {
        vec![
            Cell::link(&m.display_name, links::href(LIST, m.id)),
            Cell::text(country_label(&m.country_code)),
            Cell::text(m.payment_method.as_str()),
            yes_no(m.is_enabled),
            Cell::text(m.sort_order.to_string()),
            Cell::text(excerpt(&m.instructions)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<pmc::Model> {
        catalog_admin::get_payment_method(db, id).await
    }

    fn heading(m: &pmc::Model) -> String {
        m.display_name.clone()
    }

    fn facts(m: &pmc::Model) -> Vec<(String, Cell)> {
        let mut public = "/api/v1/billing/admin/payment-methods/".to_owned();
        if m.country_code != GLOBAL {
            public.push_str(&format!("?country={}", m.country_code));
        }
        vec![
            fact("ID", Cell::text(m.id.to_string())),
            fact("Country", Cell::text(country_label(&m.country_code))),
            fact("Method", Cell::text(m.payment_method.as_str())),
            fact("Enabled", yes_no(m.is_enabled)),
            fact("Offered at", Cell::link(public.clone(), public)),
        ]
    }

    fn actions() -> Vec<Action> {
        vec![
            Action {
                value: ENABLE.into(),
                label: "Enable selected payment methods".into(),
            },
            Action {
                value: DISABLE.into(),
                label: "Disable selected payment methods".into(),
            },
        ]
    }

    /// Switching one config is the list's action on one row, so both go through one path.
    fn forms(m: &pmc::Model, _staff: &StaffActor) -> Vec<FormView> {
        let (action, verb, danger) = match m.is_enabled {
            true => (DISABLE, "Disable", true),
            false => (ENABLE, "Enable", false),
        };
        vec![FormView {
            title: format!("{verb} this payment method"),
            action: LIST.into(),
            fields: vec![
                Field::new("hidden", "action", "", action),
                Field::new("hidden", "_selected_action", "", m.id.to_string()),
            ],
            submit: verb.into(),
            danger,
        }]
    }
}

impl Editable for PaymentMethods {
    type Form = MethodForm;

    fn form_of(m: &pmc::Model) -> MethodForm {
        MethodForm::from_config(m)
    }

    fn blank() -> MethodForm {
        MethodForm::blank()
    }

    fn fields(form: &MethodForm, _: Option<&pmc::Model>) -> Vec<Field> {
        form.fields()
    }

    async fn save(
        db: &Db,
        staff: &StaffActor,
        id: Option<i64>,
        form: &MethodForm,
    ) -> Result<String> {
        let saved = match id {
            None => catalog_admin::create_payment_method(db, staff, form.input()).await?,
            Some(id) => catalog_admin::update_payment_method(db, staff, id, form.input()).await?,
        };
        Ok(saved.display_name)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    #[serde(rename = "_selected_action")]
    selected: Vec<String>,
}

/// The list's action menu: enable or disable every ticked configuration together.
pub async fn bulk_action(
    State(state): State<AppState>,
    uri: Uri,
    Posted { by: staffer, form }: Posted<Staffer, ActionForm>,
) -> Result<Response, PageError> {
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
        staffer
            .flash(&state, FlashLevel::Error, text.into())
            .await?;
        return Ok(Redirect::to(&back).into_response());
    };
    let changed =
        catalog_admin::set_payment_methods_enabled(&state.db, &staffer.staff, &ids, enabled)
            .await?;
    let verb = if enabled { "Enabled" } else { "Disabled" };
    let text = format!("{verb} {} payment method config(s).", changed.len());
    staffer.flash(&state, FlashLevel::Success, text).await?;
    Ok(Redirect::to(&back).into_response())
}

/// The add/edit form as posted (the checkbox arrives as "on" or not at all).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MethodForm {
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
            country_code: m.country_code.clone(),
            payment_method: m.payment_method.to_string(),
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

    fn fields(&self) -> Vec<Field> {
        let methods = PAYMENT_METHODS
            .iter()
            .map(|m| (m.to_string(), m.replace('_', " ")))
            .collect();
        vec![
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
        ]
    }
}
