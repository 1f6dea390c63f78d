//! The staff admin panel under `/admin/`: server-rendered pages over the same domain functions
//! as the JSON API. Plain forms (no JavaScript needed), CSRF on every POST, framing denied.

pub mod accounts;
pub mod editable;
pub mod form;
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
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::admin::record::{Meta, Record};
use crate::state::AppState;

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

/// Strict by default: nothing loads from elsewhere, nothing frames the panel.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn routes() -> Router<AppState> {
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/", get(home::index))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/{file}", get(static_file))
        .route(
            "/billing/payment",
            get(payments::list).post(payment_review::bulk_action),
        )
        .route("/billing/payment/{id}", get(payments::change))
        .route(
            "/billing/payment/{id}/approve",
            post(payment_review::approve),
        )
        .route("/billing/payment/{id}/reject", post(payment_review::reject))
        .merge(plans::routes())
        .merge(payment_methods::routes())
        .merge(industries::routes())
        .merge(sites::routes())
        .merge(accounts::routes())
        .merge(users::routes())
        .merge(invoices::routes())
        .merge(ledger::routes())
        .fallback(|| async {
            session::PageError(crate::error::Error::NotFound("Page not found".into()))
        })
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
}

/// The stylesheet and script, compiled into the binary so the panel works offline.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> impl IntoResponse {
    let (body, kind) = match file.as_str() {
        "admin.css" => (
            include_str!("../../static/admin/admin.css"),
            "text/css; charset=utf-8",
        ),
        "admin.js" => (
            include_str!("../../static/admin/admin.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return (StatusCode::NOT_FOUND, "Not found").into_response(),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}
