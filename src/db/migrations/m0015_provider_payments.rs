//! Card and PayPal payments. A payment taken by a provider keeps the provider's id of it
//! (`provider_ref`: a PaymentIntent or a PayPal order; unique, so one provider payment is one
//! row) and of the money movement (`provider_capture`: a charge or a capture, for refunds).
//!
//! Every webhook delivery is kept in `provider_events`: a verified one under its event id,
//! unique per provider, written in the same transaction as its effect, so a second delivery
//! of the same event finds the row and changes nothing; a refused one with its reason and no
//! event id (its body is not trusted to name one).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, add_columns, create, create_all, index, unique};

super::migration!(m => {
    add_columns(
        m,
        "payments",
        vec![string_null("provider_ref"), string_null("provider_capture")],
    )
    .await?;
    m.create_index(unique("payments", &["provider_ref"])).await?;
    let events = create("provider_events")
        .col(string("provider"))
        .col(string_null("event_id"))
        .col(string("event_type"))
        .col(boolean("verified"))
        .col(string("outcome"))
        .col(string_null("note"))
        .reference_null("payment_id", "payments")
        .col(text("body"))
        .col(timestamp_with_time_zone("received_at"))
        .take();
    let indexes = [
        unique("provider_events", &["provider", "event_id"]),
        index("provider_events", &["payment_id"], false),
        index("provider_events", &["received_at"], false),
    ];
    create_all(m, [events], indexes).await
});
