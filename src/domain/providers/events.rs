//! Inbound provider events, applied exactly once.
//!
//! Each verified event is written under its provider's event id (unique per provider) in the
//! same transaction as its effect: a second delivery of the event, concurrent or later, cannot
//! insert its row and changes nothing. The effect itself is guarded by conditional updates, so
//! events out of order cannot undo each other: a failure after a success never un-pays, and a
//! success for an invoice already paid another way (a staff approval a moment earlier) is
//! flagged for staff instead of paying twice.

use chrono::{DateTime, Utc};
use http::HeaderMap;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, TransactionTrait,
};

use serde_json::json;

use super::checkout::truncate;
use super::{EventKind, InboundEvent, PaymentProvider, PaymentRef, Rejection};
use crate::db::{Db, is_unique_violation};
use crate::domain::money::format_minor;
use crate::domain::settlement::{Settler, settle};
use crate::domain::status::{EventOutcome, Lifecycle, PaymentMethod, PaymentStatus};
use crate::domain::{audit, notify, retry_contended};
use crate::entities::{invoice, payment, provider_event};
use crate::error::{Error, Result};

/// How much of a refused delivery's body is kept: enough to see what it was.
const REFUSED_BODY_CHARS: usize = 2000;

/// What a delivery did, for the provider's answer (always 200 once verified) and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub outcome: EventOutcome,
    /// False when the event had been received before: nothing was done this time.
    pub first: bool,
    pub note: Option<String>,
}

