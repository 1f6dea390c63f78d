//! Refunds of paid invoices, each with its credit note.
//!
//! Staff refund a paid invoice in full or in part, with a reason. One transaction, begun by
//! locking the account row (so spends and grants wait for it):
//! - what may still be refunded is worked out ([`limits`]): never more than was paid and not
//!   yet given back, and for a payment that granted credits, never more than the unspent
//!   part of that grant is worth;
//! - the payment's `refunded_amount` grows by a conditional update on the value just read
//!   (`succeeded`/`partially_refunded` → `partially_refunded` or `refunded`);
//! - the credit note is numbered `CN-{account}-{YYYYMM}-{NNNN}`;
//! - the credits it is worth are taken back with a `refund` ledger row, conditionally, so the
//!   balance never goes below zero;
//! - the audit entry, the customer's mail and `payment.refunded`, and for a card or PayPal
//!   payment the provider's refund, go to the outbox ([`payout`]).
//!
//! The subscription and the account's standing are left as they are: refunding is about
//! money; ending a plan is a separate staff action.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::db::Db;
use crate::domain::money::{format_minor, parse_amount};
use crate::domain::staff::StaffActor;
use crate::domain::status::{InvoiceStatus, Lifecycle, PaymentMethod, PaymentStatus, PayoutStatus};
use crate::domain::validate::required_text;
use crate::domain::{accounts, audit, credits, found, invoices, notify};
use crate::entities::{account, credit_note, invoice, payment};
use crate::error::{Error, Problems, Result};

pub mod limits;
pub mod payout;

pub use limits::Refundable;

/// What staff typed: the amount (a decimal in the invoice's currency) and why.
#[derive(Debug, Default, Clone)]
pub struct RefundInput {
    pub amount: Option<String>,
    pub reason: Option<String>,
}

/// What a refund wrote.
#[derive(Debug)]
pub struct Refunded {
    pub credit_note: credit_note::Model,
    pub payment: payment::Model,
    pub invoice: invoice::Model,
}

/// The payment of `invoice` that refunds give back from: the one that paid it (also what its
/// receipt shows).
pub async fn paying_payment<C: sea_orm::ConnectionTrait>(
    conn: &C,
    invoice: &invoice::Model,
) -> Result<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice.id))
        .filter(payment::Column::Status.is_in([
            PaymentStatus::Succeeded,
            PaymentStatus::PartiallyRefunded,
            PaymentStatus::Refunded,
        ]))
        .order_by_desc(payment::Column::Id)
        .one(conn)
        .await?)
}

/// What may still be refunded of the invoice, for the admin panel's form. `None` when the
/// invoice is not paid.
pub async fn refundable(db: &Db, invoice_id: i64) -> Result<Option<(payment::Model, Refundable)>> {
    let invoice: invoice::Model = found(db.conn(), invoice_id, "Invoice").await?;
    if invoice.status != InvoiceStatus::Paid {
        return Ok(None);
    }
    let Some(payment) = paying_payment(db.conn(), &invoice).await? else {
        return Ok(None);
    };
    let account: account::Model = found(db.conn(), invoice.account_id, "Account").await?;
    let limits = limits::of_payment(db.conn(), &payment, &account).await?;
    Ok(Some((payment, limits)))
}

