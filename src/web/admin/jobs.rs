//! `/admin/notifications/job/`: the outbox's jobs (mails, webhook events and deliveries) by
//! state, with their attempts and last error, and "Retry now" for a dead job or one waiting
//! for its next attempt. Read-only otherwise; a job's payload is never shown (a password
//! reset's carries its token).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::db::Db;
use crate::domain::job_queue::{self, JobFilter};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::status::TextEnum;
use crate::entities::job::{self, JobState};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::admin::filters;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{
    self, ColumnDef, Identified, Listed, Meta, Record, Section, columns, fact,
};
use crate::web::admin::record_pages::parse_id;
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Cell, FormView};
use crate::web::admin::webhooks::button;
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::JOBS;

impl Identified for job::Model {
    fn id(&self) -> i64 {
        self.id
    }
}

fn attempts(j: &job::Model) -> String {
    format!("{}/{}", j.attempts, j.max_attempts)
}

pub struct Jobs;

impl Record for Jobs {
    const META: Meta = Meta::new(LIST, "Jobs", "job", Section::Notifications).read_only();
    type Row = job::Model;
    type Detail = job::Model;

    fn routes() -> Router<AppState> {
        let path = "/notifications/job";
        Router::new()
            .route(path, get(record::list::<Self>))
            .route(&format!("{path}/{{id}}"), get(record::change::<Self>))
            .route(&format!("{path}/{{id}}/retry"), post(retry))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Kind" => "kind", "Key", "State" => "state", "Attempts" => "attempts",
        "Run at" => "run_at", "Last error",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<job::Model>> {
        let filter = JobFilter {
            state: q.get("state").map(str::to_owned),
            listing: q.listing(),
        };
        let (page, counts) = job_queue::list_jobs(db, &filter, req).await?;
        let filters = vec![filters::counted::<JobState>(q, LIST, "state", &counts)];
        Ok(Listed { page, filters })
    }

    fn cells(j: &job::Model) -> Vec<Cell> {
        vec![
            Cell::link(j.id.to_string(), links::href(LIST, j.id)),
            Cell::text(&j.kind),
            Cell::text(&j.unique_key),
            Cell::badge(j.state.text()),
            Cell::text(attempts(j)),
            Cell::text(time(j.run_at)),
            Cell::opt(j.last_error.clone()),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<job::Model> {
        job_queue::get_job(db, id).await
    }

    fn heading(j: &job::Model) -> String {
        format!("Job #{} — {}", j.id, j.kind)
    }

    fn title(j: &job::Model) -> String {
        format!("Job #{}", j.id)
    }

    fn facts(j: &job::Model) -> Vec<(String, Cell)> {
        vec![
            fact("ID", Cell::text(j.id.to_string())),
            fact("Kind", Cell::text(&j.kind)),
            fact("Key", Cell::text(&j.unique_key)),
            fact("State", Cell::badge(j.state.text())),
            fact("Attempts", Cell::text(attempts(j))),
            fact("Run at", Cell::text(time(j.run_at))),
            fact("Held by", Cell::opt(j.locked_by.clone())),
            fact("Held until", Cell::opt(j.locked_until.map(time))),
            fact("Last error", Cell::opt(j.last_error.clone())),
            fact("Created", Cell::text(time(j.created_at))),
            fact("Updated", Cell::text(time(j.updated_at))),
        ]
    }

    fn forms(j: &job::Model, _staff: &StaffActor) -> Vec<FormView> {
        match j.state {
            JobState::Pending | JobState::Dead => vec![button(
                "Run this job again now, with a fresh count of attempts",
                format!("{}retry/", links::href(LIST, j.id)),
                "Retry now",
                false,
            )],
            JobState::Running | JobState::Done => vec![],
        }
    }
}

/// "Retry now".
async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Job")?;
    let (level, text) = match job_queue::retry_now(&state.db, &staffer.staff, id).await {
        Ok(j) => (
            FlashLevel::Success,
            format!("Job #{} ({}) will run again now.", j.id, j.kind),
        ),
        Err(e @ Error::Conflict(_)) => (FlashLevel::Error, e.to_string()),
        Err(e) => return Err(e.into()),
    };
    staffer.flash(&state, level, text).await?;
    Ok(Redirect::to(&links::href(LIST, id)).into_response())
}
