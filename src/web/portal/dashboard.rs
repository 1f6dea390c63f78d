//! `/`: the account at a glance — status, plan, credits, sites used of the plan's limit and
//! the invoice waiting for payment.

use axum::extract::State;
use axum::response::Response;

use crate::domain::{catalog, of_account};
use crate::entities::site;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::format::money;
use crate::web::page::html;
use crate::web::portal::frame::{Frame, frame};
use crate::web::portal::session::Customer;

pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub total: String,
    pub due: String,
}

#[derive(askama::Template)]
#[template(path = "portal/dashboard.html")]
struct Dashboard {
    frame: Frame,
    status: &'static str,
    plan_name: String,
    credits: i64,
    sites_used: usize,
    max_sites: i32,
    open_invoice: Option<OpenInvoice>,
}

pub async fn show(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let (frame, standing) = frame(&state, &customer, "Overview", "/").await?;
    let account = &customer.member.account;
    let plan = catalog::plan_by_id(state.db.conn(), account.plan_id).await?;
    let sites = of_account::all::<site::Entity>(&state.db, account.id).await?;
    let page = Dashboard {
        frame,
        status: account.status.as_str(),
        plan_name: plan.name,
        credits: account.credits,
        sites_used: sites.iter().filter(|s| s.is_active).count(),
        max_sites: plan.max_sites,
        open_invoice: standing.invoice().map(|i| OpenInvoice {
            id: i.id,
            number: i.invoice_number.clone(),
            total: money(i.total, &i.currency),
            due: i.due_date.to_string(),
        }),
    };
    Ok(html(&page))
}
