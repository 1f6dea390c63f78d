//! "Refund" on a paid invoice's page (`…/invoice/{id}/refund/`): one call of
//! `domain::refunds::refund`, whose answer (the credit note, or why not) is flashed on the
//! invoice's page.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::money::format_minor;
use crate::domain::refunds::{self, RefundInput, Refundable};
use crate::domain::status::PayoutStatus;
use crate::state::AppState;
use crate::web::admin::links;
use crate::web::admin::record_pages::parse_id;
use crate::web::admin::session::Staffer;
use crate::web::admin::subscription_actions::flash_outcome;
use crate::web::admin::view::{Field, FormView};
use crate::web::error::PageError;
use crate::web::form::Posted;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RefundForm {
    amount: String,
    reason: String,
}

pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, RefundForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Invoice")?;
    let input = RefundInput {
        amount: Some(form.amount),
        reason: Some(form.reason),
    };
    let missing = state.providers.missing();
    let done = refunds::refund(&state.db, &staffer.staff, id, input, &missing).await;
    let outcome = done.map(|r| {
        let n = &r.credit_note;
        let money = format!("{} {}", format_minor(n.amount, &n.currency), n.currency);
        let credits = match n.credits {
            0 => String::new(),
            c => format!(" {c} credits were taken back."),
        };
        let payout = match n.payout_status {
            PayoutStatus::ByStaff => "Pay the money out to the customer yourself.",
            PayoutStatus::Pending => "The provider is asked for the refund now.",
            PayoutStatus::NotConfigured => {
                "This server has no keys for the provider: refund it in the provider's dashboard."
            }
            PayoutStatus::Refunded | PayoutStatus::Failed => "",
        };
        format!(
            "Credit note {} issued for {money}.{credits} {payout}",
            n.number
        )
    });
    flash_outcome(&state, &staffer, outcome).await?;
    Ok(Redirect::to(&links::href(links::INVOICES, id)).into_response())
}

/// The refund form, when something is left to refund.
pub fn form(invoice_id: i64, currency: &str, r: &Refundable) -> Option<FormView> {
    if r.max_amount == 0 {
        return None;
    }
    let most = format_minor(r.max_amount, currency);
    let mut help = format!(
        "At most {most} {currency}: paid {}, refunded {}.",
        format_minor(r.paid, currency),
        format_minor(r.refunded, currency)
    );
    if r.granted > 0 {
        help.push_str(&format!(
            " {} of the {} credits it granted are unspent; the credits a refund is worth are taken back.",
            r.unspent, r.granted
        ));
    }
    Some(FormView {
        title: "Refund".into(),
        action: format!("{}refund/", links::href(links::INVOICES, invoice_id)),
        fields: vec![
            Field::new("text", "amount", &format!("Amount ({currency})"), most)
                .required()
                .help(help),
            Field::new("textarea", "reason", "Reason", "")
                .required()
                .help("Printed on the credit note and sent to the customer."),
        ],
        submit: "Refund and issue credit note".into(),
        danger: true,
    })
}
