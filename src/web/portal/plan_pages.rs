//! `/plan/`: the account's plan and subscription, its open invoices, and the public plans it
//! may move to, each with the one move the subscription allows — upgrade, downgrade at the
//! period end (or keep the current plan after all), subscribe — and cancel at the period end
//! or undo it. Every form calls `lifecycle::plans`, the same rules as the API and staff's;
//! what those refuse (past due, too many sites, a read-only role) comes back as the flash.
//! The buttons offered are a courtesy: the domain decides.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::catalog;
use crate::domain::lifecycle::plans::{self, By, Changed};
use crate::domain::status::{AccountStatus, InvoiceStatus, SubscriptionStatus};
use crate::entities::{account, invoice, plan, subscription};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::format::money;
use crate::web::page::{FlashLevel, html};
use crate::web::portal::frame::{Frame, frame, invoice_href, newest_rows};
use crate::web::portal::invoices::InvoiceLine;
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

const PAGE: &str = "/plan/";

/// The latest subscription, as the page words it.
pub struct SubscriptionView {
    pub plan_name: String,
    pub status: &'static str,
    /// The current period: (start, end) days.
    pub period: Option<(String, String)>,
    pub renews_on: Option<String>,
    /// Cancelled at the period end: the day it ends.
    pub ends_on: Option<String>,
    /// A downgrade: (the plan's name, the day it starts).
    pub scheduled: Option<(String, String)>,
    pub may_cancel: bool,
    pub may_resume: bool,
}

/// What a plan's row offers.
pub enum Offer {
    /// The plan the account is on.
    Current,
    /// The current plan, with a downgrade scheduled: choosing it withdraws the downgrade.
    Keep,
    /// A dearer plan now, for the invoice of the difference over what is left of the period.
    Upgrade {
        amount: String,
        days: i64,
        until: String,
    },
    /// A cheaper paid plan from the period end.
    Downgrade { from: String },
    /// The downgrade already scheduled.
    Scheduled { from: String },
    /// A paid plan for an account without a running subscription: its first invoice.
    Subscribe { price: String },
    /// Nothing to do here, and why.
    Not(String),
}

pub struct PlanLine {
    pub slug: String,
    pub name: String,
    pub price: String,
    pub cycle: String,
    pub credits: i64,
    pub max_sites: i32,
    pub offer: Offer,
}

#[derive(askama::Template)]
#[template(path = "portal/plan.html")]
struct PlanPage {
    frame: Frame,
    plan_name: String,
    account_status: &'static str,
    trial_ends: Option<String>,
    subscription: Option<SubscriptionView>,
    open_invoices: Vec<InvoiceLine>,
    plans: Vec<PlanLine>,
}

fn day(t: DateTime<Utc>) -> String {
    t.date_naive().to_string()
}

/// The move `target` would be for the account, as the domain's rules (`lifecycle::plans`)
/// would take it.
fn offer(
    account: &account::Model,
    sub: Option<&subscription::Model>,
    current: Option<&plan::Model>,
    target: &plan::Model,
    now: DateTime<Utc>,
) -> Offer {
    let running = sub.filter(|s| {
        matches!(
            s.status,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue
        )
    });
    let (Some(sub), Some(current)) = (running, current) else {
        if let Some(s) = sub.filter(|s| s.status == SubscriptionStatus::PendingPayment) {
            return Offer::Not(if s.plan_id == target.id {
                "Chosen: it starts once its invoice is paid.".into()
            } else {
                "Plans can be changed once the open invoice is paid.".into()
            });
        }
        if target.price > 0 {
            return Offer::Subscribe {
                price: money(target.price, &target.currency),
            };
        }
        if target.id == account.plan_id && account.status == AccountStatus::Trial {
            return Offer::Current;
        }
        return Offer::Not("Free: no subscription.".into());
    };
    let end = sub.current_period_end.map(day).unwrap_or_default();
    if target.id == current.id {
        return match sub.scheduled_plan_id {
            Some(_) => Offer::Keep,
            None => Offer::Current,
        };
    }
    if sub.cancel_at_period_end {
        return Offer::Not("Undo the cancellation to change plans.".into());
    }
    if target.currency != current.currency || target.billing_cycle != current.billing_cycle {
        return Offer::Not(format!(
            "Billed in {} {}, unlike your plan.",
            target.currency, target.billing_cycle
        ));
    }
    if target.price <= 0 {
        return Offer::Not("To stop paying, cancel at the period end.".into());
    }
    if target.price > current.price {
        let period = sub.current_period_start.zip(sub.current_period_end);
        let Some(period) = period else {
            return Offer::Not("Available once the subscription has a period.".into());
        };
        let (amount, days, _) = plans::upgrade_quote(target.price - current.price, period, now);
        return Offer::Upgrade {
            amount: money(amount, &target.currency),
            days,
            until: end,
        };
    }
    if sub.scheduled_plan_id == Some(target.id) {
        return Offer::Scheduled { from: end };
    }
    Offer::Downgrade { from: end }
}

