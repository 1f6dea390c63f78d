//! The provider's part of a refund: for a card or PayPal payment, the money goes back through
//! the provider. The refund is an outbox job written with the credit note, so it is asked for
//! if and only if the credit note committed, and retried until the provider answers; the
//! provider's own idempotency key (`tollgate-credit-note-{id}`) makes a retry after a lost
//! answer the same refund. Its answer is recorded on the credit note, once: a conditional
//! update from `pending`.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::db::Db;
use crate::domain::audit;
use crate::domain::outbox::{self, NewJob};
use crate::domain::status::PayoutStatus;
use crate::entities::credit_note;
use crate::error::Result;

/// The job kind that asks the provider for the refund.
pub const JOB: &str = "refund.provider";

/// The key the provider sees for the refund of `note`, on every attempt.
pub fn idempotency_key(note: &credit_note::Model) -> String {
    format!("tollgate-credit-note-{}", note.id)
}

pub(super) async fn enqueue<C: ConnectionTrait>(txn: &C, note: &credit_note::Model) -> Result<()> {
    let subject = format!("credit_note:{}", note.id);
    outbox::enqueue(
        txn,
        NewJob::now(JOB, &subject, json!({"credit_note_id": note.id})),
    )
    .await
}

/// What the provider said.
#[derive(Debug)]
pub enum Answer {
    /// Refunded: the provider's id of the refund.
    Refunded(String),
    /// Refused for good, with its message: staff pay it out another way.
    Refused(String),
}

/// Records the provider's answer on the credit note, if it still waits for one; returns
/// whether it did (a repeated job finds it recorded and changes nothing).
pub async fn record(db: &Db, note_id: i64, answer: Answer) -> Result<bool> {
    let (status, reference, error) = match &answer {
        Answer::Refunded(id) => (PayoutStatus::Refunded, Some(id.clone()), None),
        Answer::Refused(why) => (PayoutStatus::Failed, None, Some(why.clone())),
    };
    let txn = db.begin_write().await?;
    let updated = credit_note::Entity::update_many()
        .col_expr(credit_note::Column::PayoutStatus, status.into())
        .col_expr(credit_note::Column::ProviderRef, reference.clone().into())
        .col_expr(credit_note::Column::ProviderError, error.clone().into())
        .col_expr(credit_note::Column::UpdatedAt, Utc::now().into())
        .filter(credit_note::Column::Id.eq(note_id))
        .filter(credit_note::Column::PayoutStatus.eq(PayoutStatus::Pending))
        .exec(&*txn)
        .await?
        .rows_affected
        == 1;
    if updated {
        audit::record(
            &*txn,
            audit::Action {
                actor: None,
                action: "credit_note.payout",
                object_type: "credit_note",
                object_id: note_id,
                before: json!({"payout_status": PayoutStatus::Pending}),
                after: json!({"payout_status": status, "provider_ref": reference,
                              "provider_error": error}),
                ledger_id: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}
