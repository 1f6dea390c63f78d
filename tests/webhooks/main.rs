//! Outgoing webhooks end to end, on both databases: the app runs its job runner and sends to
//! a receiver inside the test (on 127.0.0.1, so private addresses are allowed here;
//! `webhook_admin.rs` checks the refusals), which verifies every signature with the
//! specification's algorithm. "Later" is reached by pulling a job's `run_at` to now.

#[path = "../common/mod.rs"]
mod common;
mod panel;
mod retries;
mod workflow;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use common::TestApp;
use common::receiver::eventually;
use tollgate::config::Settings;
use tollgate::domain::staff::StaffActor;
use tollgate::domain::webhooks::{self, DELIVER, EndpointInput, WithSecret};
use tollgate::entities::job::{self, JobState};
use tollgate::entities::webhook_delivery as delivery;
use tollgate::entities::webhook_endpoint as endpoint;

use panel::*;
use retries::*;
use workflow::*;

on_both_backends!(
    configure = super::with_runner;
    the_guides_workflow_arrives_signed,
    an_unreachable_endpoint_never_slows_the_api,
    rotation_sends_both_signatures_while_the_old_secret_lasts,
    retries_keep_the_webhook_id_and_follow_the_schedule,
    retry_after_pushes_the_next_attempt_later,
    gone_disables_the_endpoint_and_stops_deliveries,
    a_disabled_endpoints_deliveries_give_up,
    a_deleted_endpoints_deliveries_give_up,
    the_panel_shows_the_secret_once_and_resends_with_the_same_id,
);

/// The app runs its jobs and may call the receiver on 127.0.0.1.
fn with_runner(s: &mut Settings) {
    s.notifications.run_jobs = true;
    s.notifications.webhook_allow_private = true;
}

pub async fn staff(app: &TestApp) -> StaffActor {
    let email = format!("staff-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = tollgate::domain::accounts::create_staff_user(&app.db, &email, "adminpass")
        .await
        .unwrap();
    StaffActor::verify(user).unwrap()
}

/// Registers an endpoint for `types` (none: every event), enabled.
pub async fn endpoint(app: &TestApp, url: &str, types: &[&str]) -> WithSecret {
    let input = EndpointInput {
        url: url.to_owned(),
        description: "test receiver".into(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        enabled: true,
    };
    webhooks::create_endpoint(&app.db, &staff(app).await, input, true)
        .await
        .expect("endpoint registered")
}

pub async fn deliver_jobs(app: &TestApp) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq(DELIVER))
        .order_by_asc(job::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}

pub async fn deliveries(app: &TestApp) -> Vec<delivery::Model> {
    delivery::Entity::find()
        .order_by_asc(delivery::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}

pub async fn endpoint_row(app: &TestApp, id: i64) -> endpoint::Model {
    endpoint::Entity::find_by_id(id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap()
}

/// The only delivery job, once its attempt number `n` is recorded and it waits for the next.
pub async fn waiting_after(app: &TestApp, n: i32) -> job::Model {
    eventually(
        &format!("the delivery job to wait after attempt {n}"),
        || async {
            let jobs = deliver_jobs(app).await;
            assert!(jobs.len() <= 1, "one delivery job at most: {jobs:?}");
            let j = jobs.into_iter().next()?;
            (j.attempts == n && j.state == JobState::Pending).then_some(j)
        },
    )
    .await
}

/// The only delivery job, once it is in `state`.
pub async fn deliver_job_in(app: &TestApp, state: JobState) -> job::Model {
    eventually(&format!("the delivery job to be {state:?}"), || async {
        let j = deliver_jobs(app).await.into_iter().next()?;
        (j.state == state).then_some(j)
    })
    .await
}

/// The fast clock: the job's next attempt is due now.
pub async fn pull_due(app: &TestApp, job_id: i64) {
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(job_id))
        .exec(app.db.conn())
        .await
        .unwrap();
}

/// Waits until every event job has been fanned out (so deliveries are all written).
pub async fn events_fanned_out(app: &TestApp) {
    eventually("every webhook.event job done", || async {
        let events = job::Entity::find()
            .filter(job::Column::Kind.eq("webhook.event"))
            .all(app.db.conn())
            .await
            .unwrap();
        events
            .iter()
            .all(|j| j.state == JobState::Done)
            .then_some(())
    })
    .await
}
