//! `/credits/top-ups/`: buying credits. The packages on sale with their price per credit, the
//! payment methods offered in the account's country, and one form that calls
//! `top_ups::buy` — the same rules as the API — then leads to the new invoice's page, where
//! the usual ways to pay it are. An account that may not buy (suspended, trial ended…) is
//! told why instead of being shown the form.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::idempotency::Seal;
use crate::domain::top_ups::{self, BuyInput};
use crate::entities::top_up_package;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{FormErrors, Posted, given, refused_fields};
use crate::web::format::money;
use crate::web::page::{FlashLevel, html};
use crate::web::portal::frame::{Frame, frame, invoice_href};
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

pub const PAGE: &str = "/credits/top-ups/";

/// A package as its card shows it.
pub struct PackageCard {
    pub id: String,
    pub name: String,
    /// With thousands separated, as the seeded names write them ("2,000").
    pub credits: String,
    pub price: String,
    pub per_credit: String,
}

impl From<&top_up_package::Model> for PackageCard {
    fn from(p: &top_up_package::Model) -> Self {
        PackageCard {
            id: p.id.to_string(),
            name: p.name.clone(),
            credits: grouped(p.credits),
            price: money(p.price, &p.currency),
            per_credit: format!(
                "{} {}",
                top_ups::price_per_credit(p.price, p.credits, &p.currency),
                p.currency
            ),
        }
    }
}

/// `10000` → `"10,000"`.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BuyForm {
    package_id: String,
    payment_method: String,
}

#[derive(askama::Template)]
#[template(path = "portal/top_ups.html")]
struct TopUpsPage {
    frame: Frame,
    balance: i64,
    packages: Vec<PackageCard>,
    /// The methods the account may pay by: (value, label).
    methods: Vec<(String, String)>,
    /// Why the account may not buy now; the form is not shown then.
    refusal: Option<String>,
    /// The account is suspended: its invoices are what to look at.
    suspended: bool,
    form: BuyForm,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    customer: &Customer,
    form: Option<BuyForm>,
    errors: FormErrors,
) -> Result<TopUpsPage, PageError> {
    let (frame, _) = frame(state, customer, "Buy credits", "/credits/").await?;
    let account = &customer.member.account;
    let packages = top_ups::active(&state.db).await?;
    let methods: Vec<(String, String)> = top_ups::payment_methods(&state.db, account)
        .await?
        .into_iter()
        .map(|m| (m.payment_method.as_str().to_owned(), m.display_name))
        .collect();
    // Nothing is chosen for the customer but what they chose before, or the only choice.
    let form = form.unwrap_or_else(|| BuyForm {
        package_id: String::new(),
        payment_method: match methods.as_slice() {
            [(only, _)] => only.clone(),
            _ => String::new(),
        },
    });
    let refusal = top_ups::ensure_may_buy(&customer.member)
        .err()
        .map(|e| e.to_string());
    Ok(TopUpsPage {
        frame,
        balance: account.credits,
        packages: packages.iter().map(PackageCard::from).collect(),
        methods,
        refusal,
        suspended: account.status == crate::domain::status::AccountStatus::Suspended,
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    customer: Customer,
) -> Result<Response, PageError> {
    let page = page(&state, &customer, None, FormErrors::default()).await?;
    Ok(html(&page))
}

/// Buys through the domain, then on to the new invoice with what to do next; a refusal comes
/// back on the form, beside the field it concerns.
pub async fn buy(
    State(state): State<AppState>,
    Posted { by, form }: Posted<Customer, BuyForm>,
) -> Result<Response, PageError> {
    let input = BuyInput {
        // Not a number: the domain's "required" answer names the field.
        package_id: form.package_id.trim().parse().ok(),
        payment_method: given(&form.payment_method),
    };
    match top_ups::buy(&state.db, &by.member, input, &Seal::none()).await {
        Ok(bought) => {
            let i = &bought.invoice;
            let text = format!(
                "Invoice {} of {} issued for {} credits. Pay it below; the credits are added to your balance once the payment is approved.",
                i.invoice_number,
                money(i.total, &i.currency),
                bought.package.credits
            );
            by.flash(&state, FlashLevel::Success, text).await?;
            Ok(Redirect::to(&invoice_href(i.id)).into_response())
        }
        Err(e) => {
            let e = match e {
                // A package taken off sale since the page was shown: said beside the choice.
                Error::NotFound(message) => Error::field("package_id", message),
                e => e,
            };
            let (status, errors) = refused_fields(e)?;
            let page = page(&state, &by, Some(form), errors).await?;
            Ok((status, html(&page)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credits_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (500, "500"),
            (2_000, "2,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(super::grouped(n), text);
        }
        assert_eq!(super::grouped(-10_000), "-10,000");
    }
}