/// Refunds `input.amount` of the paid invoice `invoice_id`, as the module says. `unconfigured`
/// are the providers this server has no keys for (`providers::Configured::missing`): a card or
/// PayPal payment is refunded through its provider, unless it is among them (staff then refund
/// it in the provider's dashboard).
pub async fn refund(
    db: &Db,
    staff: &StaffActor,
    invoice_id: i64,
    input: RefundInput,
    unconfigured: &[PaymentMethod],
) -> Result<Refunded> {
    let mut p = Problems::default();
    let reason = required_text(input.reason.as_deref(), "reason", 500, &mut p);
    let now = db.now();
    let txn = db.begin_write().await?;
    let invoice: invoice::Model = found(&*txn, invoice_id, "Invoice").await?;
    let account = accounts::lock(&*txn, invoice.account_id, now).await?;
    if invoice.status != InvoiceStatus::Paid {
        return Err(Error::Conflict(format!(
            "Invoice {} is {}: only a paid invoice can be refunded.",
            invoice.invoice_number, invoice.status
        )));
    }
    let payment = paying_payment(&*txn, &invoice).await?.ok_or_else(|| {
        Error::Conflict(format!(
            "Invoice {} has no payment to refund.",
            invoice.invoice_number
        ))
    })?;
    let limits = limits::of_payment(&*txn, &payment, &account).await?;
    let amount = checked_amount(input.amount.as_deref(), &invoice.currency, &limits, &mut p);
    p.finish()?;

    let updated = take_from_payment(&*txn, &payment, amount, now).await?;
    let number = invoices::next_credit_note_number(&*txn, account.id, now).await?;
    let credits = limits.credits_for(amount);
    let payout = payment.payment_method;
    let payout_status = if payout.is_manual() {
        PayoutStatus::ByStaff
    } else if unconfigured.contains(&payout) {
        PayoutStatus::NotConfigured
    } else {
        PayoutStatus::Pending
    };
    let note = credit_note::ActiveModel {
        number: Set(number),
        account_id: Set(account.id),
        invoice_id: Set(invoice.id),
        payment_id: Set(payment.id),
        amount: Set(amount),
        currency: Set(invoice.currency.clone()),
        credits: Set(credits),
        reason: Set(reason.clone()),
        payout: Set(payout),
        payout_status: Set(payout_status),
        provider_ref: Set(None),
        provider_error: Set(None),
        created_by_id: Set(Some(staff.id())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let mut ledger_id = None;
    if credits > 0 {
        let why = format!("Refund {} of {}", note.number, invoice.invoice_number);
        let taken = credits::take_back(
            &*txn,
            account.id,
            credits,
            why,
            format!("credit_note:{}", note.id),
        )
        .await?
        .ok_or_else(|| {
            Error::Conflict("The balance changed meanwhile; nothing was refunded.".into())
        })?;
        ledger_id = Some(taken.id);
    }
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(staff.id()),
            action: "payment.refund",
            object_type: "payment",
            object_id: payment.id,
            before: json!({"status": payment.status, "refunded_amount": payment.refunded_amount,
                           "credits": account.credits}),
            after: json!({"status": updated.status, "refunded_amount": updated.refunded_amount,
                          "credits": account.credits - credits, "credit_note": note.number,
                          "amount": format_minor(amount, &note.currency), "reason": reason,
                          "payout": payout_status}),
            ledger_id,
        },
    )
    .await?;
    notify::payment_refunded(&*txn, &updated, &invoice, &note).await?;
    if payout_status == PayoutStatus::Pending {
        payout::enqueue(&*txn, &note).await?;
    }
    txn.commit().await?;
    Ok(Refunded {
        credit_note: note,
        payment: updated,
        invoice,
    })
}

/// The amount asked for, in minor units, when it is a positive amount within the limits.
fn checked_amount(
    text: Option<&str>,
    currency: &str,
    limits: &Refundable,
    p: &mut Problems,
) -> i64 {
    let text = text.map(str::trim).unwrap_or_default();
    let most = format_minor(limits.max_amount, currency);
    if limits.max_amount == 0 {
        let why = if limits.paid > limits.refunded && limits.granted > 0 {
            format!(
                "Nothing is left to refund: all {} credits of this payment were spent or taken back.",
                limits.granted
            )
        } else {
            "Nothing is left to refund: this payment was refunded in full.".to_owned()
        };
        p.add("amount", why);
        return 0;
    }
    if text.is_empty() {
        p.add(
            "amount",
            format!("Enter the amount to refund, at most {most} {currency}."),
        );
        return 0;
    }
    match parse_amount(text, currency) {
        Err(e) => {
            p.add("amount", e.message());
            0
        }
        Ok(0) => {
            p.add("amount", "Enter an amount above zero.");
            0
        }
        Ok(amount) if amount > limits.max_amount => {
            let why = if limits.granted > 0 && limits.max_amount < limits.paid - limits.refunded {
                format!(
                    "At most {most} {currency} can be refunded: only {} of the {} credits this payment granted are unspent.",
                    limits.unspent, limits.granted
                )
            } else {
                format!("At most {most} {currency} can be refunded.")
            };
            p.add("amount", why);
            0
        }
        Ok(amount) => amount,
    }
}

/// Adds `amount` to the payment's `refunded_amount`, guarded by the value read: a refund that
/// raced another finds it changed and is refused.
async fn take_from_payment<C: sea_orm::ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<payment::Model> {
    let total = payment.refunded_amount + amount;
    let next = if total >= payment.amount {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::PartiallyRefunded
    };
    payment::Entity::update_many()
        .col_expr(payment::Column::RefundedAmount, total.into())
        .col_expr(payment::Column::Status, next.into())
        .col_expr(payment::Column::UpdatedAt, now.into())
        .filter(payment::Column::Id.eq(payment.id))
        .filter(payment::Column::RefundedAmount.eq(payment.refunded_amount))
        .filter(payment::Column::Status.is_in(PaymentStatus::sources_of(next)))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::Conflict("The payment changed meanwhile; nothing was refunded.".into())
        })
}

/// The account's credit notes, newest first (the portal and the API).
pub async fn of_account(db: &Db, account_id: i64) -> Result<Vec<credit_note::Model>> {
    Ok(credit_note::Entity::find()
        .filter(credit_note::Column::AccountId.eq(account_id))
        .order_by_desc(credit_note::Column::Id)
        .all(db.conn())
        .await?)
}

/// The invoice's credit notes, oldest first (the admin panel's invoice page).
pub async fn of_invoice(db: &Db, invoice_id: i64) -> Result<Vec<credit_note::Model>> {
    Ok(credit_note::Entity::find()
        .filter(credit_note::Column::InvoiceId.eq(invoice_id))
        .order_by_asc(credit_note::Column::Id)
        .all(db.conn())
        .await?)
}
