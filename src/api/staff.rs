//! Staff-only payment review: the queue, approve, reject.

use axum::extract::{Path, State};
use axum::http::Uri;
use serde::{Deserialize, Serialize};

use crate::api::caller::Staff;
use crate::api::docs::PageParams;
use crate::api::envelope::{Envelope, Reply, ok};
use crate::api::errors::{Conflict, JsonErrors, NotFound, NotStaff, QueryErrors, Unauthenticated};
use crate::api::extract::{AppJson, Params, path_id};
use crate::api::idempotency::IdempotencyKey;
use crate::api::replies::lists::{self, CursorPage, Page};
use crate::api::replies::staff::{AuditEntry, QueuedPayment, RejectionData, ReviewData};
use crate::domain::audit;
use crate::domain::page::Listing;
use crate::domain::payment_queue::{self, StaffFilter};
use crate::domain::payments::{self, Reviewed};
use crate::domain::staff::StaffActor;
use crate::domain::status::PaymentStatus;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The staff payment queue.
///
/// Numbered pages (with `count`), or with `cursor` pages newest first at the same cost at any
/// depth. `search` matches any part of a payment's reference, invoice number, account name,
/// billing email or a member's email, case-insensitively.
#[utoipa::path(
    get,
    path = "/billing/admin/payments",
    tag = "staff",
    operation_id = "list_payment_queue",
    params(
        ("status" = Option<PaymentStatus>, Query, description = "Only payments in this status"),
        ("search" = Option<String>, Query, description = "Reference, invoice number, account name or email"),
        PageParams,
        ("cursor" = Option<String>, Query, description = "Cursor pagination, newest first: \
            present (even empty) for the first page, then the opaque value from the previous \
            page's `next` link. Forward-only: `previous` is always null, and `count` is null \
            (not computed). `page` is then ignored; cannot be combined with sort."),
    ),
    responses(
        (status = 200, description = "The payment queue", body = Envelope<CursorPage<QueuedPayment>>),
        QueryErrors, Unauthenticated, NotStaff,
    ),
    security(("bearer" = [])),
)]
pub async fn list_payments(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    params: Params,
    uri: Uri,
) -> Result<Reply<CursorPage<QueuedPayment>>> {
    let filter = StaffFilter {
        status: params.get("status").map(str::to_owned),
        listing: Listing {
            search: params.get("search").map(str::to_owned),
            sort: None,
        },
        ..StaffFilter::default()
    };
    if let Some(req) = params.keyset()? {
        let page = payment_queue::list_for_staff_keyset(&state.db, filter, req).await?;
        return Ok(ok(lists::keyset(page, &uri, QueuedPayment::from)));
    }
    let page = payment_queue::list_for_staff(&state.db, filter, params.page()?).await?;
    Ok(ok(lists::page(page, &uri, QueuedPayment::from).into()))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct ReviewInput {
    /// Staff's note on the review, kept with the payment.
    #[schema(
        nullable = false,
        example = "Verified payment in bank statement on Dec 8, 2025"
    )]
    admin_notes: Option<String>,
    /// Rejections only: why, for the customer (a default reason when absent).
    #[schema(nullable = false, example = "Reference not found in bank statement")]
    failure_reason: Option<String>,
}

/// Which review [`review`] makes: the only difference between the approve and reject
/// handlers besides the reply's `data` type.
#[derive(Clone, Copy)]
enum Decision {
    Approve,
    Reject,
}

impl Decision {
    fn message(self) -> &'static str {
        match self {
            Decision::Approve => "Payment approved successfully. Account activated.",
            Decision::Reject => "Payment rejected. The customer may submit a new confirmation.",
        }
    }
}

/// A review of one payment answers with that payment. The domain reviews a list (the panel's
/// bulk actions use the same function) and gives one outcome per id or an error, so with one
/// id `first()` is always there; `None` would serialise as null rather than panic.
fn reviewed_reply<D>(reviewed: &[Reviewed], decision: Decision) -> Reply<Option<D>>
where
    D: for<'r> From<&'r Reviewed> + Serialize,
{
    ok(reviewed.first().map(D::from)).message(decision.message())
}

