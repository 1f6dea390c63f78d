//! The staff admin panel under `/admin/`: server-rendered pages over the same domain functions
//! as the JSON API. Plain forms (no JavaScript needed), CSRF on every POST, framing denied.

pub mod accounts;
pub mod analytics;
pub mod analytics_chart;
pub mod analytics_csv;
pub mod document_downloads;
pub mod editable;
pub mod filters;
pub mod home;
pub mod industries;
pub mod invoices;
pub mod jobs;
pub mod ledger;
pub mod links;
pub mod payment_methods;
pub mod payment_review;
pub mod payments;
pub mod plans;
pub mod provider_events;
pub mod query;
pub mod reconciliation;
pub mod record;
pub mod record_pages;
pub mod refund_actions;
pub mod session;
pub mod sites;
pub mod subscription_actions;
pub mod subscriptions;
pub mod top_up_packages;
pub mod users;
pub mod view;
pub mod webhook_actions;
pub mod webhooks;

use axum::Router;
use axum::routing::get;

use crate::error::Error;
use crate::web::admin::session::Pages;
use crate::web::error::PageError;
use crate::web::{assets, error, headers, login};

use crate::state::AppState;
use crate::web::admin::record::{Registered, registered};

/// Every record type of the panel, in the home page's order (grouped there by section, as in
/// Django's admin): a record type is registered by its one line here, which gives it its card
/// on the home page and its routes.
pub const RECORDS: &[Registered] = &[
    Registered {
        meta: payments::META,
        routes: payments::routes,
    },
    registered::<invoices::Invoices>(),
    registered::<subscriptions::Subscriptions>(),
    registered::<ledger::CreditTransactions>(),
    registered::<provider_events::ProviderEvents>(),
    registered::<plans::Plans>(),
    registered::<payment_methods::PaymentMethods>(),
    registered::<top_up_packages::TopUpPackages>(),
    registered::<accounts::Accounts>(),
    registered::<users::Users>(),
    registered::<sites::Sites>(),
    registered::<industries::Industries>(),
    registered::<webhooks::WebhookEndpoints>(),
    registered::<jobs::Jobs>(),
];

pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home::index))
        .merge(login::routes::<Pages>())
        .route("/static/{file}", get(assets::serve(assets::ADMIN)))
        .merge(reconciliation::routes())
        .merge(analytics::routes())
        .merge(
            RECORDS
                .iter()
                .fold(Router::new(), |all, r| all.merge((r.routes)())),
        )
        .fallback(|| async { PageError(Error::NotFound("Page not found".into())) });
    let pages = pages.layer(axum::middleware::from_fn(|req, next| {
        error::within_site("/admin/", req, next)
    }));
    headers::secured(pages)
}
