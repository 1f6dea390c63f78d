//! Credit top-ups: the packages on sale, and the invoice a purchase issues.

use serde::Serialize;
use utoipa::ToSchema;

use super::billing::InvoiceDetail;
use crate::domain::money::format_minor;
use crate::domain::top_ups::{Bought, price_per_credit};
use crate::entities::top_up_package;

/// A package of credits on sale. The price is given as a decimal string in its currency, like
/// every amount, and in minor units for clients that compute with it.
#[derive(Serialize, ToSchema)]
pub struct TopUpPackage {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "500 credits")]
    pub name: String,
    /// Added to the balance once the purchase's invoice is paid.
    #[schema(example = 500)]
    pub credits: i64,
    #[schema(example = "49.00")]
    pub price: String,
    /// The price in minor units of `currency` (cents).
    #[schema(example = 4900)]
    pub price_minor: i64,
    #[schema(example = "USD")]
    pub currency: String,
    /// The price of one credit, with two more decimal places than the currency has.
    #[schema(example = "0.098")]
    pub price_per_credit: String,
}

impl From<&top_up_package::Model> for TopUpPackage {
    fn from(p: &top_up_package::Model) -> Self {
        TopUpPackage {
            id: p.id,
            name: p.name.clone(),
            credits: p.credits,
            price: format_minor(p.price, &p.currency),
            price_minor: p.price,
            currency: p.currency.clone(),
            price_per_credit: price_per_credit(p.price, p.credits, &p.currency),
        }
    }
}

/// A purchase: the invoice it issued (as `GET billing/invoices/{id}` shows it, with how to pay
/// it by the chosen method), and what it sells.
#[derive(Serialize, ToSchema)]
pub struct TopUpInvoice {
    #[serde(flatten)]
    pub invoice: InvoiceDetail,
    /// The package bought, as it was when bought.
    pub package: TopUpPackage,
    /// Credits granted once the invoice is paid.
    #[schema(example = 500)]
    pub credits: i64,
}

impl From<&Bought> for TopUpInvoice {
    fn from(b: &Bought) -> Self {
        TopUpInvoice {
            invoice: InvoiceDetail::new(&b.invoice, Some(&b.method)),
            package: TopUpPackage::from(&b.package),
            credits: b.invoice.credits.unwrap_or(b.package.credits),
        }
    }
}
