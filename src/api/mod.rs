//! The JSON API under `/api/v1/`. Handlers parse, call one domain function, shape the reply.

pub mod auth;
pub mod billing;
pub mod catalog;
pub mod envelope;
pub mod extract;
pub mod idempotency;
pub mod staff;
pub mod usage;
pub mod views;

use axum::routing::{get, post};
use axum::{Router, middleware};

use crate::app::AppState;

/// Paths are written without their trailing slash; `app.rs` strips it from requests, so
/// both spellings reach the same handler.
pub fn routes(state: AppState) -> Router<AppState> {
    // Every call that changes money honours `Idempotency-Key`.
    let money = Router::new()
        .route("/auth/register", post(auth::register))
        .route(
            "/billing/admin/payments/confirm",
            post(billing::confirm_payment),
        )
        .route("/billing/admin/payments/{id}/approve", post(staff::approve))
        .route("/billing/admin/payments/{id}/reject", post(staff::reject))
        .route("/billing/credits/usage", post(usage::spend))
        .route_layer(middleware::from_fn_with_state(
            state,
            idempotency::idempotent,
        ));
    Router::new()
        .merge(money)
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/industries", get(catalog::industries))
        .route("/billing/plans", get(catalog::plans))
        .route("/billing/credit-costs", get(catalog::credit_costs))
        .route(
            "/billing/admin/payment-methods",
            get(catalog::payment_methods),
        )
        .route("/billing/invoices", get(billing::list_invoices))
        .route("/billing/invoices/{id}", get(billing::invoice_detail))
        .route("/billing/payments", get(billing::list_payments))
        .route("/billing/admin/payments", get(staff::list_payments))
        .route("/billing/credits/balance", get(usage::balance))
        .route("/billing/credits/transactions", get(usage::transactions))
        .route("/sites", get(usage::list_sites).post(usage::create_site))
        .route("/sites/{id}", get(usage::site_detail))
}
