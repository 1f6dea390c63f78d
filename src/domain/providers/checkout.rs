//! Starting a card or PayPal payment of an invoice. The payment row is written first, in
//! `processing`, and committed; only then is the provider asked, with the row's id in its
//! metadata and idempotency key. So a provider's event always finds its payment (even when it
//! arrives before the provider's answer to `start` does), and a retried request never starts
//! a second charge for the same attempt.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{Checkout, PaymentProvider, Started};
use crate::db::Db;
use crate::domain::idempotency::Seal;
use crate::domain::status::{InvoiceStatus, Lifecycle, PaymentMethod, PaymentStatus};
use crate::domain::{Member, audit, catalog};
use crate::entities::{invoice, payment};
use crate::error::{Error, Result};

/// Where the provider sends the customer back (PayPal); unused by card payments.
pub struct ReturnUrls {
    pub approved: String,
    pub cancelled: String,
}

impl ReturnUrls {
    /// The portal's page of the invoice, at the server's public address: PayPal adds the
    /// order (`token=`) and the page offers to complete the payment.
    pub fn to_invoice(public_url: &str, invoice_id: i64) -> ReturnUrls {
        let page = format!("{public_url}/invoices/{invoice_id}/");
        ReturnUrls {
            approved: format!("{page}?paypal=approved"),
            cancelled: format!("{page}?paypal=cancelled"),
        }
    }
}

/// A started payment: tollgate's row and what the provider answered.
#[derive(Debug)]
pub struct Begun {
    pub payment: payment::Model,
    pub invoice: invoice::Model,
    pub started: Started,
}

/// The provider a member pays with: a member who may not pay (a viewer) is refused first,
/// then a provider this server has no keys for (422, in the same words as a method the
/// account's country does not offer).
pub fn usable<'p, P: PaymentProvider>(
    member: &Member,
    provider: Option<&'p P>,
    method: PaymentMethod,
) -> Result<&'p P> {
    member.ensure_can_write()?;
    provider.ok_or_else(|| not_available(method))
}

fn not_available(method: PaymentMethod) -> Error {
    Error::Unprocessable(format!(
        "Paying by {method} is not available for this account."
    ))
}

/// Starts paying one of the member's invoices with `provider`. `card` is a payment method the
/// browser already tokenised (Stripe `pm_…`), confirmed at once; without it the browser
/// confirms with the returned client secret. `seal` keeps the answer under the request's
/// Idempotency-Key, so a retried request replays it instead of starting a second charge.
pub async fn begin<P: PaymentProvider>(
    db: &Db,
    provider: &P,
    member: &Member,
    invoice_id: i64,
    card: Option<String>,
    urls: &ReturnUrls,
    seal: &Seal<'_, Begun>,
) -> Result<Begun> {
    member.ensure_can_write()?;
    let method = provider.method();
    let card = card.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if card.as_deref().is_some_and(|c| c.len() > 255) {
        return Err(Error::field(
            "payment_method",
            "Ensure this field has no more than 255 characters.",
        ));
    }
    let invoice =
        crate::domain::invoices::get_for_account(db, member.account.id, invoice_id).await?;
    if !invoice.status.can_become(InvoiceStatus::Paid) {
        return Err(Error::Conflict(match invoice.status {
            InvoiceStatus::Paid => "Invoice is already paid".into(),
            other => format!("Invoice is {other} and cannot be paid"),
        }));
    }
    let offered = catalog::payment_method(db, member.account.billing_country.as_deref(), method)
        .await?
        .is_some_and(|m| catalog::takes(db, m.payment_method));
    if !offered {
        return Err(not_available(method));
    }

    let payment = open(db, member, &invoice, method).await?;
    let checkout = Checkout {
        payment_id: payment.id,
        invoice_id: invoice.id,
        invoice_number: &invoice.invoice_number,
        amount: invoice.total,
        currency: &invoice.currency,
        card: card.as_deref(),
        return_url: &urls.approved,
        cancel_url: &urls.cancelled,
    };
    let started = match provider.start(&checkout).await {
        Ok(started) => started,
        Err(e) => {
            fail_to_start(db, payment.id, &e).await?;
            return Err(e);
        }
    };
    // The provider's id, and the request's answer under its Idempotency-Key, in one commit.
    let txn = db.begin_write().await?;
    let payment = payment::Entity::update_many()
        .col_expr(
            payment::Column::ProviderRef,
            Some(started.reference.clone()).into(),
        )
        .col_expr(payment::Column::UpdatedAt, Utc::now().into())
        .filter(payment::Column::Id.eq(payment.id))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("payment {} vanished", payment.id)))?;
    let begun = Begun {
        payment,
        invoice,
        started,
    };
    seal.write(&*txn, &begun).await?;
    txn.commit().await?;
    Ok(begun)
}

