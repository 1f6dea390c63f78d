//! The JSON API under `/api/v1/`. Handlers parse, call one domain function, shape the reply.

pub mod auth;
pub mod billing;
pub mod caller;
pub mod catalog;
pub mod docs;
pub mod documents;
pub mod envelope;
pub mod error;
pub mod errors;
pub mod extract;
pub mod idempotency;
pub mod operations;
pub mod password_reset;
pub mod provider_payments;
pub mod replies;
pub mod staff;
pub mod subscription;
pub mod top_ups;
pub mod uploads;
pub mod usage;

use std::sync::Arc;

use axum::{Extension, Router, middleware};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Paths are written without their trailing slash; `app.rs` strips it from requests, so
/// both spellings reach the same handler.
pub fn routes(state: AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    // Every call that changes money honours `Idempotency-Key`, and its description says so.
    let mut signup = OpenApiRouter::new()
        .routes(routes!(auth::register))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent_public,
        ));
    // The routes that take a file read a multipart body up to the proof limit.
    let upload_limit = || middleware::from_fn_with_state(state.clone(), uploads::upload_body_limit);
    let proofs = OpenApiRouter::new()
        .routes(routes!(billing::attach_proof, billing::download_proof))
        .route_layer(upload_limit());
    let confirm = OpenApiRouter::new()
        .routes(routes!(billing::confirm_payment))
        .route_layer(upload_limit());
    let mut money = OpenApiRouter::new()
        .merge(confirm)
        .routes(routes!(staff::approve))
        .routes(routes!(staff::reject))
        .routes(routes!(usage::spend))
        .routes(routes!(top_ups::buy))
        .routes(routes!(provider_payments::pay_card))
        .routes(routes!(provider_payments::pay_paypal))
        .route_layer(middleware::from_fn_with_state(
            state,
            idempotency::idempotent_signed_in,
        ));
    docs::describe_idempotency(signup.get_openapi_mut());
    docs::describe_idempotency(money.get_openapi_mut());
    // `GET payment-methods`' rendered answers: a cache private to that route (not in
    // `AppState`, which every interface shares, nor on every other request's path).
    let methods = OpenApiRouter::new()
        .routes(routes!(catalog::payment_methods))
        .route_layer(Extension(Arc::new(catalog::RenderedMethods::default())));
    let (router, mut openapi) = OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(signup)
        .merge(money)
        .merge(proofs)
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(password_reset::request))
        .routes(routes!(password_reset::confirm))
        .routes(routes!(catalog::industries))
        .routes(routes!(catalog::plans))
        .routes(routes!(catalog::credit_costs))
        // Its `POST` (buying one) is in `money`, behind the Idempotency-Key layer.
        .routes(routes!(top_ups::packages))
        .merge(methods)
        .routes(routes!(billing::list_invoices))
        .routes(routes!(billing::invoice_detail))
        .routes(routes!(billing::list_payments))
        .routes(routes!(documents::invoice_pdf))
        .routes(routes!(documents::receipt_pdf))
        .routes(routes!(documents::list_credit_notes))
        .routes(routes!(documents::credit_note_pdf))
        .routes(routes!(subscription::show))
        .routes(routes!(subscription::change_plan))
        .routes(routes!(subscription::cancel))
        .routes(routes!(subscription::resume))
        .routes(routes!(provider_payments::capture_paypal))
        .routes(routes!(provider_payments::stripe_webhook))
        .routes(routes!(provider_payments::paypal_webhook))
        .routes(routes!(staff::list_payments))
        .routes(routes!(staff::audit_log))
        .routes(routes!(usage::balance))
        .routes(routes!(usage::transactions))
        .routes(routes!(usage::list_sites, usage::create_site))
        .routes(routes!(usage::site_detail))
        .split_for_parts();
    docs::name_generic_arguments(&mut openapi);
    (router, openapi)
}