async fn subscription_view(
    state: &AppState,
    sub: &subscription::Model,
    plan_name: String,
) -> Result<SubscriptionView, PageError> {
    let scheduled = match sub.scheduled_plan_id {
        Some(id) => {
            let plan = catalog::plan_by_id(state.db.conn(), id).await?;
            Some((
                plan.name,
                sub.current_period_end.map(day).unwrap_or_default(),
            ))
        }
        None => None,
    };
    let active = sub.status == SubscriptionStatus::Active;
    let end = sub.current_period_end.map(day);
    Ok(SubscriptionView {
        plan_name,
        status: sub.status.as_str(),
        period: sub
            .current_period_start
            .zip(sub.current_period_end)
            .map(|(from, to)| (day(from), day(to))),
        renews_on: end.clone().filter(|_| active && !sub.cancel_at_period_end),
        ends_on: end.filter(|_| active && sub.cancel_at_period_end),
        scheduled,
        may_cancel: active && !sub.cancel_at_period_end,
        may_resume: active && sub.cancel_at_period_end,
    })
}

pub async fn show(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, _) = frame(&state, &customer, "Plan", PAGE).await?;
    let account = &customer.member.account;
    let now = state.db.now();
    let plan = catalog::plan_by_id(state.db.conn(), account.plan_id).await?;
    let sub = plans::current(state.db.conn(), account.id).await?;
    let sub_plan = match &sub {
        Some(s) => Some(catalog::plan_by_id(state.db.conn(), s.plan_id).await?),
        None => None,
    };
    let subscription = match (&sub, &sub_plan) {
        (Some(s), Some(p)) => Some(subscription_view(&state, s, p.name.clone()).await?),
        _ => None,
    };
    let plans = catalog::public_plans(&state.db)
        .await?
        .into_iter()
        .map(|p| PlanLine {
            offer: offer(account, sub.as_ref(), sub_plan.as_ref(), &p, now),
            price: money(p.price, &p.currency),
            slug: p.slug,
            name: p.name,
            cycle: p.billing_cycle,
            credits: p.included_credits,
            max_sites: p.max_sites,
        })
        .collect();
    let invoices = newest_rows::<invoice::Entity>(&state, &customer).await?;
    let page = PlanPage {
        frame,
        plan_name: plan.name,
        account_status: account.status.as_str(),
        trial_ends: account
            .trial_ends_at
            .filter(|_| {
                matches!(
                    account.status,
                    AccountStatus::Trial | AccountStatus::Expired
                )
            })
            .map(day),
        subscription,
        open_invoices: invoices
            .iter()
            .filter(|i| i.status == InvoiceStatus::Pending)
            .map(InvoiceLine::from)
            .collect(),
        plans,
    };
    Ok(html(&page))
}

