//! The customer portal, at the site's root: sign-up, sign-in, the account's overview with the
//! banners, the plan and its changes, invoices with how to pay them and the "I have paid"
//! form, credits and buying more. Server-rendered over the same domain functions as the JSON API; every form works
//! without JavaScript, which only adds copy buttons, the confirmation dialog and live payment
//! methods at sign-up.

pub mod account_pages;
pub mod checkout;
pub mod dashboard;
pub mod documents;
pub mod edit_pages;
pub mod frame;
pub mod invoices;
pub mod password_pages;
pub mod plan_pages;
pub mod session;
pub mod signup;
pub mod top_up_pages;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::web::portal::session::Pages;
use crate::web::{assets, error, headers, login};

pub fn routes(state: &AppState) -> Router<AppState> {
    // "I have paid" may carry a proof file: its multipart body may be as large as one.
    let upload_limit =
        axum::middleware::from_fn_with_state(state.clone(), crate::api::uploads::upload_body_limit);
    let pages = Router::new()
        .route("/", get(dashboard::show))
        .merge(login::routes::<Pages>())
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/signup/methods", get(signup::methods))
        .route(
            "/password-reset",
            get(password_pages::form).post(password_pages::submit),
        )
        .route("/plan", get(plan_pages::show))
        .route("/plan/change", post(plan_pages::change))
        .route("/plan/cancel", post(plan_pages::cancel))
        .route("/plan/resume", post(plan_pages::resume))
        .route("/invoices", get(invoices::list))
        .route("/invoices/{id}", get(invoices::show))
        .route("/invoices/{id}/pdf", get(documents::invoice))
        .route("/invoices/{id}/receipt/pdf", get(documents::receipt))
        .route("/credit-notes/{id}/pdf", get(documents::credit_note))
        .route(
            "/invoices/{id}/pay",
            post(invoices::confirm).route_layer(upload_limit),
        )
        .route("/invoices/{id}/card", post(checkout::card))
        .route("/invoices/{id}/paypal", post(checkout::paypal))
        .route("/invoices/{id}/paypal/capture", post(checkout::capture))
        .route("/payments", get(account_pages::payments))
        .route("/payments/{id}/proof", get(account_pages::proof))
        .route("/credits", get(account_pages::credits))
        .route(
            "/credits/top-ups",
            get(top_up_pages::show).post(top_up_pages::buy),
        )
        .route(
            "/sites",
            get(edit_pages::sites).post(edit_pages::create_site),
        )
        .route(
            "/billing",
            get(edit_pages::billing).post(edit_pages::save_billing),
        )
        .route("/static/{file}", get(assets::serve(assets::PORTAL)));
    let pages = pages.layer(axum::middleware::from_fn(|req, next| {
        error::within_site("/", req, next)
    }));
    headers::secured(pages)
}
