//! How much of a paid invoice may still be refunded.
//!
//! Money: what the payment took, less what earlier refunds gave back. Credits: a payment that
//! granted credits (a plan's or a top-up's ledger row with reference `payment:{id}`) may only
//! be refunded for the part of that grant not yet spent. tollgate does not tag each spent
//! credit with the grant it came from, so it counts the seller's way, as prepaid-credit
//! billing does: every credit spent since the grant was made is spent from it. What is left of
//! the grant is also never more than the balance, so a refund cannot take it below zero.
//!
//! The money that unspent part is worth is the grant's price per credit (the payment's amount
//! over its credits), rounded down; the credits a refund takes back are its amount's worth,
//! rounded up. Both roundings favour the seller by under one credit.

use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::status::CreditTransactionType;
use crate::entities::{account, credit_note, credit_transaction as ledger, payment};
use crate::error::Result;

/// What may still be given back of one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refundable {
    /// Minor units the payment took, and gave back already.
    pub paid: i64,
    pub refunded: i64,
    /// Credits the payment granted (0 when none), and how many of them are still unspent
    /// (less what earlier refunds took back).
    pub granted: i64,
    pub unspent: i64,
    /// The most that may be refunded now, in minor units.
    pub max_amount: i64,
}

impl Refundable {
    /// The credits a refund of `amount` takes back: its worth at the grant's price, rounded
    /// up, and never more than what is unspent.
    pub fn credits_for(&self, amount: i64) -> i64 {
        if self.granted == 0 || self.paid == 0 {
            return 0;
        }
        let (paid, granted) = (i128::from(self.paid), i128::from(self.granted));
        // Both positive, so this is the ceiling of amount × granted / paid.
        let worth = (i128::from(amount.max(0)) * granted + paid - 1) / paid;
        i64::try_from(worth).unwrap_or(i64::MAX).min(self.unspent)
    }
}

/// The refundable part of `payment`, read inside the caller's transaction (which has locked
/// the account row, so no spend or grant moves underneath).
pub async fn of_payment<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    account: &account::Model,
) -> Result<Refundable> {
    let grant = ledger::Entity::find()
        .filter(ledger::Column::AccountId.eq(payment.account_id))
        .filter(ledger::Column::Reference.eq(format!("payment:{}", payment.id)))
        .filter(ledger::Column::Amount.gt(0))
        .order_by_asc(ledger::Column::Id)
        .one(txn)
        .await?;
    let taken_back: i64 = credit_note::Entity::find()
        .filter(credit_note::Column::PaymentId.eq(payment.id))
        .all(txn)
        .await?
        .iter()
        .map(|n| n.credits)
        .sum();
    let (granted, unspent) = match &grant {
        Some(grant) => {
            let spent = spent_since(txn, payment.account_id, grant.id).await?;
            let left = (grant.amount - spent - taken_back).max(0);
            (grant.amount, left.min(account.credits.max(0)))
        }
        None => (0, 0),
    };
    Ok(limits(
        payment.amount,
        payment.refunded_amount,
        granted,
        unspent,
    ))
}

/// The arithmetic of [`of_payment`], apart from the database.
pub fn limits(paid: i64, refunded: i64, granted: i64, unspent: i64) -> Refundable {
    let left = (paid - refunded).max(0);
    let max_amount = if granted > 0 && paid > 0 {
        let worth = i128::from(unspent) * i128::from(paid) / i128::from(granted);
        left.min(i64::try_from(worth).unwrap_or(i64::MAX))
    } else {
        left
    };
    Refundable {
        paid,
        refunded,
        granted,
        unspent,
        max_amount,
    }
}

/// Credits the account spent on product features after ledger row `after`: one sum in the
/// database, however long the account's ledger.
async fn spent_since<C: ConnectionTrait>(txn: &C, account_id: i64, after: i64) -> Result<i64> {
    // PostgreSQL sums BIGINT into NUMERIC: cast back, on both databases alike.
    let sum = Func::cast_as(
        Func::sum(Expr::col(ledger::Column::Amount)),
        Alias::new("BIGINT"),
    );
    let total: Option<Option<i64>> = ledger::Entity::find()
        .select_only()
        .column_as(SimpleExpr::from(sum), "spent")
        .filter(ledger::Column::AccountId.eq(account_id))
        .filter(ledger::Column::Id.gt(after))
        .filter(ledger::Column::TransactionType.eq(CreditTransactionType::Deduction))
        .into_tuple()
        .one(txn)
        .await?;
    Ok(-total.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspent_top_up_is_refundable_in_full() {
        let r = limits(4900, 0, 500, 500);
        assert_eq!(r.max_amount, 4900);
        assert_eq!(r.credits_for(4900), 500);
    }

    #[test]
    fn spent_credits_cap_the_refund() {
        // Bought 1000 credits for 10.00, spent 300: 700 credits' worth is left.
        let r = limits(1000, 0, 1000, 700);
        assert_eq!(r.max_amount, 700);
        assert_eq!(r.credits_for(700), 700);
        assert_eq!(r.credits_for(1), 1);
    }

    #[test]
    fn rounding_favours_the_seller_by_under_a_credit() {
        // 49.00 for 500 credits: 9.8 cents a credit.
        let r = limits(4900, 0, 500, 333);
        assert_eq!(r.max_amount, 3263); // 333 × 9.8 = 3263.4, down
        assert_eq!(r.credits_for(3263), 333); // 332.96, up
        assert_eq!(r.credits_for(1), 1);
    }

    #[test]
    fn earlier_refunds_count() {
        let r = limits(1000, 600, 0, 0);
        assert_eq!(r.max_amount, 400);
        assert_eq!(r.credits_for(400), 0);
        assert_eq!(limits(1000, 1000, 1000, 0).max_amount, 0);
    }

    #[test]
    fn everything_spent_leaves_nothing_to_refund() {
        assert_eq!(limits(8900, 0, 1000, 0).max_amount, 0);
    }
}
