//! The proofs against S3: a store that is down (503, nothing created), moto for the everyday
//! calls (put, get, list, delete through the sweep), s3s-fs for signed requests. Each test
//! starts its own server; on SQLite and on PostgreSQL.

use reqwest::StatusCode;

use crate::common::s3::{Kind, S3Server, closed_port, use_test_credentials};
use crate::common::{Backend, TestApp, spawn_app_with};
use crate::files::{confirm_fields, file, pdf, png};
use crate::{confirmed_with, fetch, payments_of, post_form, stored};

async fn app_on(backend: Backend, url: String, endpoint: String) -> Option<TestApp> {
    spawn_app_with(backend, |s| {
        s.uploads.storage_url = url;
        s.uploads.s3_endpoint = Some(endpoint);
    })
    .await
}

async fn storage_down_answers_503_and_creates_nothing(backend: Backend) {
    use_test_credentials();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let Some(app) = app_on(backend, "s3://proofs".into(), endpoint).await else {
        return;
    };
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let mut parts = confirm_fields(&invoice.to_string(), "BT-DOWN");
    parts.push(file("r.pdf", "application/pdf", pdf()));
    let started = std::time::Instant::now();
    let r = post_form(
        &app,
        "/billing/admin/payments/confirm/",
        &token,
        &parts,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(
        r.body["error"],
        "File storage is unavailable; nothing was saved. Try again later."
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(payments_of(&app, &token).await.is_empty(), "no payment");
    // The same confirmation without a file does not need the store.
    let r = app.confirm(&token, invoice, "89.00", "BT-DOWN").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// Upload, download, staff view, replacement and the sweep, against a real server.
async fn round_trip(app: &TestApp) {
    let (token, id) = confirmed_with(app, "paid@test.com", file("r.png", "image/png", png())).await;
    let url = app.url(&format!("/billing/payments/{id}/proof/"));
    let (status, _, bytes) = fetch(&app.client, url, Some(&token)).await;
    assert_eq!((status, bytes), (StatusCode::OK, png()));
    let mut panel = crate::common::admin::Panel::staff(app, "admin@example.com").await;
    let src = format!("{}/admin/billing/payment/{id}/proof/", app.address);
    let (status, _, bytes) = fetch(&panel.client, src, None).await;
    assert_eq!((status, bytes), (StatusCode::OK, png()));
    assert!(panel.get("/admin/").await.status.is_success());

    let path = format!("/billing/payments/{id}/proof/");
    let r = post_form(
        app,
        &path,
        &token,
        &[file("r.pdf", "application/pdf", pdf())],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kept = stored(app).await;
    assert_eq!(kept.len(), 1, "the replaced object is deleted");

    app.proofs
        .storage
        .put("proofs/orphan", pdf().into())
        .await
        .unwrap();
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    let swept = tollgate::domain::proofs::sweep_orphans(&app.db, &app.proofs, later).await;
    assert_eq!(swept.unwrap(), 1);
    assert_eq!(stored(app).await, kept);
}

async fn moto_round_trip(backend: Backend) {
    let Some(server) = S3Server::start(Kind::Moto).await else {
        return;
    };
    if let Some(app) = app_on(backend, server.storage_url(), server.endpoint()).await {
        round_trip(&app).await;
    }
}

async fn signed_round_trip(backend: Backend) {
    let Some(server) = S3Server::start(Kind::S3sFs).await else {
        return;
    };
    if let Some(app) = app_on(backend, server.storage_url(), server.endpoint()).await {
        round_trip(&app).await;
    }
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite_s3 {$(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::Backend::Sqlite).await }
        )*}
        mod postgres_s3 {$(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::Backend::Postgres).await }
        )*}
    };
}

on_both!(
    storage_down_answers_503_and_creates_nothing,
    moto_round_trip,
    signed_round_trip
);
