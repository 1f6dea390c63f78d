use sea_orm::entity::prelude::*;

/// Where outgoing webhooks go: a URL staff registered, the event types it wants, and the
/// secret its deliveries are signed with (Standard Webhooks).
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub description: String,
    /// A JSON array of event types (`["payment.approved"]`); empty means every event.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    pub enabled: bool,
    /// `whsec_` + base64 of the key; shown to staff once, when made.
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// Why the endpoint was switched off (by staff, or by the receiver answering 410 Gone).
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Written by hand so that the secrets never reach a log.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

super::no_relations!();
