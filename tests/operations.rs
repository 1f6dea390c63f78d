//! The operations surface: liveness and readiness probes.

mod common;

use common::TestApp;
use reqwest::StatusCode;
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
