//! The rules over billing's vocabularies: which status changes are allowed (`transitions`) and
//! which accounts may use product features. The vocabularies themselves — every status,
//! payment method and ledger kind as a typed enum — are `entities::status`, re-exported here.

use crate::error::{Error, Result};

mod transitions;

pub use crate::entities::status::*;
pub use transitions::Lifecycle;

pub mod role {
    pub const OWNER: &str = "owner";
    pub const VIEWER: &str = "viewer";
}

/// Refuses product features to accounts that are not paid up (or on trial), saying why: an
/// account that has to pay first is answered 402, one waiting for its first approval 403.
pub fn ensure_account_usable(status: AccountStatus) -> Result<()> {
    let pay = |m: &str| Err(Error::PaymentRequired(m.to_owned()));
    match status {
        AccountStatus::Trial | AccountStatus::Active => Ok(()),
        AccountStatus::PendingPayment => Err(Error::Forbidden(
            "Your account is awaiting payment approval; this is available once your payment is approved."
                .into(),
        )),
        AccountStatus::Suspended => pay(
            "Your account is suspended because its renewal invoice is unpaid; pay it (GET billing/invoices/) and this is available again.",
        ),
        AccountStatus::Expired => {
            pay("Your free trial has ended; choose a plan to use this again.")
        }
        AccountStatus::Cancelled => {
            pay("Your subscription is cancelled; choose a plan to use this again.")
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::*;

    /// The text of every value, exactly as stored before the enums existed: changing one
    /// would need a migration of the stored rows.
    fn stored<E>(expected: &[&str], as_str: fn(E) -> &'static str)
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + DeserializeOwned + PartialEq,
        E: Copy + std::fmt::Debug,
    {
        let all: Vec<E> = E::iter().collect();
        let texts: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        assert_eq!(texts, expected);
        for value in all {
            let text = as_str(value);
            assert_eq!(value.to_value(), text);
            assert_eq!(E::try_from_value(&text.to_owned()).ok(), Some(value));
            assert_eq!(serde_json::to_value(value).ok(), Some(text.into()));
            assert_eq!(serde_json::from_value::<E>(text.into()).ok(), Some(value));
        }
    }

    #[test]
    fn values_keep_their_stored_text() {
        stored(
            &[
                "trial",
                "pending_payment",
                "active",
                "suspended",
                "cancelled",
                "expired",
            ],
            AccountStatus::as_str,
        );
        stored(
            &[
                "pending_payment",
                "active",
                "past_due",
                "cancelled",
                "expired",
            ],
            SubscriptionStatus::as_str,
        );
        stored(
            &["pending", "paid", "void", "uncollectible"],
            InvoiceStatus::as_str,
        );
        stored(
            &[
                "pending_approval",
                "succeeded",
                "failed",
                "refunded",
                "processing",
                "partially_refunded",
            ],
            PaymentStatus::as_str,
        );
        stored(
            &[
                "stripe",
                "paypal",
                "bank_transfer",
                "local_wallet",
                "manual",
            ],
            PaymentMethod::as_str,
        );
        stored(
            &[
                "subscription",
                "purchase",
                "deduction",
                "refund",
                "adjustment",
                "trial",
            ],
            CreditTransactionType::as_str,
        );
        stored(&["monthly", "annual"], BillingCycle::as_str);
    }

    #[test]
    fn display_is_the_text_and_pads_like_it() {
        let kind = CreditTransactionType::Subscription;
        assert_eq!(kind.to_string(), "subscription");
        assert_eq!(
            format!("| {kind:<15} |"),
            format!("| {:<15} |", "subscription")
        );
        assert_eq!(format!("{:>8}", PaymentStatus::Failed), "  failed");
    }

    #[test]
    fn parse_takes_exact_text_only() {
        assert_eq!(
            PaymentMethod::parse("bank_transfer"),
            Some(PaymentMethod::BankTransfer)
        );
        for text in [
            "",
            "Bank_Transfer",
            " bank_transfer",
            "bank transfer",
            "card",
        ] {
            assert_eq!(PaymentMethod::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn manual_methods() {
        let manual: Vec<&str> = PaymentMethod::ALL
            .into_iter()
            .filter(|m| m.is_manual())
            .map(PaymentMethod::as_str)
            .collect();
        assert_eq!(manual, ["bank_transfer", "local_wallet", "manual"]);
    }

    #[test]
    fn usable_accounts_and_the_messages_of_the_others() {
        let message = |s| match ensure_account_usable(s) {
            Ok(()) => "usable".to_owned(),
            Err(Error::Forbidden(m)) => format!("403 {m}"),
            Err(Error::PaymentRequired(m)) => format!("402 {m}"),
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(message(AccountStatus::Trial), "usable");
        assert_eq!(message(AccountStatus::Active), "usable");
        assert_eq!(
            message(AccountStatus::PendingPayment),
            "403 Your account is awaiting payment approval; this is available once your payment is approved."
        );
        assert_eq!(
            message(AccountStatus::Suspended),
            "402 Your account is suspended because its renewal invoice is unpaid; pay it (GET billing/invoices/) and this is available again."
        );
        assert_eq!(
            message(AccountStatus::Expired),
            "402 Your free trial has ended; choose a plan to use this again."
        );
        assert_eq!(
            message(AccountStatus::Cancelled),
            "402 Your subscription is cancelled; choose a plan to use this again."
        );
    }
}
