//! The staff admin panel under `/admin/`: server-rendered pages over the same domain functions
//! as the JSON API. Plain forms (no JavaScript needed), CSRF on every POST, framing denied.

pub mod accounts;
pub mod editable;
pub mod home;
pub mod industries;
pub mod invoices;
pub mod ledger;
pub mod links;
pub mod payment_methods;
pub mod payment_review;
pub mod payments;
pub mod plans;
pub mod query;
pub mod record;
pub mod record_pages;
pub mod session;
pub mod sites;
pub mod subscriptions;
pub mod users;
pub mod view;

use axum::Router;
use axum::routing::{get, post};

use crate::error::Error;
use crate::web::error::PageError;
use crate::web::{assets, headers};

use crate::state::AppState;
use crate::web::admin::record::{Meta, Record};

/// Every record type of the panel, in the home page's order (grouped there by section, as in
/// Django's admin). A record type is registered by adding its `META` here and its routes below.
pub const RECORDS: &[Meta] = &[
    payments::META,
    <invoices::Invoices as Record>::META,
    <subscriptions::Subscriptions as Record>::META,
    <ledger::CreditTransactions as Record>::META,
    <plans::Plans as Record>::META,
    <payment_methods::PaymentMethods as Record>::META,
    <accounts::Accounts as Record>::META,
    <users::Users as Record>::META,
    <sites::Sites as Record>::META,
    <industries::Industries as Record>::META,
];

pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home::index))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/{file}", get(assets::serve(assets::ADMIN)))
        .route(
            "/billing/payment",
            get(payments::list).post(payment_review::bulk_action),
        )
        .route("/billing/payment/{id}", get(payments::change))
        .route(
            "/billing/payment/{id}/{decision}",
            post(payment_review::review),
        )
        .merge(plans::routes())
        .merge(payment_methods::routes())
        .merge(industries::routes())
        .merge(sites::routes())
        .merge(accounts::routes())
        .merge(users::routes())
        .merge(invoices::routes())
        .merge(ledger::routes())
        .fallback(|| async { PageError(Error::NotFound("Page not found".into())) });
    headers::secured(pages)
}
