//! `/admin/billing/providerevent/`: every inbound Stripe and PayPal delivery — verified or
//! refused, and what it did — with its raw body. Read-only: events are the providers' word.

use axum::Router;
use axum::routing::get;

use crate::db::Db;
use crate::domain::page::PageRequest;
use crate::domain::providers::inbound::{self, EventFilter};
use crate::domain::status::{EventOutcome, TextEnum};
use crate::entities::provider_event;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::filters;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{
    self, ColumnDef, Identified, Listed, Meta, Record, Section, columns, fact,
};
use crate::web::admin::view::{Cell, TableView};

const LIST: &str = links::PROVIDER_EVENTS;

impl Identified for provider_event::Model {
    fn id(&self) -> i64 {
        self.id
    }
}

fn verified(e: &provider_event::Model) -> &'static str {
    if e.verified { "verified" } else { "refused" }
}

fn payment(e: &provider_event::Model) -> Cell {
    match e.payment_id {
        Some(id) => Cell::link(format!("#{id}"), links::href(links::PAYMENTS, id)),
        None => Cell::text("—"),
    }
}

/// The row of one event, as the list and a payment's history show it.
fn cells(e: &provider_event::Model) -> Vec<Cell> {
    vec![
        Cell::link(e.id.to_string(), links::href(LIST, e.id)),
        Cell::text(time(e.received_at)),
        Cell::text(e.provider.as_str()),
        Cell::opt(e.event_id.clone()),
        Cell::text(&e.event_type),
        Cell::text(verified(e)),
        Cell::badge(e.outcome.text()),
        payment(e),
        Cell::opt(e.note.clone()),
    ]
}

const HEADINGS: [&str; 9] = [
    "ID",
    "Received",
    "Provider",
    "Event id",
    "Type",
    "Signature",
    "Outcome",
    "Payment",
    "Note",
];

/// A payment's events, for its page.
pub fn history(events: &[provider_event::Model]) -> TableView {
    TableView {
        title: "Provider events".into(),
        columns: HEADINGS.iter().map(|h| h.to_string()).collect(),
        rows: events.iter().map(cells).collect(),
        empty: "No event from the provider yet.".into(),
    }
}

pub struct ProviderEvents;

impl Record for ProviderEvents {
    const META: Meta =
        Meta::new(LIST, "Provider events", "provider event", Section::Billing).read_only();
    type Row = provider_event::Model;
    type Detail = provider_event::Model;

    fn routes() -> Router<AppState> {
        let path = "/billing/providerevent";
        Router::new()
            .route(path, get(record::list::<Self>))
            .route(&format!("{path}/{{id}}"), get(record::change::<Self>))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Received" => "received", "Provider", "Event id", "Type" => "type",
        "Signature", "Outcome" => "outcome", "Payment", "Note",
    ];

    async fn fetch(
        db: &Db,
        q: &ListQuery,
        req: PageRequest,
    ) -> Result<Listed<provider_event::Model>> {
        let filter = EventFilter {
            outcome: q.get("outcome").map(str::to_owned),
            provider: q.get("provider").map(str::to_owned),
            listing: q.listing(),
        };
        let (page, counts) = inbound::list(db, &filter, req).await?;
        let providers = [("stripe", "stripe"), ("paypal", "paypal")];
        let filters = vec![
            filters::counted::<EventOutcome>(q, LIST, "outcome", &counts),
            q.choice_filter(LIST, "provider", &providers, None),
        ];
        Ok(Listed { page, filters })
    }

    fn cells(e: &provider_event::Model) -> Vec<Cell> {
        cells(e)
    }

    async fn get(db: &Db, id: i64) -> Result<provider_event::Model> {
        inbound::get(db, id).await
    }

    fn heading(e: &provider_event::Model) -> String {
        format!("{} event #{} — {}", e.provider, e.id, e.outcome.text())
    }

    fn title(e: &provider_event::Model) -> String {
        format!("Provider event #{}", e.id)
    }

    fn facts(e: &provider_event::Model) -> Vec<(String, Cell)> {
        vec![
            fact("ID", Cell::text(e.id.to_string())),
            fact("Received", Cell::text(time(e.received_at))),
            fact("Provider", Cell::text(e.provider.as_str())),
            fact("Event id", Cell::opt(e.event_id.clone())),
            fact("Type", Cell::text(&e.event_type)),
            fact("Signature", Cell::text(verified(e))),
            fact("Outcome", Cell::badge(e.outcome.text())),
            fact("Payment", payment(e)),
            fact("Note", Cell::opt(e.note.clone())),
            fact("Body", Cell::pre(&e.body)),
        ]
    }
}
