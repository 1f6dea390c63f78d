//! The names of every status and role, as stored and as shown in the API.

use crate::error::{Error, Result};

pub mod account {
    pub const TRIAL: &str = "trial";
    pub const PENDING_PAYMENT: &str = "pending_payment";
    pub const ACTIVE: &str = "active";
    pub const SUSPENDED: &str = "suspended";
    pub const CANCELLED: &str = "cancelled";
    /// Statuses in which product features may be used.
    pub const USABLE: [&str; 2] = [TRIAL, ACTIVE];
    pub const ALL: [&str; 5] = [TRIAL, PENDING_PAYMENT, ACTIVE, SUSPENDED, CANCELLED];
}

pub mod subscription {
    pub const PENDING_PAYMENT: &str = "pending_payment";
    pub const ACTIVE: &str = "active";
    pub const PAST_DUE: &str = "past_due";
    pub const CANCELLED: &str = "cancelled";
    pub const EXPIRED: &str = "expired";
    pub const ALL: [&str; 5] = [PENDING_PAYMENT, ACTIVE, PAST_DUE, CANCELLED, EXPIRED];
}

pub mod invoice {
    pub const PENDING: &str = "pending";
    pub const PAID: &str = "paid";
    pub const VOID: &str = "void";
    pub const UNCOLLECTIBLE: &str = "uncollectible";
    pub const ALL: [&str; 4] = [PENDING, PAID, VOID, UNCOLLECTIBLE];
}

pub mod payment {
    pub const PENDING_APPROVAL: &str = "pending_approval";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
    pub const REFUNDED: &str = "refunded";
    pub const ALL: [&str; 4] = [PENDING_APPROVAL, SUCCEEDED, FAILED, REFUNDED];
}

pub mod method {
    pub const STRIPE: &str = "stripe";
    pub const PAYPAL: &str = "paypal";
    pub const BANK_TRANSFER: &str = "bank_transfer";
    pub const LOCAL_WALLET: &str = "local_wallet";
    pub const MANUAL: &str = "manual";
    /// Methods a customer pays outside tollgate and confirms with a reference.
    pub const MANUAL_METHODS: [&str; 3] = [BANK_TRANSFER, LOCAL_WALLET, MANUAL];
}

pub mod ledger {
    pub const SUBSCRIPTION: &str = "subscription";
    pub const PURCHASE: &str = "purchase";
    pub const DEDUCTION: &str = "deduction";
    pub const REFUND: &str = "refund";
    /// A correction by staff, with their reason (`credits::adjust`).
    pub const ADJUSTMENT: &str = "adjustment";
    pub const TRIAL: &str = "trial";
    pub const ALL: [&str; 6] = [SUBSCRIPTION, PURCHASE, DEDUCTION, REFUND, ADJUSTMENT, TRIAL];
}

pub mod role {
    pub const OWNER: &str = "owner";
    pub const VIEWER: &str = "viewer";
}

/// Refuses product features to accounts that are not paid up (or on trial), saying why.
pub fn ensure_account_usable(status: &str) -> Result<()> {
    match status {
        account::TRIAL | account::ACTIVE => Ok(()),
        account::PENDING_PAYMENT => Err(Error::Forbidden(
            "Your account is awaiting payment approval; this is available once your payment is approved."
                .into(),
        )),
        other => Err(Error::Forbidden(format!(
            "Your account is {other}; this is not available."
        ))),
    }
}
