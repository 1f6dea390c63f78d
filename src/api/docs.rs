//! The OpenAPI 3.1 description of the JSON API, generated from the handlers' annotations
//! (every route is registered through `utoipa_axum`, so none can exist undocumented).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tollgate",
        description = "Self-hosted billing: sign-up, invoices, manual payment approval, prepaid credits. \
                       Paths work with or without a trailing slash.",
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, sign-in, tokens"),
        (name = "catalog", description = "Public reference data"),
        (name = "billing", description = "The customer's invoices, payments and confirmations"),
        (name = "credits", description = "Prepaid credits"),
        (name = "sites", description = "Sites, limited per plan"),
        (name = "staff", description = "Platform staff only"),
    ),
    components(schemas(SuccessEnvelope, ErrorEnvelope, ConfirmData, ReviewData))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every successful answer.
#[derive(Serialize, ToSchema)]
pub struct SuccessEnvelope {
    #[schema(example = true)]
    pub success: bool,
    pub message: Option<String>,
    /// The answer; lists hold `count`, `next`, `previous` and `results`.
    #[schema(value_type = Object)]
    pub data: Value,
    #[schema(example = "0b8e5e43-7f7c-4a44-9a52-32d9d9b1f3a1")]
    pub request_id: String,
}

/// Every error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    #[schema(example = false)]
    pub success: bool,
    #[schema(example = "Invoice not found")]
    pub error: String,
    /// Field name → messages, for invalid input.
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    pub request_id: String,
}

/// `data` of a payment confirmation (the guide's "Expected Response").
#[derive(Serialize, ToSchema)]
pub struct ConfirmData {
    #[schema(example = 1)]
    pub payment_id: i64,
    #[schema(example = 1)]
    pub invoice_id: i64,
    #[schema(example = "INV-2-202512-0001")]
    pub invoice_number: String,
    #[schema(example = "pending_approval")]
    pub status: String,
    #[schema(example = "89.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(example = "BT-20251208-12345")]
    pub manual_reference: String,
}

/// `data` of an approval or rejection.
#[derive(Serialize, ToSchema)]
pub struct ReviewData {
    pub payment_id: i64,
    pub invoice_id: i64,
    pub invoice_number: String,
    #[schema(example = 2)]
    pub account_id: i64,
    #[schema(example = "active")]
    pub account_status: String,
    #[schema(example = "active")]
    pub subscription_status: Option<String>,
    #[schema(example = 1000)]
    pub credits_added: i64,
    #[schema(example = 1000)]
    pub total_credits: i64,
    #[schema(example = "admin@example.com")]
    pub approved_by: String,
    #[schema(example = "2025-12-08T15:30:00Z")]
    pub approved_at: Option<String>,
    /// Rejections only.
    pub payment_status: Option<String>,
    /// Rejections only.
    pub failure_reason: Option<String>,
}

/// The error answers any operation may give.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    #[response(status = 400, description = "Invalid input; `errors` names the fields")]
    BadRequest(#[to_schema] ErrorEnvelope),
    #[response(
        status = 401,
        description = "Not signed in, or the token is invalid or expired"
    )]
    Unauthorized(ErrorEnvelope),
    #[response(status = 403, description = "Signed in, but not allowed")]
    Forbidden(ErrorEnvelope),
    #[response(
        status = 404,
        description = "Not found (also another account's object)"
    )]
    NotFound(ErrorEnvelope),
    #[response(status = 409, description = "The object's state forbids this")]
    Conflict(ErrorEnvelope),
    #[response(status = 413, description = "Body over 1 MiB")]
    TooLarge(ErrorEnvelope),
    #[response(status = 415, description = "Body is not JSON")]
    UnsupportedMediaType(ErrorEnvelope),
    #[response(
        status = 422,
        description = "Idempotency-Key reused with a different request"
    )]
    Unprocessable(ErrorEnvelope),
    #[response(status = 429, description = "Too many requests; see Retry-After")]
    TooManyRequests(ErrorEnvelope),
}
