//! Credit top-ups: a customer buys a package of credits (`top_up_packages`) with an invoice,
//! paid like any other (confirmed transfer and staff approval, card, PayPal). The credits
//! land only when it is paid: `settlement::settle` grants an invoice's `credits` with a
//! `purchase` ledger row and leaves the account's status alone. The API, the portal and the
//! tests all buy through [`buy`]; staff edit the packages in `catalog_admin`.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use crate::db::Db;
use crate::domain::idempotency::Seal;
use crate::domain::money::{format_minor, minor_places};
use crate::domain::status::{AccountStatus, PaymentMethod, TextEnum};
use crate::domain::{Member, accounts, audit, catalog, invoices, notify};
use crate::entities::{account, invoice, payment_method_config as pmc, top_up_package as package};
use crate::error::{Error, Problems, Result};

const NOT_FOUND: &str = "Top-up package not found";

/// A purchase as asked for.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BuyInput {
    /// An active package, from `GET billing/credits/top-ups`.
    #[schema(value_type = i64, example = 1)]
    pub package_id: Option<i64>,
    // Text, so that an unknown method gets the domain's message rather than a decoding error.
    // (No doc comment: utoipa would wrap the inlined enum in an `allOf` with an object.)
    #[schema(value_type = PaymentMethod, inline, required = true)]
    pub payment_method: Option<String>,
}

/// What [`buy`] did: the invoice to pay, what it sells, and how it is to be paid.
#[derive(Debug)]
pub struct Bought {
    pub invoice: invoice::Model,
    pub package: package::Model,
    /// The chosen method as configured for the account's country (its payee details).
    pub method: pmc::Model,
}

/// The packages on sale, in the order staff gave them.
pub async fn active(db: &Db) -> Result<Vec<package::Model>> {
    Ok(package::Entity::find()
        .filter(package::Column::IsActive.eq(true))
        .order_by_asc(package::Column::SortOrder)
        .order_by_asc(package::Column::Id)
        .all(db.conn())
        .await?)
}

/// Refuses a member who may not buy credits now, saying why: a viewer (read-only), or an
/// account that is neither on a trial nor active. The portal asks before showing its form;
/// [`buy`] asks again of the account as it is inside its transaction.
pub fn ensure_may_buy(member: &Member) -> Result<()> {
    member.ensure_can_write()?;
    ensure_standing(member.account.status)
}

/// Credits are sold to accounts in good standing only: one that must pay first is told what
/// to pay (402, as for spending), one awaiting its first approval is told to wait (403).
fn ensure_standing(status: AccountStatus) -> Result<()> {
    let pay = |m: &str| Err(Error::PaymentRequired(m.to_owned()));
    match status {
        AccountStatus::Trial | AccountStatus::Active => Ok(()),
        AccountStatus::PendingPayment => Err(Error::Forbidden(
            "Your account is awaiting its first payment's approval; credits can be bought once it is active."
                .into(),
        )),
        AccountStatus::Suspended => pay(
            "Your account is suspended because its renewal invoice is unpaid; pay it (GET billing/invoices/) before buying credits.",
        ),
        AccountStatus::Expired => pay("Your free trial has ended; choose a plan before buying credits."),
        AccountStatus::Cancelled => {
            pay("Your subscription is cancelled; choose a plan before buying credits.")
        }
    }
}

/// The methods `account` may pay a top-up by: those offered in its billing country that this
/// server takes (card and PayPal once their providers' keys are set), in the configured order.
pub async fn payment_methods(db: &Db, account: &account::Model) -> Result<Vec<pmc::Model>> {
    let offered = catalog::payment_methods_for(db, account.billing_country.as_deref()).await?;
    Ok(offered
        .into_iter()
        .filter(|m| catalog::takes(db, m.payment_method))
        .collect())
}

/// Buys a package: checks the member, the package (active) and the method (offered in the
/// account's country), then, in one transaction with the account's row locked (so a
/// suspension committing meanwhile is seen), issues the invoice with its audit entry and its
/// mail and `invoice.created` event in the outbox. `seal` keeps the answer under the request's
/// Idempotency-Key, so a retry replays it instead of issuing a second invoice.
pub async fn buy(
    db: &Db,
    member: &Member,
    input: BuyInput,
    seal: &Seal<'_, Bought>,
) -> Result<Bought> {
    member.ensure_can_write()?;
    let (package_id, method) = checked(input)?;
    let now = db.now();
    let txn = db.begin_write().await?;
    let account = accounts::lock(&*txn, member.account.id, now).await?;
    ensure_standing(account.status)?;
    let package = package::Entity::find_by_id(package_id)
        .filter(package::Column::IsActive.eq(true))
        .one(&*txn)
        .await?
        .ok_or_else(|| Error::NotFound(NOT_FOUND.into()))?;
    let method = offered(db, &account, method).await?;
    let invoice =
        invoices::issue_top_up_by(&*txn, &account, &package, method.payment_method, now).await?;
    let after = json!({
        "invoice": invoice.invoice_number, "package_id": package.id, "package": package.name,
        "credits": package.credits, "total": format_minor(invoice.total, &invoice.currency),
        "currency": invoice.currency, "payment_method": method.payment_method,
    });
    let action = audit::Action {
        actor: Some(member.user.id),
        action: "top_up.buy",
        object_type: "invoice",
        object_id: invoice.id,
        before: serde_json::Value::Null,
        after,
        ledger_id: None,
    };
    audit::record(&*txn, action).await?;
    notify::invoice_issued(&*txn, &invoice).await?;
    let bought = Bought {
        invoice,
        package,
        method,
    };
    seal.write(&*txn, &bought).await?;
    txn.commit().await?;
    Ok(bought)
}

