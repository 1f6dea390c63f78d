//! `/admin/notifications/webhookendpoint/`: where outgoing webhooks go. The list, each
//! endpoint's page with its delivery log (and a "Resend" per delivery), and the forms to
//! edit it, rotate its secret and switch it on or off; adding one is in `webhook_actions`, which also
//! shows a new secret, the one time it is shown.

use axum::Router;
use axum::routing::{get, post};

use crate::db::Db;
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::status::TextEnum;
use crate::domain::webhooks::{self, EndpointFilter, deliveries_of};
use crate::entities::webhook_delivery as delivery;
use crate::entities::webhook_endpoint as endpoint;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{
    self, ColumnDef, Identified, Listed, Meta, Record, Section, columns, fact,
};
use crate::web::admin::record_pages::{flag, yes_no, yes_no_filter};
use crate::web::admin::view::{Cell, FormView, TableView};
use crate::web::admin::webhook_actions::{self, EndpointForm};

pub const LIST: &str = links::WEBHOOK_ENDPOINTS;
/// Deliveries shown on an endpoint's page, newest first.
const LOG_LENGTH: u64 = 50;

/// An endpoint's page: the endpoint and its latest deliveries.
pub struct EndpointDetail {
    pub endpoint: endpoint::Model,
    pub deliveries: Vec<delivery::Model>,
}

impl Identified for endpoint::Model {
    fn id(&self) -> i64 {
        self.id
    }
}

impl Identified for EndpointDetail {
    fn id(&self) -> i64 {
        self.endpoint.id
    }
}

/// The event types an endpoint gets, as a sentence.
fn events_text(e: &endpoint::Model) -> String {
    let types = webhooks::event_types(e);
    match types.is_empty() {
        true => "all events".into(),
        false => types.join(", "),
    }
}

/// A form that is one button posting to `action`.
pub fn button(title: &str, action: String, submit: &str, danger: bool) -> FormView {
    FormView {
        title: title.into(),
        action,
        fields: vec![],
        submit: submit.into(),
        danger,
    }
}

pub struct WebhookEndpoints;

impl Record for WebhookEndpoints {
    const META: Meta = Meta::new(
        LIST,
        "Webhook endpoints",
        "webhook endpoint",
        Section::Notifications,
    )
    .addable();
    type Row = endpoint::Model;
    type Detail = EndpointDetail;

    fn routes() -> Router<AppState> {
        let path = "/notifications/webhookendpoint";
        Router::new()
            .route(path, get(record::list::<Self>))
            .route(
                &format!("{path}/add"),
                get(webhook_actions::add_form).post(webhook_actions::create),
            )
            .route(&format!("{path}/{{id}}"), get(record::change::<Self>))
            .route(
                &format!("{path}/{{id}}/edit"),
                post(webhook_actions::update),
            )
            .route(
                &format!("{path}/{{id}}/rotate"),
                post(webhook_actions::rotate),
            )
            .route(
                &format!("{path}/{{id}}/{{switch}}"),
                post(webhook_actions::switch),
            )
            .route(
                &format!("{path}/{{id}}/deliveries/{{delivery}}/resend"),
                post(webhook_actions::resend),
            )
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "URL" => "url", "Description", "Events", "Enabled" => "enabled",
        "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<endpoint::Model>> {
        let filter = EndpointFilter {
            enabled: flag(q, "enabled"),
            listing: q.listing(),
        };
        Ok(Listed {
            page: webhooks::list_endpoints(db, &filter, req).await?,
            filters: vec![yes_no_filter(q, LIST, "enabled")],
        })
    }

    fn cells(e: &endpoint::Model) -> Vec<Cell> {
        vec![
            Cell::link(e.id.to_string(), links::href(LIST, e.id)),
            Cell::link(&e.url, links::href(LIST, e.id)),
            Cell::text(&e.description),
            Cell::text(events_text(e)),
            yes_no(e.enabled).warned(e.disabled_reason.clone()),
            Cell::text(time(e.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<EndpointDetail> {
        let endpoint = webhooks::get_endpoint(db, id).await?;
        let deliveries = deliveries_of(db, id, LOG_LENGTH).await?;
        Ok(EndpointDetail {
            endpoint,
            deliveries,
        })
    }

    fn heading(d: &EndpointDetail) -> String {
        format!("Webhook endpoint #{} — {}", d.endpoint.id, d.endpoint.url)
    }

    fn title(d: &EndpointDetail) -> String {
        format!("Webhook endpoint #{}", d.endpoint.id)
    }

    fn facts(d: &EndpointDetail) -> Vec<(String, Cell)> {
        let e = &d.endpoint;
        let previous = match e.previous_secret_expires_at {
            Some(until) if until > chrono::Utc::now() => {
                format!("also signing until {}", time(until))
            }
            _ => "—".into(),
        };
        vec![
            fact("ID", Cell::text(e.id.to_string())),
            fact("URL", Cell::text(&e.url)),
            fact("Description", Cell::text(&e.description)),
            fact("Events", Cell::text(events_text(e))),
            fact("Enabled", yes_no(e.enabled)),
            fact("Disabled because", Cell::opt(e.disabled_reason.clone())),
            fact(
                "Signing secret",
                Cell::text("shown once, when made; rotate it to get a new one"),
            ),
            fact("Previous secret", Cell::text(previous)),
            fact("Created", Cell::text(time(e.created_at))),
            fact("Updated", Cell::text(time(e.updated_at))),
        ]
    }

    fn tables(d: &EndpointDetail) -> Vec<TableView> {
        let resend = |id: i64| {
            format!(
                "{}deliveries/{id}/resend/",
                links::href(LIST, d.endpoint.id)
            )
        };
        let rows = d
            .deliveries
            .iter()
            .map(|x| {
                vec![
                    Cell::text(time(x.created_at)),
                    Cell::text(&x.event_type),
                    Cell::text(&x.message_id),
                    Cell::badge(x.state.text()),
                    Cell::text(x.attempts.to_string()),
                    Cell::opt(x.last_status_code.map(|c| c.to_string())),
                    Cell::opt(x.last_error.clone()),
                    Cell::opt(x.last_attempt_at.map(time)),
                    Cell::opt(x.next_attempt_at.map(time)),
                    Cell::button("Resend", resend(x.id)),
                ]
            })
            .collect();
        let columns = [
            "Created",
            "Event",
            "webhook-id",
            "State",
            "Attempts",
            "Last status",
            "Last error",
            "Last attempt",
            "Next attempt",
            "",
        ];
        vec![TableView {
            title: format!("Deliveries (latest {LOG_LENGTH})"),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
            empty: "No events were sent to this endpoint yet.".into(),
        }]
    }

    fn forms(d: &EndpointDetail, _staff: &StaffActor) -> Vec<FormView> {
        let here = links::href(LIST, d.endpoint.id);
        let switch = match d.endpoint.enabled {
            true => button(
                "Disable this endpoint",
                format!("{here}disable/"),
                "Disable",
                true,
            ),
            false => button(
                "Enable this endpoint",
                format!("{here}enable/"),
                "Enable",
                false,
            ),
        };
        vec![
            webhook_actions::edit_form(d.endpoint.id, &EndpointForm::of(&d.endpoint)),
            button(
                "Rotate the signing secret (the old one keeps signing for 24 hours)",
                format!("{here}rotate/"),
                "Rotate secret",
                false,
            ),
            switch,
        ]
    }
}
