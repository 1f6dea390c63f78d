//! The customer's subscription: where it stands, and the plan changes the lifecycle allows
//! (`domain::lifecycle::plans`) — the same rules as the portal's and the admin panel's.

use axum::extract::State;
use serde::Deserialize;

use crate::api::caller::Customer;
use crate::api::envelope::{Envelope, Reply, ok};
use crate::api::errors::{
    Conflict, CustomerMayNotWrite, JsonErrors, NotCustomer, QueryErrors, Unauthenticated,
};
use crate::api::extract::AppJson;
use crate::api::replies::billing::InvoiceSummary;
use crate::api::replies::subscription::{PlanChanged, SubscriptionState};
use crate::domain::lifecycle::plans::{self, By, Changed};
use crate::domain::lifecycle::standing;
use crate::error::Result;
use crate::state::AppState;

/// Where the account stands: status, plan, trial end, subscription, open invoices.
#[utoipa::path(
    get,
    path = "/billing/subscription",
    tag = "billing",
    responses(
        (status = 200, description = "The account's standing", body = Envelope<SubscriptionState>),
        QueryErrors, Unauthenticated, NotCustomer,
    ),
    security(("bearer" = [])),
)]
pub async fn show(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply<SubscriptionState>> {
    let standing = standing(&state.db, member.account.id).await?;
    Ok(ok(SubscriptionState::from(&standing)))
}

/// A plan to move to.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// A public plan (`GET billing/plans`).
    #[schema(value_type = String, example = "growth")]
    pub plan_slug: Option<String>,
}

/// Change plan.
///
/// A dearer plan is an upgrade: an invoice for the price difference over the rest of the
/// period (difference × remaining days / period days, to the cent), taking effect with the
/// new plan's extra credits once paid. A cheaper paid plan is a downgrade from the period
/// end, refused while the account has more sites than it allows; choosing the current plan
/// again withdraws a scheduled downgrade. An account without a running subscription (trial,
/// expired, cancelled) subscribes: a first invoice, active once paid. Refused while the
/// subscription is past due. `change` says which it was.
#[utoipa::path(
    post,
    path = "/billing/subscription/plan",
    tag = "billing",
    request_body = PlanInput,
    responses(
        (status = 200, description = "What changed: an invoice to pay (an upgrade, a new subscription) or a downgrade scheduled or withdrawn", body = Envelope<PlanChanged>),
        JsonErrors, Unauthenticated, CustomerMayNotWrite, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn change_plan(
    State(state): State<AppState>,
    Customer(member): Customer,
    AppJson(input): AppJson<PlanInput>,
) -> Result<Reply<PlanChanged>> {
    let account = member.account.id;
    let changed = plans::change_plan(
        &state.db,
        By::Member(&member),
        account,
        input.plan_slug.as_deref(),
    )
    .await?;
    let state = SubscriptionState::from(&standing(&state.db, account).await?);
    let reply = |change: &str, invoice: Option<InvoiceSummary>| PlanChanged {
        change: change.to_owned(),
        invoice,
        state,
    };
    Ok(match changed {
        Changed::Upgrade(i) => {
            let message = format!(
                "Upgrade requested: pay invoice {} ({} {}) and the new plan takes effect.",
                i.invoice_number,
                crate::domain::money::format_minor(i.total, &i.currency),
                i.currency
            );
            ok(reply("upgrade", Some((&i).into()))).message(message)
        }
        Changed::Subscribed(i) => {
            let message = format!(
                "Subscribed: pay invoice {} and the plan starts once the payment is approved.",
                i.invoice_number
            );
            ok(reply("subscribe", Some((&i).into()))).message(message)
        }
        Changed::Scheduled(s) => {
            let from = s.current_period_end.map(|t| t.date_naive().to_string());
            let message = format!("Downgrade scheduled from {}.", from.unwrap_or_default());
            ok(reply("downgrade", None)).message(message)
        }
        Changed::Unscheduled(_) => {
            ok(reply("keep", None)).message("Scheduled downgrade withdrawn.")
        }
    })
}

/// Cancel at the period end.
///
/// The subscription ends when its period does instead of renewing; a renewal invoice already
/// issued is voided. Undone by `POST billing/subscription/resume` until then.
#[utoipa::path(
    post,
    path = "/billing/subscription/cancel",
    tag = "billing",
    responses(
        (status = 200, description = "Cancelled at the period end", body = Envelope<SubscriptionState>),
        QueryErrors, Unauthenticated, CustomerMayNotWrite, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn cancel(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply<SubscriptionState>> {
    set_cancel(
        &state,
        &member,
        true,
        "The subscription ends at the end of its period.",
    )
    .await
}

/// Undo a cancellation, before the period ends.
#[utoipa::path(
    post,
    path = "/billing/subscription/resume",
    tag = "billing",
    responses(
        (status = 200, description = "The subscription renews again", body = Envelope<SubscriptionState>),
        QueryErrors, Unauthenticated, CustomerMayNotWrite, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn resume(
    State(state): State<AppState>,
    Customer(member): Customer,
) -> Result<Reply<SubscriptionState>> {
    set_cancel(
        &state,
        &member,
        false,
        "Cancellation undone: the subscription renews.",
    )
    .await
}

async fn set_cancel(
    state: &AppState,
    member: &crate::domain::Member,
    cancel: bool,
    message: &'static str,
) -> Result<Reply<SubscriptionState>> {
    let account = member.account.id;
    plans::set_cancel(&state.db, By::Member(member), account, cancel).await?;
    let standing = standing(&state.db, account).await?;
    Ok(ok(SubscriptionState::from(&standing)).message(message))
}
