//! `/admin/billing/reconciliation/`: import a bank statement, see its transfers paired with
//! the payments awaiting review, and approve the pairs — the sure ones ticked already — in
//! one all-or-nothing approval that also links each line to its payment. Unpaired lines and
//! payments stand side by side for pairing by hand.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::domain::reconcile::{self, Overview, Upload};
use crate::domain::statements::{self, Format};
use crate::error::Error;
use crate::state::AppState;
use crate::web::admin::payments::crumbs;
use crate::web::admin::session::Staffer;
use crate::web::error::PageError;
use crate::web::form::Posted;
use crate::web::format::money;
use crate::web::page::{Chrome, FlashLevel, html};
use crate::web::session::SignedInPage;
use crate::web::upload::Uploaded;

pub const PAGE: &str = "/admin/billing/reconciliation/";
/// The largest statement file the panel takes (a 50,000-line camt.053 is about 40 MiB).
const FILE_LIMIT: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/reconciliation", get(page))
        .route(
            "/billing/reconciliation/import",
            post(import).layer(DefaultBodyLimit::max(FILE_LIMIT)),
        )
        .route("/billing/reconciliation/approve", post(approve))
}

#[derive(Template)]
#[template(path = "admin/reconciliation.html")]
struct ReconciliationPage {
    chrome: Chrome,
    view: Overview,
    profiles: Vec<String>,
    stale_days: i64,
}

impl ReconciliationPage {
    fn money(&self, amount: &i64, currency: &str) -> String {
        money(*amount, currency)
    }

    fn difference(&self, d: &Option<i64>, currency: &str) -> String {
        match d {
            Some(0) => String::new(),
            Some(d) if *d > 0 => format!("+{}", money(*d, currency)),
            Some(d) => money(*d, currency),
            None => "other currency".into(),
        }
    }
}

async fn page(State(state): State<AppState>, staffer: Staffer) -> Result<Response, PageError> {
    let view = reconcile::overview(&state.db, state.reconcile_stale_after).await?;
    let mut profiles: Vec<String> = statements::builtin_profiles()
        .into_iter()
        .chain(state.statement_profiles.iter().cloned())
        .map(|p| p.name)
        .collect();
    profiles.dedup();
    let page = ReconciliationPage {
        chrome: staffer
            .chrome(&state, "Bank reconciliation", crumbs())
            .await?,
        view,
        profiles,
        stale_days: state.reconcile_stale_after.num_days(),
    };
    Ok(html(&page))
}

/// The upload form: the same import as `tollgate statements import`.
async fn import(
    State(state): State<AppState>,
    upload: Uploaded<Staffer>,
) -> Result<Response, PageError> {
    let Some(file) = &upload.file else {
        return flash_back(
            &state,
            &upload.by,
            FlashLevel::Error,
            "Choose a statement file.",
        )
        .await;
    };
    let format = match upload.text("format") {
        "" | "auto" => None,
        text => Some(
            text.parse::<Format>()
                .map_err(|_| Error::field("format", "Choose camt053, mt940 or csv."))?,
        ),
    };
    let profile = Some(upload.text("profile")).filter(|p| !p.is_empty());
    let given = Upload {
        file_name: &file.file_name,
        bytes: &file.bytes,
        format,
        profile,
        extra_profiles: &state.statement_profiles,
    };
    let staff = &upload.by.staff;
    let (level, text) = match reconcile::import(&state.db, Some(staff), given, &|_, _| {}).await {
        Ok(done) => (
            FlashLevel::Success,
            format!(
                "{}: {} lines read, {} new, {} already imported; {} paired with a payment, {} ready to approve.",
                file.file_name,
                done.read,
                done.new,
                done.already,
                done.suggestions.len(),
                done.suggestions.iter().filter(|s| s.preselected()).count()
            ),
        ),
        Err(Error::Invalid { message, fields }) => {
            let detail = fields.into_values().flatten().collect::<Vec<_>>().join(" ");
            (
                FlashLevel::Error,
                if detail.is_empty() { message } else { detail },
            )
        }
        Err(e) => return Err(e.into()),
    };
    flash_back(&state, &upload.by, level, &text).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PairsForm {
    /// `line:payment`, one per ticked pair.
    pair: Vec<String>,
    /// A pair made by hand from the two side-by-side lists.
    line: Option<i64>,
    payment: Option<i64>,
}

async fn approve(
    State(state): State<AppState>,
    Posted { by: staffer, form }: Posted<Staffer, PairsForm>,
) -> Result<Response, PageError> {
    let mut pairs: Vec<(i64, i64)> = form
        .pair
        .iter()
        .filter_map(|p| {
            let (line, payment) = p.split_once(':')?;
            Some((line.parse().ok()?, payment.parse().ok()?))
        })
        .collect();
    if let (Some(line), Some(payment)) = (form.line, form.payment) {
        pairs.push((line, payment));
    }
    let (level, text) = match reconcile::approve(&state.db, &staffer.staff, &pairs).await {
        Ok(done) => {
            let credits: i64 = done.iter().map(|r| r.credits_added).sum();
            let n = done.len();
            let plural = if n == 1 { "" } else { "s" };
            (
                FlashLevel::Success,
                format!(
                    "Approved {n} payment{plural} and linked their statement lines; {credits} credits granted."
                ),
            )
        }
        Err(e @ (Error::Conflict(_) | Error::NotFound(_) | Error::Invalid { .. })) => {
            (FlashLevel::Error, e.to_string())
        }
        Err(e) => return Err(e.into()),
    };
    flash_back(&state, &staffer, level, &text).await
}

async fn flash_back(
    state: &AppState,
    staffer: &Staffer,
    level: FlashLevel,
    text: &str,
) -> Result<Response, PageError> {
    staffer.flash(state, level, text.to_owned()).await?;
    Ok(Redirect::to(PAGE).into_response())
}
