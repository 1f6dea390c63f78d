//! Where a customer's account stands with its payments: the invoice it must pay, if any, and
//! what became of the latest payment reported for it. What the portal's banner says on every
//! page, read in one place.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::domain::status::{InvoiceStatus, PaymentStatus};
use crate::entities::{invoice, payment};
use crate::error::Result;

#[derive(Debug)]
pub enum Standing {
    /// Nothing to pay and nothing waiting (a trial, or every invoice paid).
    Settled,
    /// An invoice is open and no payment of it is waiting.
    Unpaid { invoice: invoice::Model },
    /// A reported payment awaits staff review.
    InReview {
        invoice: invoice::Model,
        payment: payment::Model,
    },
    /// Staff rejected the latest payment, with their reason: the customer may pay again.
    Rejected {
        invoice: invoice::Model,
        payment: payment::Model,
    },
}

impl Standing {
    /// The open invoice, if there is one.
    pub fn invoice(&self) -> Option<&invoice::Model> {
        match self {
            Standing::Settled => None,
            Standing::Unpaid { invoice }
            | Standing::InReview { invoice, .. }
            | Standing::Rejected { invoice, .. } => Some(invoice),
        }
    }
}

/// The account's oldest open invoice and the newest payment reported for it.
pub async fn of_account(db: &Db, account_id: i64) -> Result<Standing> {
    let open = invoice::Entity::find()
        .filter(invoice::Column::AccountId.eq(account_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Pending))
        .order_by_asc(invoice::Column::Id)
        .one(db.conn())
        .await?;
    let Some(invoice) = open else {
        return Ok(Standing::Settled);
    };
    let latest = payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice.id))
        .order_by_desc(payment::Column::Id)
        .one(db.conn())
        .await?;
    Ok(match latest {
        Some(payment) if payment.status == PaymentStatus::PendingApproval => {
            Standing::InReview { invoice, payment }
        }
        Some(payment) if payment.status == PaymentStatus::Failed => {
            Standing::Rejected { invoice, payment }
        }
        _ => Standing::Unpaid { invoice },
    })
}
