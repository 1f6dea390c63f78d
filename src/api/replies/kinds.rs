//! The closed vocabularies of the API, as string enums in its description.
//!
//! The domain keeps these values as plain strings (`domain::status`, stored as text), so the
//! replies carry the stored string unchanged and only their schema points here, with
//! `#[schema(value_type = …)]`: no conversion can fail or rename a value. `tests/openapi.rs`
//! checks each list against the domain's own constants, so a new status cannot be forgotten.

use utoipa::ToSchema;

/// An account's standing: `trial` and `active` may use product features.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AccountStatus {
    Trial,
    PendingPayment,
    Active,
    Suspended,
    Cancelled,
}

/// A subscription's standing; `active` once its first payment is approved.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    PendingPayment,
    Active,
    PastDue,
    Cancelled,
    Expired,
}

/// An invoice's standing; it stays `pending` after a rejected payment.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Pending,
    Paid,
    Void,
    Uncollectible,
}

/// A payment's standing: confirmed payments await staff review in `pending_approval`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PaymentStatus {
    PendingApproval,
    Succeeded,
    Failed,
    Refunded,
}

/// How money is paid. Card (`stripe`) and `paypal` are configured but not yet taken.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PaymentMethodType {
    Stripe,
    Paypal,
    BankTransfer,
    LocalWallet,
    Manual,
}

/// The methods a customer pays outside tollgate and then confirms with a reference.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ManualPaymentMethod {
    BankTransfer,
    LocalWallet,
    Manual,
}

/// What a credit ledger row records: grants are positive, `deduction` negative, an
/// `adjustment` (by staff, with its reason) either.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CreditTransactionType {
    Subscription,
    Purchase,
    Deduction,
    Refund,
    Adjustment,
    Trial,
}

/// A product operation that costs credits (`GET billing/credit-costs` gives each price).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum OperationType {
    Clustering,
    IdeaGeneration,
    ContentGeneration,
    ImageGeneration,
    ImagePromptExtraction,
    Linking,
    Optimization,
    SiteStructureGeneration,
}

/// How often a plan is billed.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BillingCycle {
    Monthly,
    Annual,
}
