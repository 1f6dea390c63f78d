//! What staff do to webhook endpoints, each through one domain function: add one (the form,
//! then a page showing its new secret — the one time it is shown), edit it, rotate its secret
//! (the same page), switch it on or off, and resend one of its deliveries.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::notify::EVENT_TYPES;
use crate::domain::webhooks::{self, EndpointInput, WithSecret};
use crate::entities::webhook_endpoint as endpoint;
use crate::error::{Error, FieldErrors};
use crate::state::AppState;
use crate::web::admin::links;
use crate::web::admin::record::{Record, crumbs, fact};
use crate::web::admin::record_pages::{parse_id, refused};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Cell, ChangePage, Field, FormView, attach_errors, html};
use crate::web::admin::webhooks::{LIST, WebhookEndpoints};
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::page::{FlashLevel, Message};
use crate::web::session::SignedInPage;

/// The add form as posted: the ticked event types arrive as repeated `event_types`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndpointForm {
    url: String,
    description: String,
    event_types: Vec<String>,
    enabled: Option<String>,
}

impl EndpointForm {
    /// The form filled in from an endpoint, for its edit form.
    pub fn of(e: &endpoint::Model) -> EndpointForm {
        EndpointForm {
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: webhooks::event_types(e),
            enabled: e.enabled.then(|| "on".into()),
        }
    }

    fn input(&self) -> EndpointInput {
        EndpointInput {
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.event_types.clone(),
            enabled: self.enabled.is_some(),
        }
    }
}

/// The edit form on an endpoint's page.
pub fn edit_form(id: i64, form: &EndpointForm) -> FormView {
    FormView {
        title: "Edit".into(),
        action: format!("{}edit/", links::href(LIST, id)),
        fields: fields(form),
        submit: "Save".into(),
        danger: false,
    }
}

fn fields(form: &EndpointForm) -> Vec<Field> {
    let options = EVENT_TYPES
        .iter()
        .map(|t| (t.to_string(), t.to_string()))
        .collect();
    vec![
        Field::new("url", "url", "URL", &form.url)
            .required()
            .help("Where events are POSTed, e.g. https://example.com/webhooks/tollgate."),
        Field::new("text", "description", "Description", &form.description),
        Field::checkboxes("event_types", "Events", options, &form.event_types)
            .help("None ticked: every event, including types added later."),
        Field::checkbox("enabled", "Enabled", form.enabled.is_some()),
    ]
}

fn trail() -> Vec<(String, String)> {
    let mut trail = crumbs::<WebhookEndpoints>();
    trail.push((WebhookEndpoints::META.title.into(), LIST.into()));
    trail
}

async fn form_page(
    state: &AppState,
    staffer: &Staffer,
    form: &EndpointForm,
    errors: &FieldErrors,
) -> Result<ChangePage, PageError> {
    let mut fields = fields(form);
    let mut chrome = staffer
        .chrome(state, "Add webhook endpoint", trail())
        .await?;
    if !errors.is_empty() {
        chrome
            .messages
            .push(Message::error(attach_errors(&mut fields, errors)));
    }
    Ok(ChangePage {
        chrome,
        heading: "Add webhook endpoint".into(),
        fields: vec![],
        tables: vec![],
        forms: vec![FormView {
            title: "Add".into(),
            action: format!("{LIST}add/"),
            fields,
            submit: "Save".into(),
            danger: false,
        }],
    })
}

pub async fn add_form(
    State(state): State<AppState>,
    staffer: Staffer,
) -> Result<Response, PageError> {
    let blank = EndpointForm {
        enabled: Some("on".into()),
        ..EndpointForm::default()
    };
    let page = form_page(&state, &staffer, &blank, &FieldErrors::new()).await?;
    Ok(html(&page))
}

