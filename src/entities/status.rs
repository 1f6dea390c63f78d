//! The closed vocabularies of billing: every status, payment method and ledger kind, as typed
//! enums. Each value's text is written once, below; it is the stored text (the columns stay
//! plain strings, so no migration), the JSON the API writes and reads, the OpenAPI enum and
//! what the admin panel shows. They live beside the tables that store them; the rules over
//! them (allowed status changes, who may use what) are `domain::status`.

use sea_orm::entity::prelude::*;
use utoipa::ToSchema;

/// A string enum stored as text: `Variant = "text",` gives each value its one spelling, used
/// by sea-orm (the stored value), serde (the JSON) and utoipa (the OpenAPI enum, which takes
/// its description from the enum's doc comment). Used here and by the tables whose states are
/// their own (`job`, `webhook_delivery`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[doc = $doc:literal])* $variant:ident = $text:tt,)+
        }
    ) => {
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        $(#[$meta])*
        pub enum $name {
            $(
                $(#[doc = $doc])*
                #[sea_orm(string_value = $text)]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order lists and filters show them.
            pub const ALL: [Self; [$($text),+].len()] = [$(Self::$variant),+];

            /// Every value's text, in the same order.
            pub const TEXTS: [&'static str; [$($text),+].len()] = [$($text),+];

            /// The value as stored, as the API writes it and as the admin panel shows it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value spelled exactly `text`, if there is one.
            pub fn parse(text: &str) -> Option<Self> {
                <Self as $crate::entities::status::TextEnum>::from_text(text)
            }
        }

        impl $crate::entities::status::TextEnum for $name {
            const VALUES: &'static [Self] = &Self::ALL;

            fn text(self) -> &'static str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            /// The text, padded as asked (`{:<15}`), like a `&str`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// What every `text_enum!` has, for code that takes any of them.
pub trait TextEnum: Copy + Eq + 'static {
    /// Every value, in the order lists and filters show them.
    const VALUES: &'static [Self];

    fn text(self) -> &'static str;

    /// The value spelled exactly `text`, if there is one.
    fn from_text(text: &str) -> Option<Self> {
        Self::VALUES.iter().copied().find(|v| v.text() == text)
    }

    /// Every value's text, comma-separated: "a, b, c".
    fn listed() -> String {
        let texts: Vec<&str> = Self::VALUES.iter().map(|v| v.text()).collect();
        texts.join(", ")
    }
}

text_enum! {
    /// An account's standing: `trial` and `active` may use product features.
    pub enum AccountStatus {
        Trial = "trial",
        PendingPayment = "pending_payment",
        Active = "active",
        Suspended = "suspended",
        Cancelled = "cancelled",
        /// A free trial that ended without a paid plan: credits kept, nothing usable.
        Expired = "expired",
    }
}

impl AccountStatus {
    /// Statuses in which product features may be used.
    pub const USABLE: [Self; 2] = [Self::Trial, Self::Active];
}

text_enum! {
    /// A subscription's standing; `active` once its first payment is approved.
    pub enum SubscriptionStatus {
        PendingPayment = "pending_payment",
        Active = "active",
        PastDue = "past_due",
        Cancelled = "cancelled",
        Expired = "expired",
    }
}

text_enum! {
    /// What an invoice is for, which decides what paying it does (`domain::settlement`).
    pub enum InvoicePurpose {
        /// A subscription's first period, from the day it is paid.
        Subscription = "subscription",
        /// The next period, from the day the current one ends.
        Renewal = "renewal",
        /// An upgrade: the price difference for the rest of the current period.
        PlanChange = "plan_change",
        /// A package of credits, granted once it is paid.
        TopUp = "top_up",
    }
}

text_enum! {
    /// An invoice's standing; it stays `pending` after a rejected payment.
    pub enum InvoiceStatus {
        Pending = "pending",
        Paid = "paid",
        Void = "void",
        Uncollectible = "uncollectible",
    }
}

text_enum! {
    /// A payment's standing: confirmed payments await staff review in `pending_approval`.
    pub enum PaymentStatus {
        PendingApproval = "pending_approval",
        Succeeded = "succeeded",
        Failed = "failed",
        /// Given back in full (`domain::refunds`).
        Refunded = "refunded",
        /// Card and PayPal: started with the provider, settled by its signed event.
        Processing = "processing",
        /// Given back in part; the rest may still be refunded.
        PartiallyRefunded = "partially_refunded",
    }
}

text_enum! {
    /// How money is paid: by card (`stripe`) or `paypal` through a provider, or outside tollgate
    /// and confirmed by reference.
    // Named `PaymentMethodType` in the API description: `PaymentMethod` there is a method's
    // configuration for a country (`api::replies::billing::PaymentMethod`).
    #[schema(as = PaymentMethodType)]
    pub enum PaymentMethod {
        Stripe = "stripe",
        Paypal = "paypal",
        BankTransfer = "bank_transfer",
        LocalWallet = "local_wallet",
        Manual = "manual",
    }
}

impl PaymentMethod {
    /// Methods a customer pays outside tollgate and confirms with a reference.
    pub const MANUAL: [Self; 3] = [Self::BankTransfer, Self::LocalWallet, Self::Manual];

    pub fn is_manual(self) -> bool {
        Self::MANUAL.contains(&self)
    }

    /// The schema of an input field that takes one of the manual methods, as text (so that
    /// any other text gets the domain's own message rather than a decoding error).
    pub fn manual_schema() -> utoipa::openapi::Object {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The methods a customer pays outside tollgate and then confirms with a reference.",
            ))
            .enum_values(Some(Self::MANUAL.map(Self::as_str)))
            .build()
    }
}

text_enum! {
    /// What a credit ledger row records: grants are positive, `deduction` negative, an
    /// `adjustment` (by staff, with its reason) either.
    pub enum CreditTransactionType {
        Subscription = "subscription",
        Purchase = "purchase",
        Deduction = "deduction",
        Refund = "refund",
        // A correction by staff, with their reason (`credits::adjust`).
        Adjustment = "adjustment",
        Trial = "trial",
    }
}

text_enum! {
    /// What an inbound provider event did (`provider_events.outcome`).
    pub enum EventOutcome {
        /// The invoice was paid by it, through the approval cascade.
        Settled = "settled",
        /// The payment was marked failed with the provider's message.
        Failed = "failed",
        /// Kept for the record (a refund, an event for a payment already in that state).
        Recorded = "recorded",
        /// Not applied and shown to staff: the amount or currency differs from the invoice's,
        /// or the invoice was already paid another way.
        Flagged = "flagged",
        /// A type tollgate does not act on, or a payment it does not know.
        Ignored = "ignored",
        /// The signature (or certificate, or timestamp) did not hold; nothing was read.
        Rejected = "rejected",
    }
}

text_enum! {
    /// Where the money of a refund is (`credit_notes.payout_status`).
    pub enum PayoutStatus {
        /// A manual method's refund: staff pay it out themselves, as the credit note says.
        ByStaff = "by_staff",
        /// Waiting for the provider's refund (an outbox job asks it, retrying).
        Pending = "pending",
        /// The provider refunded it (`provider_ref`).
        Refunded = "refunded",
        /// The provider refused; `provider_error` says why, and staff pay it out.
        Failed = "failed",
        /// The provider has no keys on this server: staff refund it in the provider's own dashboard.
        NotConfigured = "not_configured",
    }
}

text_enum! {
    /// How often a plan is billed.
    pub enum BillingCycle {
        Monthly = "monthly",
        Annual = "annual",
    }
}

/// A product operation that costs credits (`GET billing/credit-costs` gives each price).
// Only the API description's vocabulary: operations are rows of the credit cost table (seeded
// by `db::seed`), so the domain looks them up there and keeps their names as text.
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
