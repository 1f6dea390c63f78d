//! Outgoing webhooks: the endpoints staff register (URL, subscribed event types, signing
//! secret and the previous one during a rotation) and one delivery row per (endpoint, event),
//! which records every attempt's outcome for the panel's delivery log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, create, create_all, index, named_index};

super::migration!(m => {
    let endpoints = create("webhook_endpoints")
        .col(text("url"))
        .col(string("description"))
        // A JSON array of event types; empty means every event.
        .col(text("event_types"))
        .col(boolean("enabled"))
        .col(string("secret"))
        .col(string_null("previous_secret"))
        .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
        .col(text_null("disabled_reason"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .take();
    let deliveries = create("webhook_deliveries")
        .reference_cascade("endpoint_id", "webhook_endpoints")
        .col(string("message_id"))
        .col(string("event_type"))
        .col(text("payload"))
        .col(string("state"))
        .col(integer("attempts"))
        .col(integer_null("last_status_code"))
        .col(text_null("last_error"))
        .col(text_null("response_excerpt"))
        .col(timestamp_with_time_zone_null("last_attempt_at"))
        .col(timestamp_with_time_zone_null("next_attempt_at"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .take();
    let indexes = [
        // One delivery per event and endpoint: a repeated fan-out adds nothing.
        named_index(
            "ux_webhook_deliveries_endpoint_message",
            "webhook_deliveries",
            &["endpoint_id", "message_id"],
            true,
        ),
        index("webhook_deliveries", &["message_id"], false),
    ];
    create_all(m, [endpoints, deliveries], indexes).await
});
