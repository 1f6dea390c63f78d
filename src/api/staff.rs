//! Staff-only payment review: the queue, approve, reject.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::docs::{Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, keyset_data, ok, page_data};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::Staff;
use crate::domain::audit;
use crate::domain::invoices::parse_json;
use crate::domain::payment_queue::{self, PaymentRow, StaffFilter};
use crate::domain::payments::{self, Reviewed};
use crate::error::{Error, Result};

#[utoipa::path(
    get,
    path = "/billing/admin/payments",
    tag = "staff",
    operation_id = "list_payment_queue",
    params(
        ("status" = Option<String>, Query, description = "pending_approval, succeeded, failed or refunded"),
        ("search" = Option<String>, Query, description = "Reference, invoice number, account name or email"),
        ("page" = Option<u64>, Query, description = "Page number, from 1; ignored with cursor"),
        ("page_size" = Option<u64>, Query, description = "At most 100"),
        ("cursor" = Option<String>, Query, description = "Cursor pagination, newest first: \
            present (even empty) for the first page, then the opaque value from the previous \
            page's `next` link. Forward-only: `previous` is always null, and `count` is null \
            (not computed). Cannot be combined with sort."),
    ),
    responses(
        (status = 200, description = "The payment queue", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn list_payments(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let filter = StaffFilter {
        status: params.get("status").map(str::to_owned),
        search: params.get("search").map(str::to_owned),
        ..StaffFilter::default()
    };
    if let Some(req) = params.keyset()? {
        let page = payment_queue::list_for_staff_keyset(&state.db, filter, req).await?;
        return Ok(ok(keyset_data(page, &uri, queue_row)));
    }
    let page = payment_queue::list_for_staff(&state.db, filter, params.page()?).await?;
    Ok(ok(page_data(page, &uri, queue_row)))
}

fn queue_row(row: PaymentRow) -> Value {
    let mut v = views::payment(&row.payment, row.approved_by.as_deref());
    v["invoice_number"] = json!(row.invoice_number);
    v["account_name"] = json!(row.account_name);
    v
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct ReviewInput {
    admin_notes: Option<String>,
    failure_reason: Option<String>,
}

/// The guide's approve body; reject answers the same shape.
fn review_data(r: &Reviewed) -> Value {
    json!({
        "payment_id": r.payment.id,
        "invoice_id": r.invoice.id,
        "invoice_number": r.invoice.invoice_number,
        "account_id": r.account.id,
        "account_status": r.account.status,
        "subscription_status": r.subscription.as_ref().map(|s| s.status.clone()),
        "credits_added": r.credits_added,
        "total_credits": r.account.credits,
        "approved_by": r.reviewer.email,
        "approved_at": views::opt_time(r.payment.approved_at),
    })
}

/// A review of one payment answers with that payment (the domain reviews a list: the panel's
/// bulk actions use the same function).
fn approved_reply(reviewed: &[Reviewed]) -> Reply {
    let data = reviewed.first().map_or(Value::Null, review_data);
    ok(data).message("Payment approved successfully. Account activated.")
}

fn rejected_reply(reviewed: &[Reviewed]) -> Reply {
    let data = reviewed.first().map_or(Value::Null, |r| {
        let mut data = review_data(r);
        data["payment_status"] = json!(r.payment.status);
        data["failure_reason"] = json!(r.payment.failure_reason);
        data
    });
    ok(data).message("Payment rejected. The customer may submit a new confirmation.")
}

#[utoipa::path(
    post,
    path = "/billing/admin/payments/{id}/approve",
    tag = "staff",
    request_body = ReviewInput,
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    responses(
        (status = 200, description = "Approved: invoice paid, subscription and account active, credits granted", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn approve(
    State(state): State<AppState>,
    Staff(staff): Staff,
    key: IdempotencyKey,
    Path(id): Path<String>,
    AppJson(input): AppJson<ReviewInput>,
) -> Result<Reply> {
    let id = path_id(&id, "Payment not found")?;
    let seal = key.seal(|r: &Vec<Reviewed>| approved_reply(r));
    let reviewed = payments::approve(&state.db, &staff, &[id], input.admin_notes, &seal).await?;
    Ok(approved_reply(&reviewed))
}

#[utoipa::path(
    post,
    path = "/billing/admin/payments/{id}/reject",
    tag = "staff",
    request_body = ReviewInput,
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    responses(
        (status = 200, description = "Rejected: the customer may confirm again", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn reject(
    State(state): State<AppState>,
    Staff(staff): Staff,
    key: IdempotencyKey,
    Path(id): Path<String>,
    AppJson(input): AppJson<ReviewInput>,
) -> Result<Reply> {
    let id = path_id(&id, "Payment not found")?;
    let (notes, reason) = (input.admin_notes, input.failure_reason);
    let seal = key.seal(|r: &Vec<Reviewed>| rejected_reply(r));
    let reviewed = payments::reject(&state.db, &staff, &[id], notes, reason, &seal).await?;
    Ok(rejected_reply(&reviewed))
}

#[utoipa::path(
    get,
    path = "/billing/admin/audit",
    tag = "staff",
    params(
        ("object_type" = Option<String>, Query, description = "payment, account, user, plan, payment_method_config, industry, site"),
        ("object_id" = Option<i64>, Query, description = "With object_type: one object's history"),
        ("actor" = Option<i64>, Query, description = "The acting user's id"),
        ("page" = Option<u64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<u64>, Query, description = "At most 100"),
    ),
    responses(
        (status = 200, description = "Audit entries, newest first", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn audit_log(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    params: Params,
    uri: Uri,
) -> Result<Reply> {
    let number = |key: &str| -> Result<Option<i64>> {
        params
            .get(key)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| Error::field(key, "Enter a whole number."))
            })
            .transpose()
    };
    let filter = audit::Filter {
        object_type: params.get("object_type").map(str::to_owned),
        object_id: number("object_id")?,
        actor: number("actor")?,
    };
    let page = audit::list(&state.db, filter, params.page()?).await?;
    Ok(ok(page_data(page, &uri, |e| {
        json!({
            "id": e.id,
            "at": views::time(e.at),
            "actor_id": e.actor_id,
            "request_id": e.request_id,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "before": parse_json(&e.before),
            "after": parse_json(&e.after),
            "ledger_id": e.ledger_id,
        })
    })))
}
