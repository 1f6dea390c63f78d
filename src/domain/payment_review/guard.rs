//! The guards every review shares: claiming a payment with one conditional update, taking
//! the payments' row locks in one global order, and refusing a whole review when any payment
//! of it is not pending.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::status::{Lifecycle, PaymentStatus};
use crate::domain::validate::optional_text;
use crate::entities::payment;
use crate::error::{Error, Problems, Result};

/// Claims a pending payment for review, setting its status to `next`: one conditional update
/// from `pending_approval` (staff review nothing else: a rejected payment stays rejected, and a
/// card payment is settled by its provider), so of two staff acting at the same moment exactly
/// one gets the row and the other is told it is no longer pending.
pub(super) async fn claim_pending<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    next: PaymentStatus,
    update: sea_orm::UpdateMany<payment::Entity>,
) -> Result<payment::Model> {
    let from = PaymentStatus::PendingApproval;
    debug_assert!(from.can_become(next));
    let claimed = update
        .col_expr(payment::Column::Status, next.into())
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(from))
        .exec_with_returning(txn)
        .await?;
    match claimed.into_iter().next() {
        Some(p) => Ok(p),
        None => match payment::Entity::find_by_id(id).one(txn).await? {
            Some(_) => Err(Error::Conflict("Payment not pending approval".into())),
            None => Err(Error::NotFound("Payment not found".into())),
        },
    }
}

/// Staff's free text: trimmed, empty → none, bounded.
pub(super) fn review_text(text: Option<String>, field: &str, max: usize) -> Result<Option<String>> {
    let mut p = Problems::default();
    let text = optional_text(text.as_deref(), field, max, &mut p);
    p.finish()?;
    Ok(text)
}

/// The payments of a review that were not pending (or not found). Any of them cancels the
/// whole review: the transaction is dropped, so nothing changes.
#[derive(Default)]
pub(super) struct Refused {
    not_pending: Vec<i64>,
    missing: Vec<i64>,
    first: Option<Error>,
}

impl Refused {
    /// Records a refusal; any other error ends the review at once.
    pub(super) fn note(&mut self, id: i64, e: Error) -> Result<()> {
        match &e {
            Error::Conflict(_) => self.not_pending.push(id),
            Error::NotFound(_) => self.missing.push(id),
            _ => return Err(e),
        }
        self.first.get_or_insert(e);
        Ok(())
    }

    /// One payment keeps its plain message ("Payment not pending approval"); several name
    /// every refused payment.
    pub(super) fn into_result(self, requested: usize) -> Result<()> {
        let Some(first) = self.first else {
            return Ok(());
        };
        if requested <= 1 {
            return Err(first);
        }
        let ids = |v: &[i64]| {
            v.iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.not_pending.is_empty() {
            parts.push(format!("not pending approval: {}", ids(&self.not_pending)));
        }
        if !self.missing.is_empty() {
            parts.push(format!("not found: {}", ids(&self.missing)));
        }
        Err(Error::Conflict(format!(
            "Nothing was changed. Payments {}.",
            parts.join("; ")
        )))
    }
}

/// The ids in ascending order, once each: every review takes its rows in this one global
/// order, so two reviews of overlapping payments queue behind each other instead of each
/// holding a row the other waits for (a PostgreSQL deadlock).
pub(super) fn sorted_ids(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Locks the payments under review, in id order, before anything else is touched. (SQLite has
/// one writer at a time and no row locks.)
pub(super) async fn lock_in_order<C: ConnectionTrait>(txn: &C, ids: &[i64]) -> Result<()> {
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        payment::Entity::find()
            .select_only()
            .column(payment::Column::Id)
            .filter(payment::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(payment::Column::Id)
            .lock_exclusive()
            .into_tuple::<i64>()
            .all(txn)
            .await?;
    }
    Ok(())
}