/// Approve's and reject's body: the payment id from the path (anything else is not found),
/// the decision applied with its reply sealed under the idempotency key, then that reply
/// (`D`: `ReviewData` for an approval, `RejectionData` for a rejection).
async fn review<D>(
    state: &AppState,
    staff: &StaffActor,
    key: IdempotencyKey,
    id: &str,
    input: ReviewInput,
    decision: Decision,
) -> Result<Reply<Option<D>>>
where
    D: for<'r> From<&'r Reviewed> + Serialize,
{
    let id = path_id(id, "Payment not found")?;
    let seal = key.seal(|r: &Vec<Reviewed>| reviewed_reply::<D>(r, decision));
    let (db, notes, reason) = (&state.db, input.admin_notes, input.failure_reason);
    let reviewed = match decision {
        Decision::Approve => payments::approve(db, staff, &[id], notes, &seal).await?,
        Decision::Reject => payments::reject(db, staff, &[id], notes, reason, &seal).await?,
    };
    Ok(reviewed_reply(&reviewed, decision))
}

/// Approve a confirmed payment.
///
/// In one transaction: payment `succeeded`, invoice `paid`, subscription `active` for a new
/// period, account `active`, and the plan's credits granted. Exactly once: of two staff
/// approving at the same moment, the other gets 409 "Payment not pending approval".
#[utoipa::path(
    post,
    path = "/billing/admin/payments/{id}/approve",
    tag = "staff",
    request_body = ReviewInput,
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    responses(
        (status = 200, description = "Approved: invoice paid, subscription and account active, credits granted",
            body = Envelope<ReviewData>),
        JsonErrors, Unauthenticated, NotStaff, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn approve(
    State(state): State<AppState>,
    Staff(staff): Staff,
    key: IdempotencyKey,
    Path(id): Path<String>,
    AppJson(input): AppJson<ReviewInput>,
) -> Result<Reply<Option<ReviewData>>> {
    review(&state, &staff, key, &id, input, Decision::Approve).await
}

/// Reject a confirmed payment.
///
/// The payment becomes `failed` with its reason; the invoice stays `pending` and the account
/// `pending_payment`, so the customer may confirm again.
#[utoipa::path(
    post,
    path = "/billing/admin/payments/{id}/reject",
    tag = "staff",
    request_body = ReviewInput,
    params(
        ("id" = i64, Path, description = "Payment id"),
    ),
    responses(
        (status = 200, description = "Rejected: the customer may confirm again",
            body = Envelope<RejectionData>),
        JsonErrors, Unauthenticated, NotStaff, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn reject(
    State(state): State<AppState>,
    Staff(staff): Staff,
    key: IdempotencyKey,
    Path(id): Path<String>,
    AppJson(input): AppJson<ReviewInput>,
) -> Result<Reply<Option<RejectionData>>> {
    review(&state, &staff, key, &id, input, Decision::Reject).await
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/billing/admin/audit",
    tag = "staff",
    params(
        ("object_type" = Option<String>, Query, description = "payment, account, user, plan, payment_method_config, industry, site"),
        ("object_id" = Option<i64>, Query, description = "With object_type: one object's history"),
        ("actor" = Option<i64>, Query, description = "The acting user's id"),
        PageParams,
    ),
    responses(
        (status = 200, description = "Audit entries, newest first", body = Envelope<Page<AuditEntry>>),
        QueryErrors, Unauthenticated, NotStaff,
    ),
    security(("bearer" = [])),
)]
pub async fn audit_log(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    params: Params,
    uri: Uri,
) -> Result<Reply<Page<AuditEntry>>> {
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
    Ok(ok(lists::page(page, &uri, AuditEntry::from)))
}
