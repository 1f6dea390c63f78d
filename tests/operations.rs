//! The operations surface: liveness and readiness probes, the job runner's pulse, the JSON
//! access line, and `/metrics` (in `operations/metrics.rs`).

#[path = "operations/access_log.rs"]
mod access_log;
mod common;
#[path = "operations/metrics.rs"]
mod metrics;

use std::time::{Duration, Instant};

use common::{Backend, TestApp};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_backends!(
    healthz_answers_without_the_database,
    readyz_is_ready_on_a_fresh_app,
    readyz_names_an_unreachable_database,
);

async fn probe(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let resp = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("probe sent");
    let status = resp.status();
    (status, resp.json().await.expect("probe answers JSON"))
}

async fn healthz_answers_without_the_database(app: TestApp) {
    // Closing the pool proves /healthz never touches the database.
    app.db.conn().clone().close().await.expect("pool closed");
    let (status, body) = probe(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ok" }));
}

async fn readyz_is_ready_on_a_fresh_app(app: TestApp) {
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    // The test apps run no jobs (as a server beside `tollgate worker`s): not a failure.
    assert_eq!(body["checks"]["jobs"], "off");
}

/// The test harness's `app.db` shares the server's pool (sea-orm connections are clones of one
/// sqlx pool), so closing it makes every later query fail at once on either backend — more
/// reliable than deleting a SQLite file that open connections keep alive.
async fn readyz_names_an_unreachable_database(app: TestApp) {
    app.db.conn().clone().close().await.expect("pool closed");
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"], "unreachable");
    assert!(
        !body.to_string().contains("error"),
        "no internal text: {body}"
    );
}

/// A server that runs the jobs itself, with a short lease so that its runner counts as stale
/// after 1 s + 3 polls without coming round its loop.
mod with_runner {
    use super::*;

    fn run_jobs(settings: &mut tollgate::config::Settings) {
        settings.notifications.run_jobs = true;
        settings.notifications.jobs_poll_ms = 50;
        settings.notifications.jobs_lease_secs = 2;
    }

    crate::on_both_backends!(configure = super::run_jobs; readyz_names_a_stuck_job_runner);

    /// The runner is stuck on the database: the test holds the write gate (SQLite) or an
    /// exclusive lock on the jobs table (PostgreSQL), so its claim waits. The database itself
    /// still answers, so `jobs` is the check that fails; released, the runner comes back.
    async fn readyz_names_a_stuck_job_runner(app: TestApp) {
        let (status, body) = probe(&app, "/readyz").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["checks"]["jobs"], "ok");

        let txn = app.db.begin_write().await.expect("write transaction");
        if let Backend::Postgres = app.backend {
            txn.execute_unprepared("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
                .await
                .expect("jobs locked");
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let (status, body) = probe(&app, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["status"], "not_ready");
        assert_eq!(body["checks"]["jobs"], "stale");
        assert_eq!(body["checks"]["database"], "ok");
        drop(txn);

        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = probe(&app, "/readyz").await;
            if status == StatusCode::OK {
                assert_eq!(body["checks"]["jobs"], "ok");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "runner did not come back: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
