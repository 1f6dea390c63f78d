//! The status changes tollgate makes, one table per aggregate, and nowhere else.
//!
//! Every update that changes a status is a conditional update whose `WHERE status IN (…)` is
//! `sources_of` the status it sets (`payment_review`), and a check before one (`payments::
//! confirm`) asks `can_become`: a change cannot be guarded twice, two ways. A status with no
//! way in (`uncollectible`…) is not set by tollgate yet, only read.

use super::{AccountStatus, InvoiceStatus, PaymentStatus, SubscriptionStatus};

/// A status and the changes allowed between its values.
pub trait Lifecycle: Copy + Eq + 'static {
    /// Every allowed change, `(from, to)`.
    const TRANSITIONS: &'static [(Self, Self)];

    /// Whether a row in this status may be changed to `next`.
    fn can_become(self, next: Self) -> bool {
        Self::TRANSITIONS.contains(&(self, next))
    }

    /// The statuses `next` may be reached from: the `status IN (…)` of the conditional update
    /// that sets it.
    fn sources_of(next: Self) -> Vec<Self> {
        Self::TRANSITIONS
            .iter()
            .filter(|(_, to)| *to == next)
            .map(|(from, _)| *from)
            .collect()
    }
}

impl Lifecycle for PaymentStatus {
    /// A confirmed payment is reviewed once by staff: approved or rejected (`payment_review`,
    /// which claims only `pending_approval` rows). A card or PayPal payment is settled by its
    /// provider's signed event (`providers::events`): it succeeds or fails from `processing`,
    /// and a failed attempt may still succeed (the customer retried the same PaymentIntent);
    /// nothing makes a succeeded payment fail. Staff refund a succeeded payment in part or in
    /// full (`refunds`); a partly refunded one may be refunded again until nothing is left.
    const TRANSITIONS: &'static [(Self, Self)] = &[
        (Self::PendingApproval, Self::Succeeded),
        (Self::PendingApproval, Self::Failed),
        (Self::Processing, Self::Succeeded),
        (Self::Processing, Self::Failed),
        (Self::Failed, Self::Succeeded),
        (Self::Succeeded, Self::PartiallyRefunded),
        (Self::Succeeded, Self::Refunded),
        (Self::PartiallyRefunded, Self::PartiallyRefunded),
        (Self::PartiallyRefunded, Self::Refunded),
    ];
}

impl Lifecycle for InvoiceStatus {
    /// A settled payment pays its invoice (`settlement`); a payment may be confirmed only for
    /// an invoice that can still become paid (`payments::confirm`). A renewal nobody will pay
    /// (its subscription cancelled) is void.
    const TRANSITIONS: &'static [(Self, Self)] =
        &[(Self::Pending, Self::Paid), (Self::Pending, Self::Void)];
}

impl Lifecycle for SubscriptionStatus {
    /// The subscription lifecycle (`domain::lifecycle`): a settled payment of its first or
    /// renewal invoice makes it active for a period (`settlement`); an unpaid renewal makes it
    /// past due at its due date and cancelled after the grace (`lifecycle::dunning`); a
    /// cancellation asked for ends it at the period end. A cancelled subscription stays
    /// cancelled: the account subscribes again with a new one. `expired` is not used.
    const TRANSITIONS: &'static [(Self, Self)] = &[
        (Self::PendingPayment, Self::Active),
        (Self::Active, Self::Active),
        (Self::PastDue, Self::Active),
        (Self::Active, Self::PastDue),
        (Self::PastDue, Self::Cancelled),
        (Self::Active, Self::Cancelled),
    ];
}