/// Verifies one webhook delivery and applies it. A delivery that fails verification is kept
/// as refused (without trusting anything in it) and answered 400; a verified one is answered
/// 200 whatever it did, so the provider stops sending it.
pub async fn receive<P: PaymentProvider>(
    db: &Db,
    provider: &P,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Receipt> {
    let event = match provider.verify(headers, body, now).await {
        Ok(event) => event,
        Err(rejection) => {
            refuse(db, provider.method(), &rejection, body, now).await?;
            tracing::warn!(provider = %provider.method(), %rejection, "webhook refused");
            return Err(Error::Invalid {
                message: format!("Webhook refused: {rejection}"),
                fields: Default::default(),
            });
        }
    };
    let raw = String::from_utf8_lossy(body);
    // The signature is checked against the wall clock; the payment settles at billing's time.
    let receipt = apply(db, provider.method(), &event, &raw, db.now()).await?;
    tracing::info!(provider = %provider.method(), event_id = %event.event_id,
                   event_type = %event.event_type, outcome = %receipt.outcome,
                   first = receipt.first, "webhook received");
    Ok(receipt)
}

/// Applies a verified event once: its row and its effect in one transaction.
pub async fn apply(
    db: &Db,
    method: PaymentMethod,
    event: &InboundEvent,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Receipt> {
    retry_contended(|| async {
        let txn = db.begin_write().await?;
        let row = provider_event::ActiveModel {
            provider: Set(method),
            event_id: Set(Some(event.event_id.clone())),
            event_type: Set(truncate(&event.event_type, 100)),
            verified: Set(true),
            outcome: Set(EventOutcome::Ignored),
            body: Set(raw.to_owned()),
            received_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await;
        let row = match row {
            Ok(row) => row,
            // Delivered before (or by a concurrent delivery that committed first).
            Err(e) if is_unique_violation(&e) => return Ok(duplicate()),
            Err(e) => return Err(e.into()),
        };
        let (outcome, note, payment_id) = effect(&txn, method, event, now).await?;
        let mut row: provider_event::ActiveModel = row.into();
        row.outcome = Set(outcome);
        row.note = Set(note.clone());
        row.payment_id = Set(payment_id);
        row.update(&*txn).await?;
        txn.commit().await?;
        Ok(Receipt {
            outcome,
            first: true,
            note,
        })
    })
    .await
}

fn duplicate() -> Receipt {
    Receipt {
        outcome: EventOutcome::Recorded,
        first: false,
        note: Some("Received before; nothing done".into()),
    }
}

type Effect = (EventOutcome, Option<String>, Option<i64>);

async fn effect(
    txn: &DatabaseTransaction,
    method: PaymentMethod,
    event: &InboundEvent,
    now: DateTime<Utc>,
) -> Result<Effect> {
    let (payment_ref, kind) = match &event.kind {
        EventKind::Succeeded { payment, .. }
        | EventKind::Failed { payment, .. }
        | EventKind::Refunded { payment, .. } => (payment, &event.kind),
        EventKind::Other => {
            return Ok((
                EventOutcome::Ignored,
                Some("Event type not acted on".into()),
                None,
            ));
        }
    };
    let Some(payment) = find_payment(txn, method, payment_ref).await? else {
        return Ok((
            EventOutcome::Ignored,
            Some(format!("No {method} payment {}", payment_ref.reference)),
            None,
        ));
    };
    let id = Some(payment.id);
    let (outcome, note) = match kind {
        EventKind::Succeeded {
            amount,
            currency,
            capture,
            ..
        } => {
            succeed(
                txn,
                &payment,
                *amount,
                currency,
                capture.as_deref(),
                event,
                now,
            )
            .await?
        }
        EventKind::Failed { message, .. } => fail(txn, &payment, message, now).await?,
        EventKind::Refunded {
            amount, currency, ..
        } => (
            EventOutcome::Recorded,
            Some(format!(
                "Refund of {} {currency} recorded",
                format_minor(*amount, currency)
            )),
        ),
        EventKind::Other => (EventOutcome::Ignored, None),
    };
    Ok((outcome, note, id))
}

/// The payment an event is about: by tollgate's id from the event's metadata (the provider's
/// answer to `start` may not have been stored yet), else by the provider's reference.
async fn find_payment<C: ConnectionTrait>(
    txn: &C,
    method: PaymentMethod,
    r: &PaymentRef,
) -> Result<Option<payment::Model>> {
    let by_method = payment::Entity::find().filter(payment::Column::PaymentMethod.eq(method));
    let found = match r.payment_id {
        Some(id) => {
            by_method
                .filter(payment::Column::Id.eq(id))
                .one(txn)
                .await?
        }
        None => {
            by_method
                .filter(payment::Column::ProviderRef.eq(r.reference.as_str()))
                .one(txn)
                .await?
        }
    };
    // Metadata naming a payment the provider knows under another reference is not trusted.
    Ok(found.filter(|p| {
        p.provider_ref
            .as_deref()
            .is_none_or(|known| known == r.reference)
    }))
}

async fn succeed(
    txn: &DatabaseTransaction,
    payment: &payment::Model,
    amount: i64,
    currency: &str,
    capture: Option<&str>,
    event: &InboundEvent,
    now: DateTime<Utc>,
) -> Result<(EventOutcome, Option<String>)> {
    if payment.status == PaymentStatus::Succeeded {
        return Ok((
            EventOutcome::Recorded,
            Some("Payment already settled".into()),
        ));
    }
    if amount != payment.amount || !currency.eq_ignore_ascii_case(&payment.currency) {
        return Ok((
            EventOutcome::Flagged,
            Some(format!(
                "Paid {} {currency}, but the payment is for {} {}; not settled",
                format_minor(amount, currency),
                format_minor(payment.amount, &payment.currency),
                payment.currency
            )),
        ));
    }
    // Claim and settle in a savepoint: when the invoice was paid another way meanwhile, the
    // claim is undone and the event flagged, in the same transaction as the event's row.
    let attempt = txn.begin().await?;
    let next = PaymentStatus::Succeeded;
    let claimed = payment::Entity::update_many()
        .col_expr(payment::Column::Status, next.into())
        .col_expr(payment::Column::ApprovedAt, Some(now).into())
        .col_expr(
            payment::Column::ProviderCapture,
            capture.map(str::to_owned).into(),
        )
        .col_expr(
            payment::Column::ProviderRef,
            Some(reference(payment, event)).into(),
        )
        .col_expr(
            payment::Column::FailureReason,
            Option::<String>::None.into(),
        )
        .col_expr(payment::Column::UpdatedAt, now.into())
        .filter(payment::Column::Id.eq(payment.id))
        .filter(payment::Column::Status.is_in(PaymentStatus::sources_of(next)))
        .filter(payment::Column::Status.ne(PaymentStatus::PendingApproval))
        .exec_with_returning(&attempt)
        .await?
        .into_iter()
        .next();
    let Some(claimed) = claimed else {
        attempt.rollback().await?;
        return Ok((
            EventOutcome::Recorded,
            Some(format!("Payment is {}; not changed", payment.status)),
        ));
    };
    let by = Settler::Provider {
        method: payment.payment_method,
        event_id: &event.event_id,
    };
    match settle(&attempt, &claimed, by, now).await {
        Ok(settled) => {
            attempt.commit().await?;
            // Settled by the provider, not approved by staff: only its credits are counted.
            crate::telemetry::counters::credits_granted(settled.credits_added);
            Ok((EventOutcome::Settled, None))
        }
        Err(Error::Conflict(why)) => {
            attempt.rollback().await?;
            let invoice = invoice::Entity::find_by_id(payment.invoice_id)
                .one(txn)
                .await?;
            let status = invoice.map(|i| i.status.to_string()).unwrap_or_default();
            Ok((
                EventOutcome::Flagged,
                Some(format!(
                    "{why} (it is {status}): the money arrived for an invoice settled another way and may need refunding"
                )),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The provider's reference of the payment, as stored or as the event names it.
fn reference(payment: &payment::Model, event: &InboundEvent) -> String {
    match (&payment.provider_ref, &event.kind) {
        (Some(known), _) => known.clone(),
        (
            None,
            EventKind::Succeeded { payment: r, .. }
            | EventKind::Failed { payment: r, .. }
            | EventKind::Refunded { payment: r, .. },
        ) => r.reference.clone(),
        (None, EventKind::Other) => String::new(),
    }
}

async fn fail<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(EventOutcome, Option<String>)> {
    let next = PaymentStatus::Failed;
    let failed = payment::Entity::update_many()
        .col_expr(payment::Column::Status, next.into())
        .col_expr(
            payment::Column::FailureReason,
            Some(truncate(message, 255)).into(),
        )
        .col_expr(payment::Column::UpdatedAt, now.into())
        .filter(payment::Column::Id.eq(payment.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Processing))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    debug_assert!(PaymentStatus::Processing.can_become(next));
    match failed {
        Some(failed) => {
            let invoice = invoice::Entity::find_by_id(failed.invoice_id)
                .one(txn)
                .await?
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("invoice missing")))?;
            audit::record(
                txn,
                audit::Action {
                    actor: None,
                    action: "payment.fail",
                    object_type: "payment",
                    object_id: failed.id,
                    before: json!({"status": payment.status}),
                    after: json!({"status": failed.status, "failure_reason": failed.failure_reason}),
                    ledger_id: None,
                },
            )
            .await?;
            notify::payment_failed(txn, &failed, &invoice).await?;
            Ok((EventOutcome::Failed, Some(truncate(message, 255))))
        }
        None => Ok((
            EventOutcome::Recorded,
            Some(format!(
                "Payment is {}; a failure does not change it",
                payment.status
            )),
        )),
    }
}

/// Keeps a refused delivery for staff to see: no event id (nothing in it is trusted), the
/// reason, and the start of its body.
async fn refuse(
    db: &Db,
    method: PaymentMethod,
    rejection: &Rejection,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    provider_event::ActiveModel {
        provider: Set(method),
        event_id: Set(None),
        event_type: Set(String::new()),
        verified: Set(false),
        outcome: Set(EventOutcome::Rejected),
        note: Set(Some(truncate(&rejection.to_string(), 255))),
        body: Set(truncate(&String::from_utf8_lossy(body), REFUSED_BODY_CHARS)),
        received_at: Set(now),
        ..Default::default()
    }
    .insert(db.conn())
    .await?;
    Ok(())
}
