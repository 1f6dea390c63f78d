//! Credit top-ups: the packages on sale (public, like the plans), and buying one, which issues
//! an invoice paid like any other; its credits are added once it is paid (`domain::top_ups`).

use axum::extract::State;

use crate::api::caller::Customer;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    Conflict, CustomerMayNotUse, JsonErrors, MustPay, NotFound, QueryErrors, Unauthenticated,
};
use crate::api::extract::AppJson;
use crate::api::idempotency::IdempotencyKey;
use crate::api::operations::public_list;
use crate::api::replies::lists::{self, Page};
use crate::api::replies::top_ups::{TopUpInvoice, TopUpPackage};
use crate::domain::money::format_minor;
use crate::domain::top_ups::{self, Bought, BuyInput};
use crate::error::Result;
use crate::state::AppState;

public_list! {
    /// The credit packages on sale, in display order.
    packages: "/billing/credits/top-ups", "Credit packages on sale", top_ups::active => TopUpPackage
}

/// Buy a credit package.
///
/// Issues an invoice for the package's price, due in 7 days, with how to pay it by the chosen
/// method (one offered in the account's billing country: `GET
/// billing/admin/payment-methods?country=`). Pay it like any invoice — confirm a transfer with
/// its reference, or by card or PayPal — and the credits are added once the payment succeeds
/// (a `purchase` row in the ledger); the account's status does not change. Only trial and
/// active accounts may buy: a suspended, expired or cancelled one is answered 402 saying what
/// to pay or choose first.
#[utoipa::path(
    post,
    path = "/billing/credits/top-ups",
    tag = "credits",
    request_body = BuyInput,
    responses(
        (status = 201, description = "The package's invoice, to pay", body = Envelope<TopUpInvoice>),
        JsonErrors, Unauthenticated, MustPay, CustomerMayNotUse, NotFound, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn buy(
    State(state): State<AppState>,
    Customer(member): Customer,
    key: IdempotencyKey,
    AppJson(input): AppJson<BuyInput>,
) -> Result<Reply<TopUpInvoice>> {
    let bought = top_ups::buy(&state.db, &member, input, &key.seal(bought_reply)).await?;
    Ok(bought_reply(&bought))
}

fn bought_reply(b: &Bought) -> Reply<TopUpInvoice> {
    let i = &b.invoice;
    let message = format!(
        "Invoice {} of {} {} issued for {} credits; they are added once it is paid.",
        i.invoice_number,
        format_minor(i.total, &i.currency),
        i.currency,
        b.package.credits
    );
    created(TopUpInvoice::from(b)).message(message)
}