impl Lifecycle for AccountStatus {
    /// A settled payment activates the account on its plan from any status but active's own
    /// way out (`settlement`). Sign-up starts it in `trial` (free plan) or `pending_payment`
    /// (paid plan); a trial ends in `expired` (`lifecycle::trials`); an unpaid renewal
    /// suspends it and later cancels it, and a cancellation at the period end cancels it
    /// (`lifecycle::dunning`).
    const TRANSITIONS: &'static [(Self, Self)] = &[
        (Self::Trial, Self::Active),
        (Self::PendingPayment, Self::Active),
        (Self::Active, Self::Active),
        (Self::Suspended, Self::Active),
        (Self::Cancelled, Self::Active),
        (Self::Expired, Self::Active),
        (Self::Trial, Self::Expired),
        (Self::Active, Self::Suspended),
        (Self::Active, Self::Cancelled),
        (Self::Suspended, Self::Cancelled),
    ];
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fmt::Debug;
    use std::hash::Hash;

    use super::*;

    /// Each change is listed once, and `can_become` and `sources_of` say the same thing.
    fn consistent<S: Lifecycle + Hash + Debug>(all: &[S]) {
        let distinct: HashSet<(S, S)> = S::TRANSITIONS.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            S::TRANSITIONS.len(),
            "a change listed twice"
        );
        for &from in all {
            for &to in all {
                assert_eq!(
                    from.can_become(to),
                    S::sources_of(to).contains(&from),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    /// The statuses that nothing changes a row to.
    fn without_a_way_in<S: Lifecycle>(all: &[S]) -> Vec<S> {
        all.iter()
            .copied()
            .filter(|s| S::sources_of(*s).is_empty())
            .collect()
    }

    /// The statuses that nothing changes a row from.
    fn final_statuses<S: Lifecycle>(all: &[S]) -> Vec<S> {
        all.iter()
            .copied()
            .filter(|s| all.iter().all(|next| !s.can_become(*next)))
            .collect()
    }

    #[test]
    fn tables_are_consistent() {
        consistent(&PaymentStatus::ALL);
        consistent(&InvoiceStatus::ALL);
        consistent(&SubscriptionStatus::ALL);
        consistent(&AccountStatus::ALL);
    }

    #[test]
    fn a_payment_is_reviewed_once_and_never_unpaid() {
        use PaymentStatus::*;
        assert_eq!(
            PaymentStatus::sources_of(Succeeded),
            [PendingApproval, Processing, Failed]
        );
        assert_eq!(
            PaymentStatus::sources_of(Failed),
            [PendingApproval, Processing]
        );
        assert!(PendingApproval.can_become(Succeeded));
        assert!(PendingApproval.can_become(Failed));
        // Approving twice is refused, and a late failure never un-pays.
        assert!(!Succeeded.can_become(Succeeded));
        assert!(!Succeeded.can_become(Failed));
        assert_eq!(final_statuses(&PaymentStatus::ALL), [Refunded]);
        // Confirmation creates payments in `pending_approval`, a provider's checkout in
        // `processing`.
        assert_eq!(
            without_a_way_in(&PaymentStatus::ALL),
            [PendingApproval, Processing]
        );
        // Only money taken can be given back, and what is refunded in full stays so.
        assert_eq!(
            PaymentStatus::sources_of(Refunded),
            [Succeeded, PartiallyRefunded]
        );
        assert!(!Refunded.can_become(PartiallyRefunded));
    }

    #[test]
    fn only_a_pending_invoice_becomes_paid() {
        use InvoiceStatus::*;
        assert_eq!(InvoiceStatus::sources_of(Paid), [Pending]);
        for status in [Paid, Void, Uncollectible] {
            assert!(!status.can_become(Paid), "{status:?}");
        }
        assert_eq!(
            final_statuses(&InvoiceStatus::ALL),
            [Paid, Void, Uncollectible]
        );
        assert_eq!(
            without_a_way_in(&InvoiceStatus::ALL),
            [Pending, Uncollectible]
        );
    }

    #[test]
    fn the_subscription_lifecycle() {
        use SubscriptionStatus::*;
        assert_eq!(
            SubscriptionStatus::sources_of(Active),
            [PendingPayment, Active, PastDue]
        );
        assert_eq!(SubscriptionStatus::sources_of(PastDue), [Active]);
        assert_eq!(SubscriptionStatus::sources_of(Cancelled), [PastDue, Active]);
        assert_eq!(
            final_statuses(&SubscriptionStatus::ALL),
            [Cancelled, Expired]
        );
        assert_eq!(
            without_a_way_in(&SubscriptionStatus::ALL),
            [PendingPayment, Expired]
        );
    }

    #[test]
    fn the_account_lifecycle() {
        use AccountStatus::*;
        // A settled payment activates an account from anything.
        assert_eq!(AccountStatus::sources_of(Active), AccountStatus::ALL);
        assert_eq!(AccountStatus::sources_of(Suspended), [Active]);
        assert_eq!(AccountStatus::sources_of(Cancelled), [Active, Suspended]);
        assert_eq!(AccountStatus::sources_of(Expired), [Trial]);
        // Only a trial expires, and nothing but a payment brings an expired one back.
        let from_expired: Vec<_> = AccountStatus::ALL
            .into_iter()
            .filter(|next| Expired.can_become(*next))
            .collect();
        assert_eq!(from_expired, [Active]);
    }
}
