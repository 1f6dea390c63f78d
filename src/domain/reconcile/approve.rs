//! Approving the pairs staff accepted: the bulk approval every review uses, and each line
//! linked to its payment, in one transaction. A line already linked, a payment no longer
//! pending or a line given twice cancels the whole batch.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::db::{Db, is_unique_violation};
use crate::domain::payment_review::{Reviewed, approve_in, count_approved};
use crate::domain::staff::StaffActor;
use crate::domain::{audit, retry_contended};
use crate::entities::statement_line::{self, Direction};
use crate::error::{Error, Result};

/// What the approval notes on each payment.
const NOTE: &str = "Reconciled with a bank statement line";

/// Approves each `(line, payment)` pair's payment and links the line to it; all or none.
pub async fn approve(db: &Db, staff: &StaffActor, pairs: &[(i64, i64)]) -> Result<Vec<Reviewed>> {
    if pairs.is_empty() {
        return Err(Error::field(
            "pairs",
            "Select at least one pair to approve.",
        ));
    }
    let lines: HashSet<i64> = pairs.iter().map(|p| p.0).collect();
    let payments: HashSet<i64> = pairs.iter().map(|p| p.1).collect();
    if lines.len() != pairs.len() || payments.len() != pairs.len() {
        return Err(Error::field(
            "pairs",
            "A statement line and a payment may each be in one pair only.",
        ));
    }
    let payment_ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let reviewed = retry_contended(|| async {
        let txn = db.begin_write().await?;
        let reviewed = approve_in(&*txn, staff, &payment_ids, Some(NOTE.into()), db.now()).await?;
        for &(line, payment) in pairs {
            link(&*txn, staff, line, payment).await?;
        }
        txn.commit().await?;
        Ok(reviewed)
    })
    .await?;
    count_approved(&reviewed);
    Ok(reviewed)
}

/// Links one unlinked credit line to its payment: a conditional update, so a line another
/// reviewer linked a moment ago is refused rather than linked twice.
async fn link<C: ConnectionTrait>(
    txn: &C,
    staff: &StaffActor,
    line: i64,
    payment: i64,
) -> Result<()> {
    let now = Utc::now();
    let linked = statement_line::Entity::update_many()
        .col_expr(statement_line::Column::PaymentId, Some(payment).into())
        .col_expr(statement_line::Column::LinkedById, Some(staff.id()).into())
        .col_expr(statement_line::Column::LinkedAt, Some(now).into())
        .filter(statement_line::Column::Id.eq(line))
        .filter(statement_line::Column::PaymentId.is_null())
        .filter(statement_line::Column::Direction.eq(Direction::Credit))
        .exec(txn)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => Error::Conflict(format!("Payment {payment} is already linked to a line")),
            false => e.into(),
        })?;
    if linked.rows_affected == 0 {
        return Err(Error::Conflict(format!(
            "Statement line {line} is not an unlinked credit; nothing was approved"
        )));
    }
    audit::record(
        txn,
        audit::Action {
            actor: Some(staff.id()),
            action: "statement_line.link",
            object_type: "statement_line",
            object_id: line,
            before: json!({"payment_id": null}),
            after: json!({"payment_id": payment}),
            ledger_id: None,
        },
    )
    .await
}
