//! What the reconciliation page shows: the suggested pairs, the credit lines no payment
//! claims, and the pending payments no line paid (highlighted once they wait too long).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::matching::{self, Line, Pending, Suggestion};
use crate::db::Db;
use crate::domain::names;
use crate::domain::status::PaymentStatus;
use crate::entities::statement_line::{self, Direction};
use crate::entities::{payment, user};
use crate::error::Result;

/// A payment awaiting review, named for the page.
#[derive(Clone, Debug)]
pub struct PendingRow {
    pub payment: payment::Model,
    pub invoice_number: String,
    pub account_name: String,
    /// Waiting longer than the page's limit with no statement line: worth a reminder.
    pub stale: bool,
}

#[derive(Clone, Debug)]
pub struct Pair {
    pub line: statement_line::Model,
    pub payment: PendingRow,
    pub suggestion: Suggestion,
}

#[derive(Clone, Debug, Default)]
pub struct Overview {
    pub pairs: Vec<Pair>,
    pub lines: Vec<statement_line::Model>,
    pub payments: Vec<PendingRow>,
}

/// Every unlinked credit line against every pending payment. `stale_after`: how long a
/// payment may wait without a line before it is highlighted.
pub async fn overview(db: &Db, stale_after: Duration) -> Result<Overview> {
    let lines = statement_line::Entity::find()
        .filter(statement_line::Column::PaymentId.is_null())
        .filter(statement_line::Column::Direction.eq(Direction::Credit))
        .order_by_asc(statement_line::Column::BookingDate)
        .order_by_asc(statement_line::Column::Id)
        .all(db.conn())
        .await?;
    let pending = pending_rows(db, stale_after).await?;
    let facts = pending_facts(db, &pending).await?;
    let line_facts: Vec<Line> = lines.iter().map(line_facts).collect();
    let suggestions = matching::suggest(&line_facts, &facts);

    let mut by_payment: HashMap<i64, PendingRow> = pending
        .into_iter()
        .map(|row| (row.payment.id, row))
        .collect();
    let mut by_line: HashMap<i64, statement_line::Model> =
        lines.into_iter().map(|l| (l.id, l)).collect();
    let mut pairs = Vec::new();
    for suggestion in suggestions {
        let line = by_line.remove(&suggestion.line_id);
        let payment = by_payment.remove(&suggestion.payment_id);
        if let (Some(line), Some(mut payment)) = (line, payment) {
            payment.stale = false;
            pairs.push(Pair {
                line,
                payment,
                suggestion,
            });
        }
    }
    let mut lines: Vec<_> = by_line.into_values().collect();
    lines.sort_by_key(|l| (l.booking_date, l.id));
    let mut payments: Vec<_> = by_payment.into_values().collect();
    payments.sort_by_key(|p| (p.payment.created_at, p.payment.id));
    Ok(Overview {
        pairs,
        lines,
        payments,
    })
}

/// The pairs suggested for one statement's unlinked credit lines (matched against every
/// unlinked line, so an older line that fits a payment better keeps it), and how many of its
/// lines found none.
pub(super) async fn suggestions_for_statement(
    db: &Db,
    statement_id: i64,
) -> Result<(Vec<Suggestion>, usize)> {
    let all = overview(db, Duration::zero()).await?;
    let of_statement = |l: &statement_line::Model| l.statement_id == statement_id;
    let unmatched = all.lines.iter().filter(|l| of_statement(l)).count();
    let pairs = all.pairs.into_iter().filter(|p| of_statement(&p.line));
    Ok((pairs.map(|p| p.suggestion).collect(), unmatched))
}

fn line_facts(l: &statement_line::Model) -> Line {
    Line {
        id: l.id,
        booking_date: l.booking_date,
        amount: l.amount,
        currency: l.currency.clone(),
        payer_name: l.payer_name.clone(),
        remittance: l.remittance.clone(),
    }
}

async fn pending_rows(db: &Db, stale_after: Duration) -> Result<Vec<PendingRow>> {
    let payments = payment::Entity::find()
        .filter(payment::Column::Status.eq(PaymentStatus::PendingApproval))
        .order_by_asc(payment::Column::Id)
        .all(db.conn())
        .await?;
    let invoices = names::invoice_numbers(db, payments.iter().map(|p| p.invoice_id)).await?;
    let accounts = names::accounts(db, payments.iter().map(|p| p.account_id)).await?;
    let cutoff = Utc::now() - stale_after;
    Ok(payments
        .into_iter()
        .map(|payment| PendingRow {
            invoice_number: invoices.of(payment.invoice_id),
            account_name: accounts.of(payment.account_id),
            stale: payment.created_at < cutoff,
            payment,
        })
        .collect())
}

/// The facts matching reads: with the submitting user's full name beside the account's.
async fn pending_facts(db: &Db, rows: &[PendingRow]) -> Result<Vec<Pending>> {
    let submitters: HashSet<i64> = rows
        .iter()
        .filter_map(|r| r.payment.submitted_by_id)
        .collect();
    let people: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(submitters))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{} {}", u.first_name, u.last_name)))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let mut names = vec![r.account_name.clone()];
            names.extend(
                r.payment
                    .submitted_by_id
                    .and_then(|id| people.get(&id).cloned()),
            );
            Pending {
                payment_id: r.payment.id,
                invoice_number: r.invoice_number.clone(),
                reference: r.payment.manual_reference.clone(),
                amount: r.payment.amount,
                currency: r.payment.currency.clone(),
                names,
                submitted_on: r.payment.created_at.date_naive(),
            }
        })
        .collect())
}
