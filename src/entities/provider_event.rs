use sea_orm::entity::prelude::*;

use crate::entities::status::{EventOutcome, PaymentMethod};

/// One webhook delivery from a payment provider, verified or refused, and what it did.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: PaymentMethod,
    /// The provider's event id; unique per provider. None for a refused delivery.
    pub event_id: Option<String>,
    pub event_type: String,
    pub verified: bool,
    pub outcome: EventOutcome,
    /// Why: the refusal, the flag, the provider's failure message.
    pub note: Option<String>,
    pub payment_id: Option<i64>,
    /// The raw body as delivered (cut short for a refused one).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub received_at: DateTimeUtc,
}

super::no_relations!();