/// The fields a purchase must have, every missing one named at once.
fn checked(input: BuyInput) -> Result<(i64, PaymentMethod)> {
    let mut p = Problems::default();
    if input.package_id.is_none() {
        p.add("package_id", "This field is required.");
    }
    let text = input.payment_method.as_deref().map(str::trim).unwrap_or("");
    let method = PaymentMethod::parse(text);
    if text.is_empty() {
        p.add("payment_method", "This field is required.");
    } else if method.is_none() {
        let choices = PaymentMethod::listed();
        p.add("payment_method", format!("Choose one of: {choices}."));
    }
    p.finish()?;
    match (input.package_id, method) {
        (Some(id), Some(method)) => Ok((id, method)),
        _ => Err(Error::Internal(anyhow::anyhow!("fields checked above"))),
    }
}

/// `method` as configured for the account's country, if the country offers it and this
/// server takes it; otherwise a field error saying which.
async fn offered(db: &Db, account: &account::Model, method: PaymentMethod) -> Result<pmc::Model> {
    let country = account.billing_country.as_deref();
    match catalog::payment_method(db, country, method).await? {
        Some(m) if catalog::takes(db, m.payment_method) => Ok(m),
        Some(m) => Err(Error::field(
            "payment_method",
            format!(
                "{} is not set up on this server; choose another method.",
                m.display_name
            ),
        )),
        None => Err(Error::field(
            "payment_method",
            "This payment method is not available in your country.",
        )),
    }
}

/// The price of one credit of a package, as a decimal in its currency with two more places
/// than the currency has (trailing zeros dropped down to its own): 49.00 USD for 500 credits
/// is "0.098". Exact integer arithmetic, rounded half up.
pub fn price_per_credit(price: i64, credits: i64, currency: &str) -> String {
    if credits <= 0 {
        return format_minor(price, currency);
    }
    let places = minor_places(currency) as usize;
    let digits = places + 2;
    // In hundredths of a minor unit.
    let (price, credits) = (i128::from(price), i128::from(credits));
    let scaled = (price * 200 + credits) / (2 * credits);
    let scale = 10i128.pow(digits as u32);
    let mut text = format!("{}.{:0digits$}", scaled / scale, scaled % scale);
    while text.ends_with('0') && text.len() - text.find('.').unwrap_or(0) - 1 > places {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_per_credit_is_exact_with_two_more_places() {
        assert_eq!(price_per_credit(4_900, 500, "USD"), "0.098");
        assert_eq!(price_per_credit(17_900, 2_000, "USD"), "0.0895");
        assert_eq!(price_per_credit(79_000, 10_000, "USD"), "0.079");
        assert_eq!(price_per_credit(10_000, 100, "USD"), "1.00");
        assert_eq!(price_per_credit(0, 500, "USD"), "0.00");
        // Rounded half up in the last place shown.
        assert_eq!(price_per_credit(1, 3, "USD"), "0.0033");
        assert_eq!(price_per_credit(2, 3, "USD"), "0.0067");
        assert_eq!(price_per_credit(1_000, 300, "JPY"), "3.33");
        assert_eq!(price_per_credit(1_000, 100, "JPY"), "10");
        assert_eq!(price_per_credit(4_900, 0, "USD"), "49.00");
    }

    #[test]
    fn only_trials_and_active_accounts_may_buy() {
        use AccountStatus::*;
        assert!(ensure_standing(Trial).is_ok() && ensure_standing(Active).is_ok());
        assert!(matches!(
            ensure_standing(PendingPayment),
            Err(Error::Forbidden(_))
        ));
        for status in [Suspended, Expired, Cancelled] {
            assert!(matches!(
                ensure_standing(status),
                Err(Error::PaymentRequired(m)) if m.contains("before buying credits")
            ));
        }
    }

    #[test]
    fn missing_fields_are_named_together() {
        let Err(Error::Invalid { fields, .. }) = checked(BuyInput::default()) else {
            panic!("refused");
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["package_id", "payment_method"]
        );
        let card = BuyInput {
            package_id: Some(1),
            payment_method: Some("card".into()),
        };
        assert!(matches!(checked(card), Err(Error::Invalid { .. })));
    }
}
