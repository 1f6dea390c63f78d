//! What staff do from a subscription's page, each through one domain function with the same
//! rules as the API and the portal: change its plan, cancel it at the period end, undo that.
//! A refusal (a conflict, a field error) is flashed on the subscription's page, not an error
//! page: the page says why and what to do first.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::backoffice::subscription_actions;
use crate::domain::lifecycle::plans::Changed;
use crate::domain::money::format_minor;
use crate::error::Error;
use crate::state::AppState;
use crate::web::admin::accounts::problem_text;
use crate::web::admin::links;
use crate::web::admin::record_pages::parse_id;
use crate::web::admin::session::Staffer;
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::SUBSCRIPTIONS;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    plan_slug: String,
}

/// What the outcome says, or the refusal as the flash to show; any other error is an error
/// page.
pub(crate) async fn flash_outcome(
    state: &AppState,
    staffer: &Staffer,
    outcome: Result<String, Error>,
) -> Result<(), PageError> {
    let (level, text) = match outcome {
        Ok(text) => (FlashLevel::Success, text),
        Err(e @ (Error::Conflict(_) | Error::Invalid { .. } | Error::Contended)) => {
            (FlashLevel::Error, problem_text(&e))
        }
        Err(e) => return Err(e.into()),
    };
    staffer.flash(state, level, text).await
}

/// "Change plan" (`…/{id}/plan/`): an upgrade's invoice, a downgrade scheduled or withdrawn,
/// or — on an ended subscription — a new one with its first invoice (its page is shown next).
pub async fn change_plan(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, PlanForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Subscription")?;
    let slug = Some(form.plan_slug.as_str());
    let changed = subscription_actions::change_plan(&state.db, &staffer.staff, id, slug).await;
    let mut back = id;
    let outcome = changed.map(|changed| match changed {
        Changed::Upgrade(i) => format!(
            "Upgrade invoiced: {} for {} {}. The new plan applies once it is paid.",
            i.invoice_number,
            format_minor(i.total, &i.currency),
            i.currency
        ),
        Changed::Subscribed(i) => {
            back = i.subscription_id.unwrap_or(id);
            format!(
                "A new subscription was created with invoice {}; it is active once that is paid.",
                i.invoice_number
            )
        }
        Changed::Scheduled(s) => format!(
            "The plan change is scheduled from the period end ({}).",
            s.current_period_end
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default()
        ),
        Changed::Unscheduled(_) => "The scheduled plan change was withdrawn.".to_owned(),
    });
    flash_outcome(&state, &staffer, outcome).await?;
    Ok(Redirect::to(&links::href(LIST, back)).into_response())
}

/// "Cancel at period end" (`…/{id}/cancel/`) and "Undo cancellation" (`…/{id}/resume/`).
pub async fn set_cancel(
    State(state): State<AppState>,
    Path((id, verb)): Path<(String, String)>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    let cancel = match verb.as_str() {
        "cancel" => true,
        "resume" => false,
        _ => return Err(Error::NotFound("Page not found".into()).into()),
    };
    let id = parse_id(&id, "Subscription")?;
    let saved = subscription_actions::set_cancel(&state.db, &staffer.staff, id, cancel).await;
    let outcome = saved.map(|s| {
        let end = s
            .current_period_end
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default();
        match cancel {
            true => format!("The subscription will end on {end}; it will not renew."),
            false => format!("The cancellation was undone; the subscription renews on {end}."),
        }
    });
    flash_outcome(&state, &staffer, outcome).await?;
    Ok(Redirect::to(&links::href(LIST, id)).into_response())
}
