use sea_orm::entity::prelude::*;

/// One event on its way to one endpoint: the body sent (the same bytes on every attempt and
/// resend, so the `webhook-id` and the payload never change) and how its last attempt went.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    /// The event's id (`msg_…`), sent as `webhook-id`.
    pub message_id: String,
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub state: DeliveryState,
    /// Attempts made so far, resends included.
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// The start of the receiver's last answer, for staff to see what it said.
    #[sea_orm(column_type = "Text", nullable)]
    pub response_excerpt: Option<String>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::status::text_enum! {
    pub enum DeliveryState {
        /// Not attempted yet.
        Pending = "pending",
        /// An attempt failed; the next one is at `next_attempt_at`.
        Retrying = "retrying",
        /// The receiver answered 2xx.
        Succeeded = "succeeded",
        /// Given up on: every attempt failed, the receiver answered 410, or the endpoint was
        /// disabled or deleted.
        Failed = "failed",
    }
}

super::no_relations!();