/// Back to the plan page with what the domain refused, in its words. Any other error is a
/// page of its own.
async fn refused(state: &AppState, by: &Customer, e: Error) -> Result<Response, PageError> {
    let text = match e {
        Error::Conflict(m)
        | Error::Forbidden(m)
        | Error::NotFound(m)
        | Error::PaymentRequired(m) => m,
        Error::Invalid { message, fields } => {
            let said: Vec<String> = fields.into_values().flatten().collect();
            if said.is_empty() {
                message
            } else {
                said.join(" ")
            }
        }
        e @ Error::Contended => e.to_string(),
        other => return Err(other.into()),
    };
    by.flash(state, FlashLevel::Error, text).await?;
    Ok(Redirect::to(PAGE).into_response())
}

async fn plan_name(state: &AppState, id: Option<i64>) -> Result<String, PageError> {
    Ok(match id {
        Some(id) => catalog::plan_by_id(state.db.conn(), id).await?.name,
        None => String::new(),
    })
}

/// Which plan a plan form asks for.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    plan_slug: String,
}

/// Upgrade, subscribe, downgrade or keep the current plan: whichever the chosen plan is.
pub async fn change(
    State(state): State<AppState>,
    Posted { by, form }: Posted<Customer, PlanForm>,
) -> Result<Response, PageError> {
    let account_id = by.member.account.id;
    let asked = By::Member(&by.member);
    let changed = plans::change_plan(&state.db, asked, account_id, Some(&form.plan_slug)).await;
    let (text, to) = match changed {
        Ok(Changed::Upgrade(i)) => (
            format!(
                "Invoice {} of {} issued for the upgrade to the {} plan, which starts once it is paid.",
                i.invoice_number,
                money(i.total, &i.currency),
                plan_name(&state, i.plan_id).await?
            ),
            invoice_href(i.id),
        ),
        Ok(Changed::Subscribed(i)) => (
            format!(
                "Invoice {} of {} issued for the {} plan, which starts once it is paid.",
                i.invoice_number,
                money(i.total, &i.currency),
                plan_name(&state, i.plan_id).await?
            ),
            invoice_href(i.id),
        ),
        Ok(Changed::Scheduled(sub)) => (
            format!(
                "The {} plan starts on {}, when the current period ends.",
                plan_name(&state, sub.scheduled_plan_id).await?,
                sub.current_period_end.map(day).unwrap_or_default()
            ),
            PAGE.to_owned(),
        ),
        Ok(Changed::Unscheduled(sub)) => (
            format!(
                "The scheduled change is withdrawn: you stay on the {} plan.",
                plan_name(&state, Some(sub.plan_id)).await?
            ),
            PAGE.to_owned(),
        ),
        Err(e) => return refused(&state, &by, e).await,
    };
    by.flash(&state, FlashLevel::Success, text).await?;
    Ok(Redirect::to(&to).into_response())
}

/// "Cancel at period end" (`true`) or "Undo cancellation" (`false`).
async fn set_cancel(state: AppState, by: Customer, cancel: bool) -> Result<Response, PageError> {
    let account_id = by.member.account.id;
    let sub = match plans::set_cancel(&state.db, By::Member(&by.member), account_id, cancel).await {
        Ok(sub) => sub,
        Err(e) => return refused(&state, &by, e).await,
    };
    let end = sub.current_period_end.map(day).unwrap_or_default();
    let text = if cancel {
        format!("Your subscription ends on {end} and will not renew; you can undo this until then.")
    } else {
        format!("Cancellation undone: your subscription renews on {end}.")
    };
    by.flash(&state, FlashLevel::Success, text).await?;
    Ok(Redirect::to(PAGE).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    Posted { by, .. }: Posted<Customer, Button>,
) -> Result<Response, PageError> {
    set_cancel(state, by, true).await
}

pub async fn resume(
    State(state): State<AppState>,
    Posted { by, .. }: Posted<Customer, Button>,
) -> Result<Response, PageError> {
    set_cancel(state, by, false).await
}