/// The attempt's row, in `processing`, with its audit entry.
async fn open(
    db: &Db,
    member: &Member,
    invoice: &invoice::Model,
    method: PaymentMethod,
) -> Result<payment::Model> {
    let now = db.now();
    let txn = db.begin_write().await?;
    let payment = payment::ActiveModel {
        invoice_id: Set(invoice.id),
        account_id: Set(member.account.id),
        amount: Set(invoice.total),
        currency: Set(invoice.currency.clone()),
        payment_method: Set(method),
        status: Set(PaymentStatus::Processing),
        submitted_by_id: Set(Some(member.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(member.user.id),
            action: "payment.start",
            object_type: "payment",
            object_id: payment.id,
            before: serde_json::Value::Null,
            after: json!({"status": payment.status, "payment_method": method,
                          "invoice": invoice.invoice_number, "amount": payment.amount}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(payment)
}

/// The provider refused or could not be reached: the attempt is failed with why, so it is not
/// left looking as if it might still be paid.
async fn fail_to_start(db: &Db, id: i64, e: &Error) -> Result<()> {
    let reason = match e {
        Error::PaymentDeclined(m) | Error::Unavailable(m) => m.clone(),
        _ => "The payment could not be started".into(),
    };
    let reason = truncate(&reason, 255);
    let failed = PaymentStatus::Failed;
    let txn = db.begin_write().await?;
    let done = payment::Entity::update_many()
        .col_expr(payment::Column::Status, failed.into())
        .col_expr(payment::Column::FailureReason, Some(reason.clone()).into())
        .col_expr(payment::Column::UpdatedAt, Utc::now().into())
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(PaymentStatus::Processing))
        .exec(&*txn)
        .await?;
    if done.rows_affected == 1 {
        audit::record(
            &*txn,
            audit::Action {
                actor: None,
                action: "payment.fail",
                object_type: "payment",
                object_id: id,
                before: json!({"status": PaymentStatus::Processing}),
                after: json!({"status": failed, "failure_reason": reason}),
                ledger_id: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `text` cut to at most `max` characters.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// One of the member's payments by `method` that may still be finished: `processing`.
pub async fn unfinished(
    db: &Db,
    member: &Member,
    payment_id: i64,
    method: PaymentMethod,
) -> Result<payment::Model> {
    let payment = payment::Entity::find_by_id(payment_id)
        .filter(payment::Column::AccountId.eq(member.account.id))
        .filter(payment::Column::PaymentMethod.eq(method))
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Payment not found".into()))?;
    if payment.status != PaymentStatus::Processing || payment.provider_ref.is_none() {
        return Err(Error::Conflict(format!("Payment is {}", payment.status)));
    }
    Ok(payment)
}

/// The member's PayPal payment of `invoice_id` for the order PayPal named on the customer's
/// return, while it is still `processing`.
pub async fn order_of(
    db: &Db,
    member: &Member,
    invoice_id: i64,
    order: &str,
) -> Result<payment::Model> {
    let payment = payment::Entity::find()
        .filter(payment::Column::AccountId.eq(member.account.id))
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .filter(payment::Column::PaymentMethod.eq(PaymentMethod::Paypal))
        .filter(payment::Column::ProviderRef.eq(order.trim()))
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Payment not found".into()))?;
    unfinished(db, member, payment.id, payment.payment_method).await
}
