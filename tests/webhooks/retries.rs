//! Failed deliveries: the retry schedule (by a fast clock), `Retry-After`, 410 Gone and a
//! disabled endpoint.

use reqwest::StatusCode;

use super::common::TestApp;
use super::common::receiver::{Answer, Receiver, eventually, verifies};
use super::{
    deliver_job_in, deliveries, endpoint, endpoint_row, events_fanned_out, pull_due, staff,
    waiting_after,
};
use tollgate::domain::webhooks;
use tollgate::entities::job::JobState;
use tollgate::entities::webhook_delivery::DeliveryState;

/// Seconds from a failed attempt's record to the next attempt.
fn wait_secs(j: &tollgate::entities::job::Model) -> i64 {
    (j.run_at - j.updated_at).num_seconds()
}

pub async fn retries_keep_the_webhook_id_and_follow_the_schedule(app: TestApp) {
    let rx = Receiver::start().await;
    rx.answer(Answer::Status(500));
    let made = endpoint(&app, &rx.url, &["account.created"]).await;
    assert_eq!(
        app.register_free("retry@example.com").await.status,
        StatusCode::CREATED
    );

    rx.wait_for(1).await;
    for (attempt, wait) in [(1, 5), (2, 5 * 60), (3, 30 * 60), (4, 2 * 3600)] {
        let job = waiting_after(&app, attempt).await;
        assert_eq!(wait_secs(&job), wait, "wait after attempt {attempt}");
        assert_eq!(job.last_error.as_deref(), Some("HTTP 500"));
        let d = deliveries(&app).await.remove(0);
        assert_eq!(d.state, DeliveryState::Retrying);
        assert_eq!(d.attempts, attempt);
        assert_eq!(d.last_status_code, Some(500));
        let next = d.next_attempt_at.expect("next attempt recorded");
        assert!((next - job.run_at).num_seconds().abs() <= 2);
        if attempt == 4 {
            rx.answer(Answer::Status(204));
        }
        pull_due(&app, job.id).await;
        rx.wait_for(attempt as usize + 1).await;
    }
    let job = deliver_job_in(&app, JobState::Done).await;
    assert_eq!(job.attempts, 5);
    let d = eventually("the delivery recorded as succeeded", || async {
        let d = deliveries(&app).await.remove(0);
        (d.state == DeliveryState::Succeeded).then_some(d)
    })
    .await;
    assert_eq!(d.attempts, 5);
    assert_eq!(d.last_status_code, Some(204));

    let got = rx.received();
    assert_eq!(got.len(), 5);
    for r in &got {
        assert_eq!(r.id, got[0].id, "the same webhook-id on every attempt");
        assert_eq!(r.body, got[0].body, "the same body on every attempt");
        assert!(verifies(&made.secret, r));
    }
}

pub async fn retry_after_pushes_the_next_attempt_later(app: TestApp) {
    let rx = Receiver::start().await;
    rx.answer(Answer::RetryAfter(503, 120));
    endpoint(&app, &rx.url, &["account.created"]).await;
    assert_eq!(
        app.register_free("busy@example.com").await.status,
        StatusCode::CREATED
    );
    let job = waiting_after(&app, 1).await;
    assert_eq!(
        wait_secs(&job),
        120,
        "Retry-After beats the 5 s of the schedule"
    );

    // A shorter Retry-After does not bring the schedule's next attempt sooner.
    rx.answer(Answer::RetryAfter(429, 1));
    pull_due(&app, job.id).await;
    let job = waiting_after(&app, 2).await;
    assert_eq!(wait_secs(&job), 5 * 60);
    assert_eq!(job.last_error.as_deref(), Some("HTTP 429"));
}

pub async fn gone_disables_the_endpoint_and_stops_deliveries(app: TestApp) {
    let rx = Receiver::start().await;
    rx.answer(Answer::Status(410));
    let made = endpoint(&app, &rx.url, &["account.created"]).await;
    assert_eq!(
        app.register_free("gone@example.com").await.status,
        StatusCode::CREATED
    );
    rx.wait_for(1).await;

    let job = deliver_job_in(&app, JobState::Dead).await;
    assert_eq!(job.attempts, 1, "given up at once");
    let d = eventually("the delivery recorded as failed", || async {
        let d = deliveries(&app).await.remove(0);
        (d.state == DeliveryState::Failed).then_some(d)
    })
    .await;
    assert_eq!(d.last_status_code, Some(410));
    let e = endpoint_row(&app, made.endpoint.id).await;
    assert!(!e.enabled, "410 disables the endpoint");
    assert!(
        e.disabled_reason
            .as_deref()
            .unwrap_or_default()
            .contains("410")
    );

    // Later events are not sent to it.
    assert_eq!(
        app.register_free("after@example.com").await.status,
        StatusCode::CREATED
    );
    events_fanned_out(&app).await;
    assert_eq!(
        deliveries(&app).await.len(),
        1,
        "no delivery for a disabled endpoint"
    );
    assert_eq!(rx.received().len(), 1);
}

pub async fn a_disabled_endpoints_deliveries_give_up(app: TestApp) {
    let rx = Receiver::start().await;
    rx.answer(Answer::Status(500));
    let made = endpoint(&app, &rx.url, &["account.created"]).await;
    assert_eq!(
        app.register_free("off@example.com").await.status,
        StatusCode::CREATED
    );
    let job = waiting_after(&app, 1).await;

    let actor = staff(&app).await;
    webhooks::set_enabled(&app.db, &actor, made.endpoint.id, false)
        .await
        .unwrap();
    pull_due(&app, job.id).await;
    let job = deliver_job_in(&app, JobState::Dead).await;
    assert!(job.last_error.unwrap_or_default().contains("disabled"));
    let d = deliveries(&app).await.remove(0);
    assert_eq!(d.state, DeliveryState::Failed);
    assert!(d.last_error.unwrap_or_default().contains("disabled"));
    assert_eq!(rx.received().len(), 1, "nothing sent once disabled");
    // Nor can it be resent while disabled.
    let refused = webhooks::resend(&app.db, &actor, d.id).await;
    assert!(matches!(refused, Err(tollgate::error::Error::Conflict(_))));
}

pub async fn a_deleted_endpoints_deliveries_give_up(app: TestApp) {
    use sea_orm::EntityTrait;
    let rx = Receiver::start().await;
    rx.answer(Answer::Status(500));
    let made = endpoint(&app, &rx.url, &["account.created"]).await;
    assert_eq!(
        app.register_free("deleted@example.com").await.status,
        StatusCode::CREATED
    );
    let job = waiting_after(&app, 1).await;

    // Deleting the endpoint takes its deliveries with it; the waiting job then gives up.
    tollgate::entities::webhook_endpoint::Entity::delete_by_id(made.endpoint.id)
        .exec(app.db.conn())
        .await
        .unwrap();
    assert!(deliveries(&app).await.is_empty());
    pull_due(&app, job.id).await;
    let job = deliver_job_in(&app, JobState::Dead).await;
    assert!(job.last_error.unwrap_or_default().contains("deleted"));
    assert_eq!(rx.received().len(), 1, "nothing sent once deleted");
}
