//! Staff's view of inbound provider events: every delivery, verified or refused, with what it
//! did; filtered by outcome and provider, searched by event id, type and note.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

use crate::db::Db;
use crate::domain::found;
use crate::domain::page::{Counts, ListSpec, Listing, Page, PageRequest, choice, list_spec};
use crate::domain::status::{EventOutcome, PaymentMethod};
use crate::entities::provider_event;
use crate::error::Result;

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    /// settled, failed, recorded, flagged, ignored or rejected.
    pub outcome: Option<String>,
    /// stripe or paypal.
    pub provider: Option<String>,
    pub listing: Listing,
}

const EVENTS: ListSpec<provider_event::Entity> = list_spec! {
    provider_event: search [EventId, EventType, Note],
    sorts ["id" Id, "received" ReceivedAt, "outcome" Outcome, "type" EventType],
    default "-id", ties [Id Desc]
};

/// A page of events, with how many of each outcome the search finds.
pub async fn list(
    db: &Db,
    f: &EventFilter,
    req: PageRequest,
) -> Result<(Page<provider_event::Model>, Counts)> {
    let outcome: Option<EventOutcome> = choice(&f.outcome, "outcome")?;
    let provider: Option<PaymentMethod> = choice(&f.provider, "provider")?;
    let filtered = |by_outcome: bool| {
        Ok(provider_event::Entity::find()
            .apply_if(outcome.filter(|_| by_outcome), |q, o| {
                q.filter(provider_event::Column::Outcome.eq(o))
            })
            .apply_if(provider, |q, p| {
                q.filter(provider_event::Column::Provider.eq(p))
            }))
    };
    EVENTS
        .list_counted(
            filtered,
            provider_event::Column::Outcome,
            None,
            &f.listing,
            db,
            req,
        )
        .await
}

pub async fn get(db: &Db, id: i64) -> Result<provider_event::Model> {
    found(db.conn(), id, "Provider event").await
}

/// A payment's events, oldest first: its history as the provider told it.
pub async fn of_payment(db: &Db, payment_id: i64) -> Result<Vec<provider_event::Model>> {
    Ok(provider_event::Entity::find()
        .filter(provider_event::Column::PaymentId.eq(payment_id))
        .order_by_asc(provider_event::Column::Id)
        .all(db.conn())
        .await?)
}

/// How long a refused delivery is kept for staff to look at.
pub const KEEP_REFUSED_DAYS: i64 = 30;

/// Deletes refused deliveries older than [`KEEP_REFUSED_DAYS`]: anyone can send one, so they
/// must not pile up. Verified events are the record of money and are kept.
pub async fn purge_refused(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let before = now - chrono::Duration::days(KEEP_REFUSED_DAYS);
    Ok(provider_event::Entity::delete_many()
        .filter(provider_event::Column::Verified.eq(false))
        .filter(provider_event::Column::ReceivedAt.lt(before))
        .exec(db.conn())
        .await?
        .rows_affected)
}
