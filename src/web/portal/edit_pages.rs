//! The account's pages with a form: `/sites/` (the sites, and a new one with its industry,
//! within the plan's limit, through `sites::create`) and `/billing/` (the billing details of
//! future invoices, through `billing_details::update`).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::billing_details::{self, BillingDetails};
use crate::domain::sites::{self, SiteInput};
use crate::domain::{catalog, of_account};
use crate::entities::site;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{FormErrors, Posted, given, refused_fields};
use crate::web::page::{FlashLevel, html};
use crate::web::portal::frame::{Frame, frame};
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SiteForm {
    name: String,
    domain: String,
    industry_id: String,
}

pub struct SiteLine {
    pub name: String,
    pub domain: String,
    pub active: bool,
}

#[derive(askama::Template)]
#[template(path = "portal/sites.html")]
struct SitesPage {
    frame: Frame,
    sites: Vec<SiteLine>,
    used: usize,
    limit: i32,
    plan_name: String,
    industries: Vec<(String, String)>,
    form: SiteForm,
    errors: FormErrors,
}

async fn sites_page(
    state: &AppState,
    customer: &Customer,
    form: SiteForm,
    errors: FormErrors,
) -> Result<SitesPage, PageError> {
    let (frame, _) = frame(state, customer, "Sites", "/sites/").await?;
    let account = &customer.member.account;
    let plan = catalog::plan_by_id(state.db.conn(), account.plan_id).await?;
    let all = of_account::all::<site::Entity>(&state.db, account.id).await?;
    let industries = catalog::industries(&state.db)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), i.name))
        .collect();
    Ok(SitesPage {
        frame,
        used: all.iter().filter(|s| s.is_active).count(),
        sites: all
            .into_iter()
            .map(|s| SiteLine {
                name: s.name,
                domain: s.domain.unwrap_or_default(),
                active: s.is_active,
            })
            .collect(),
        limit: plan.max_sites,
        plan_name: plan.name,
        industries,
        form,
        errors,
    })
}

pub async fn sites(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let page = sites_page(
        &state,
        &customer,
        SiteForm::default(),
        FormErrors::default(),
    )
    .await?;
    Ok(html(&page))
}

pub async fn create_site(
    State(state): State<AppState>,
    Posted { by, form }: Posted<Customer, SiteForm>,
) -> Result<Response, PageError> {
    let input = SiteInput {
        name: given(&form.name),
        domain: given(&form.domain),
        // Not a number: the domain's "required" answer names the field.
        industry_id: form.industry_id.trim().parse().ok(),
    };
    match sites::create(&state.db, &by.member, input).await {
        Ok(created) => {
            let text = format!("Site \"{}\" created.", created.site.name);
            by.flash(&state, FlashLevel::Success, text).await?;
            Ok(Redirect::to("/sites/").into_response())
        }
        Err(e) => {
            let (status, errors) = refused_fields(e)?;
            let page = sites_page(&state, &by, form, errors).await?;
            Ok((status, html(&page)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BillingForm {
    billing_email: String,
    billing_address_line1: String,
    billing_address_line2: String,
    billing_city: String,
    billing_state: String,
    billing_postal_code: String,
    billing_country: String,
    tax_id: String,
}

impl BillingForm {
    fn of(d: BillingDetails) -> BillingForm {
        BillingForm {
            billing_email: d.billing_email.unwrap_or_default(),
            billing_address_line1: d.billing_address_line1.unwrap_or_default(),
            billing_address_line2: d.billing_address_line2.unwrap_or_default(),
            billing_city: d.billing_city.unwrap_or_default(),
            billing_state: d.billing_state.unwrap_or_default(),
            billing_postal_code: d.billing_postal_code.unwrap_or_default(),
            billing_country: d.billing_country.unwrap_or_default(),
            tax_id: d.tax_id.unwrap_or_default(),
        }
    }

    fn typed(&self) -> BillingDetails {
        BillingDetails {
            billing_email: given(&self.billing_email),
            billing_address_line1: given(&self.billing_address_line1),
            billing_address_line2: given(&self.billing_address_line2),
            billing_city: given(&self.billing_city),
            billing_state: given(&self.billing_state),
            billing_postal_code: given(&self.billing_postal_code),
            billing_country: given(&self.billing_country),
            tax_id: given(&self.tax_id),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "portal/billing.html")]
struct BillingPage {
    frame: Frame,
    countries: &'static [(&'static str, String)],
    form: BillingForm,
    errors: FormErrors,
}

pub async fn billing(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, _) = frame(&state, &customer, "Billing details", "/billing/").await?;
    let form = BillingForm::of(BillingDetails::of(&customer.member.account));
    let page = BillingPage {
        frame,
        countries: crate::web::portal::signup::countries(),
        form,
        errors: FormErrors::default(),
    };
    Ok(html(&page))
}

pub async fn save_billing(
    State(state): State<AppState>,
    Posted { by, form }: Posted<Customer, BillingForm>,
) -> Result<Response, PageError> {
    match billing_details::update(&state.db, &by.member, form.typed()).await {
        Ok(_) => {
            let text = "Billing details saved. Invoices already issued keep the details they \
                        were issued with."
                .to_owned();
            by.flash(&state, FlashLevel::Success, text).await?;
            Ok(Redirect::to("/billing/").into_response())
        }
        Err(e) => {
            let (status, errors) = refused_fields(e)?;
            let (frame, _) = frame(&state, &by, "Billing details", "/billing/").await?;
            let page = BillingPage {
                frame,
                countries: crate::web::portal::signup::countries(),
                form,
                errors,
            };
            Ok((status, html(&page)).into_response())
        }
    }
}
