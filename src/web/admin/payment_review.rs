//! Reviewing payments from the panel: the bulk action with its confirmation page, and the
//! Approve / Reject buttons of one payment's page. Both call the same domain functions as the
//! JSON API.

use crate::web::form::Posted;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::idempotency::Seal;
use crate::domain::payment_queue;
use crate::domain::payments;
use crate::domain::status::PaymentStatus;
use crate::error::Error;
use crate::state::AppState;
use crate::web::admin::payments::{APPROVE, LIST, REJECT, cells, crumbs, shared_refs};
use crate::web::admin::query::ListQuery;
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Chrome, Row, html};
use crate::web::error::PageError;
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    #[serde(rename = "_selected_action")]
    selected: Vec<String>,
    confirmed: String,
    admin_notes: String,
    failure_reason: String,
}

#[derive(Template)]
#[template(path = "admin/payment_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    heading: String,
    intro: String,
    action: String,
    reject: bool,
    rows: Vec<Row>,
    admin_notes: String,
    failure_reason: String,
    return_query: String,
}

/// The action menu's "Go": first a confirmation page, then — on "Yes, I'm sure" — every
/// selected payment reviewed in one transaction by the same domain function as the API.
pub async fn bulk_action(
    State(state): State<AppState>,
    uri: Uri,
    Posted { by: staffer, form }: Posted<Staffer, ActionForm>,
) -> Result<Response, PageError> {
    let back = ListQuery::parse(uri.query());
    let back_href = back.href(LIST);
    let ids: Vec<i64> = form
        .selected
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let reject = match form.action.as_str() {
        APPROVE => false,
        REJECT => true,
        _ => {
            staffer
                .flash(&state, FlashLevel::Error, "No action selected.".into())
                .await?;
            return Ok(Redirect::to(&back_href).into_response());
        }
    };
    if ids.is_empty() {
        let text = "Items must be selected in order to perform actions on them. No items have been changed.";
        staffer
            .flash(&state, FlashLevel::Error, text.into())
            .await?;
        return Ok(Redirect::to(&back_href).into_response());
    }

    let mut problem = None;
    if form.confirmed == "yes" {
        let notes = Some(form.admin_notes.clone());
        let outcome = if reject {
            let reason = Some(form.failure_reason.clone());
            payments::reject(
                &state.db,
                &staffer.staff,
                &ids,
                notes,
                reason,
                &Seal::none(),
            )
            .await
        } else {
            payments::approve(&state.db, &staffer.staff, &ids, notes, &Seal::none()).await
        };
        match outcome {
            Ok(done) => {
                let n = done.len();
                let plural = if n == 1 { "" } else { "s" };
                let text = if reject {
                    format!("Rejected {n} payment{plural}.")
                } else {
                    let credits: i64 = done.iter().map(|r| r.credits_added).sum();
                    format!("Approved {n} payment{plural}; {credits} credits granted.")
                };
                staffer.flash(&state, FlashLevel::Success, text).await?;
                return Ok(Redirect::to(&back_href).into_response());
            }
            Err(e @ (Error::Conflict(_) | Error::NotFound(_) | Error::Invalid { .. })) => {
                problem = Some(e.to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }

    let rows = payment_queue::rows_by_ids(&state.db, &ids).await?;
    let shared = shared_refs(&state, &rows).await?;
    let verb = if reject { "reject" } else { "approve" };
    let mut trail = crumbs();
    trail.push(("Payments".into(), LIST.into()));
    let mut chrome = staffer
        .chrome(&state, format!("Confirm: {verb} payments"), trail)
        .await?;
    if let Some(p) = &problem {
        chrome
            .messages
            .push(crate::web::page::Message::error(p.clone()));
    }
    let page = ConfirmPage {
        chrome,
        heading: "Are you sure?".into(),
        intro: format!(
            "You are about to {verb} {}. All of them are processed together: \
             if any is no longer pending approval, nothing changes.",
            match rows.len() {
                1 => "this payment".to_owned(),
                n => format!("these {n} payments"),
            }
        ),
        action: form.action.clone(),
        reject,
        rows: rows
            .iter()
            .map(|r| {
                let mut cells = cells(r, &shared, false);
                if r.payment.status != PaymentStatus::PendingApproval
                    && let Some(c) = cells.last_mut()
                {
                    c.warn = Some("no longer pending".into());
                }
                Row {
                    id: r.payment.id,
                    cells,
                }
            })
            .collect(),
        admin_notes: form.admin_notes,
        failure_reason: form.failure_reason,
        return_query: back.to_query_string(),
    };
    let status = if problem.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok((status, html(&page)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    admin_notes: String,
    failure_reason: String,
}

/// A payment page's "Approve" or "Reject" (`…/{id}/approve`, `…/{id}/reject`).
pub async fn review(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    Posted { by: staffer, form }: Posted<Staffer, ReviewForm>,
) -> Result<Response, PageError> {
    let reject = match decision.as_str() {
        "approve" => false,
        "reject" => true,
        _ => return Err(Error::NotFound("Page not found".into()).into()),
    };
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound("Payment not found".into()))?;
    let notes = Some(form.admin_notes);
    let outcome = if reject {
        payments::reject(
            &state.db,
            &staffer.staff,
            &[id],
            notes,
            Some(form.failure_reason),
            &Seal::none(),
        )
        .await
    } else {
        payments::approve(&state.db, &staffer.staff, &[id], notes, &Seal::none()).await
    };
    match outcome {
        Ok(done) if reject => {
            staffer
                .flash(
                    &state,
                    FlashLevel::Success,
                    format!("Payment #{id} rejected."),
                )
                .await?;
            let _ = done;
        }
        Ok(done) => {
            let credits: i64 = done.iter().map(|r| r.credits_added).sum();
            let text = format!("Payment #{id} approved; {credits} credits granted.");
            staffer.flash(&state, FlashLevel::Success, text).await?;
        }
        Err(e @ (Error::Conflict(_) | Error::Invalid { .. })) => {
            staffer
                .flash(&state, FlashLevel::Error, e.to_string())
                .await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{LIST}{id}/")).into_response())
}
