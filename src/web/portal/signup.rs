//! `/signup/`: choose a plan (Free is the trial), the account's fields and, for a paid plan,
//! the billing step — billing email, country, address and the payment methods offered in that
//! country. It calls the same `signup::register` as `POST auth/register/`. Changing the country
//! refreshes the methods: in place with JavaScript (`/signup/methods/`), by the form's
//! "Show payment methods" button without.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::domain::catalog;
use crate::domain::idempotency::Seal;
use crate::domain::signup::{self, SignupInput};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{Form, FormErrors, given, refused_fields};
use crate::web::format::money;
use crate::web::page::html;
use crate::web::portal::session::SITE;

/// The sign-up form as typed; every field is kept when the form comes back.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupForm {
    csrf_token: String,
    email: String,
    password: String,
    password_confirm: String,
    first_name: String,
    last_name: String,
    account_name: String,
    plan_slug: String,
    billing_email: String,
    billing_address_line1: String,
    billing_city: String,
    billing_postal_code: String,
    billing_country: String,
    payment_method: String,
    /// Present when the "Show payment methods" button sent the form: only refresh the page.
    refresh: Option<String>,
}

impl SignupForm {
    fn input(&self) -> SignupInput {
        SignupInput {
            email: given(&self.email),
            // Passwords as typed: spaces are part of them.
            password: Some(self.password.clone()).filter(|p| !p.is_empty()),
            password_confirm: Some(self.password_confirm.clone()).filter(|p| !p.is_empty()),
            first_name: given(&self.first_name),
            last_name: given(&self.last_name),
            account_name: given(&self.account_name),
            plan_slug: given(&self.plan_slug),
            billing_email: given(&self.billing_email),
            billing_address_line1: given(&self.billing_address_line1),
            billing_city: given(&self.billing_city),
            billing_postal_code: given(&self.billing_postal_code),
            billing_country: given(&self.billing_country),
            payment_method: given(&self.payment_method),
            ..SignupInput::default()
        }
    }
}

pub struct PlanChoice {
    pub slug: String,
    pub name: String,
    pub price: String,
    pub credits: i64,
    pub max_sites: i32,
    pub paid: bool,
}

/// The payment methods a country is offered at sign-up: (value, label, instructions).
#[derive(askama::Template)]
#[template(path = "portal/methods.html")]
pub struct Methods {
    pub country: String,
    pub methods: Vec<(String, String, String)>,
    pub chosen: String,
}

impl Methods {
    async fn of(state: &AppState, country: &str, chosen: &str) -> Result<Methods, PageError> {
        let code = crate::domain::validate::normalize_country(country);
        let methods = match &code {
            Some(code) => catalog::payment_methods_for(&state.db, Some(code))
                .await?
                .into_iter()
                .filter(|m| catalog::takes(&state.db, m.payment_method))
                .map(|m| {
                    let value = m.payment_method.as_str().to_owned();
                    (value, m.display_name, m.instructions)
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(Methods {
            country: code.unwrap_or_default(),
            methods,
            chosen: chosen.to_owned(),
        })
    }
}

#[derive(askama::Template)]
#[template(path = "portal/signup.html")]
struct SignupPage {
    csrf: String,
    plans: Vec<PlanChoice>,
    countries: &'static [(&'static str, String)],
    form: SignupForm,
    methods: Methods,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    csrf: String,
    form: SignupForm,
    errors: FormErrors,
) -> Result<SignupPage, PageError> {
    let plans = catalog::public_plans(&state.db)
        .await?
        .into_iter()
        .map(|p| PlanChoice {
            paid: p.price > 0,
            price: money(p.price, &p.currency),
            slug: p.slug,
            name: p.name,
            credits: p.included_credits,
            max_sites: p.max_sites,
        })
        .collect();
    let methods = Methods::of(state, &form.billing_country, &form.payment_method).await?;
    Ok(SignupPage {
        csrf,
        plans,
        countries: countries(),
        form,
        methods,
        errors,
    })
}

/// Every ISO 3166 country as (alpha-2 code, name), by name.
pub fn countries() -> &'static [(&'static str, String)] {
    static ALL: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<(&'static str, String)> = celes::Country::get_countries()
            .iter()
            .map(|c| {
                let name = c.long_name.strip_prefix("The ").unwrap_or(c.long_name);
                (c.alpha2, name.to_owned())
            })
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        all
    })
}

#[derive(Deserialize, Default)]
pub struct SignupQuery {
    plan: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<SignupQuery>,
) -> Result<Response, PageError> {
    let (jar, csrf) = SITE.anonymous_csrf(jar, &headers);
    let form = SignupForm {
        plan_slug: q.plan.unwrap_or_else(|| "free".into()),
        ..SignupForm::default()
    };
    let page = page(&state, csrf, form, FormErrors::default()).await?;
    Ok((jar, html(&page)).into_response())
}

/// Signs up through the domain and signs the new customer in; a refused form comes back with
/// each problem beside its field and every value but the passwords kept.
pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(mut form): Form<SignupForm>,
) -> Result<Response, PageError> {
    SITE.check_anonymous_csrf(&jar, &form.csrf_token)?;
    let csrf = form.csrf_token.clone();
    if form.refresh.is_some() {
        form.password.clear();
        form.password_confirm.clear();
        return Ok(html(
            &page(&state, csrf, form, FormErrors::default()).await?,
        ));
    }
    match signup::register(&state.db, form.input(), &Seal::none()).await {
        Ok(registered) => {
            let jar = SITE.open(&state, jar, &headers, &registered.user).await?;
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(e) => {
            let (status, errors) = refused_fields(e)?;
            form.password.clear();
            form.password_confirm.clear();
            let page = page(&state, csrf, form, errors).await?;
            Ok((status, html(&page)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct MethodsQuery {
    country: Option<String>,
    chosen: Option<String>,
}

/// The methods fragment for a country, for the sign-up page's script.
pub async fn methods(
    State(state): State<AppState>,
    Query(q): Query<MethodsQuery>,
) -> Result<Response, PageError> {
    let country = q.country.unwrap_or_default();
    let methods = Methods::of(&state, &country, q.chosen.as_deref().unwrap_or("")).await?;
    Ok(html(&methods))
}