pub async fn create(
    State(state): State<AppState>,
    Posted { by: staffer, form }: Posted<Staffer, EndpointForm>,
) -> Result<Response, PageError> {
    let allow_private = state.webhook_allow_private;
    let input = form.input();
    match webhooks::create_endpoint(&state.db, &staffer.staff, input, allow_private).await {
        Ok(made) => secret_page(&state, &staffer, made, "added").await,
        Err(e) => {
            let errors = refused(e)?;
            let page = form_page(&state, &staffer, &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}

/// The endpoint page's "Edit": saved, or the page again with each problem by its field.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, EndpointForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Webhook endpoint")?;
    let allow_private = state.webhook_allow_private;
    let outcome =
        webhooks::update_endpoint(&state.db, &staffer.staff, id, form.input(), allow_private).await;
    let errors = match outcome {
        Ok(saved) => {
            let text = format!(
                "The webhook endpoint “{}” was changed successfully.",
                saved.url
            );
            staffer.flash(&state, FlashLevel::Success, text).await?;
            return Ok(Redirect::to(&links::href(LIST, id)).into_response());
        }
        Err(e) => refused(e)?,
    };
    let detail = WebhookEndpoints::get(&state.db, id).await?;
    let mut forms = WebhookEndpoints::forms(&detail, &staffer.staff);
    let mut edit = edit_form(id, &form);
    let summary = attach_errors(&mut edit.fields, &errors);
    if let Some(first) = forms.first_mut() {
        *first = edit;
    }
    let mut chrome = staffer
        .chrome(&state, WebhookEndpoints::title(&detail), trail())
        .await?;
    chrome.messages.push(Message::error(summary));
    let page = ChangePage {
        chrome,
        heading: WebhookEndpoints::heading(&detail),
        fields: WebhookEndpoints::facts(&detail),
        tables: WebhookEndpoints::tables(&detail),
        forms,
    };
    Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
}

pub async fn rotate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Webhook endpoint")?;
    let made = webhooks::rotate_secret(&state.db, &staffer.staff, id).await?;
    secret_page(&state, &staffer, made, "given a new secret").await
}

/// The endpoint's secret, shown this once: the page is answered to the POST that made it
/// (never stored in a flash message) and not cached.
async fn secret_page(
    state: &AppState,
    staffer: &Staffer,
    made: WithSecret,
    done: &str,
) -> Result<Response, PageError> {
    let e = &made.endpoint;
    let href = links::href(LIST, e.id);
    let mut chrome = staffer
        .chrome(state, format!("Webhook endpoint #{}", e.id), trail())
        .await?;
    chrome.messages.push(Message {
        level: FlashLevel::Success,
        text: format!(
            "The webhook endpoint “{}” was {done}. Copy its signing secret now: it is not \
             shown again.",
            e.url
        ),
    });
    let page = ChangePage {
        chrome,
        heading: format!("Signing secret of webhook endpoint #{}", e.id),
        fields: vec![
            fact("URL", Cell::link(&e.url, &href)),
            fact("Signing secret", Cell::text(&made.secret)),
            fact(
                "Verify with",
                Cell::text("the Standard Webhooks libraries, or HMAC-SHA256 as in the README"),
            ),
        ],
        tables: vec![],
        forms: vec![],
    };
    let mut response = html(&page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `…/{id}/enable` and `…/{id}/disable`.
pub async fn switch(
    State(state): State<AppState>,
    Path((id, switch)): Path<(String, String)>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    let enabled = match switch.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return Err(Error::NotFound("Page not found".into()).into()),
    };
    let id = parse_id(&id, "Webhook endpoint")?;
    let saved = webhooks::set_enabled(&state.db, &staffer.staff, id, enabled).await?;
    let verb = if enabled { "enabled" } else { "disabled" };
    let text = format!("The webhook endpoint “{}” was {verb}.", saved.url);
    staffer.flash(&state, FlashLevel::Success, text).await?;
    Ok(Redirect::to(&links::href(LIST, id)).into_response())
}

/// A delivery's "Resend": the same event (same `webhook-id`) sent again now.
pub async fn resend(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(String, String)>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Webhook endpoint")?;
    let delivery = parse_id(&delivery, "Webhook delivery")?;
    let (level, text) = match webhooks::resend(&state.db, &staffer.staff, delivery).await {
        Ok(d) => (
            FlashLevel::Success,
            format!(
                "The {} event {} will be sent again now.",
                d.event_type, d.message_id
            ),
        ),
        Err(e @ Error::Conflict(_)) => (FlashLevel::Error, e.to_string()),
        Err(e) => return Err(e.into()),
    };
    staffer.flash(&state, level, text).await?;
    Ok(Redirect::to(&links::href(LIST, id)).into_response())
}
