//! Failed sign-ins are throttled per email and per client address (429 with Retry-After),
//! on the API and the admin panel alike; a success clears the email's count.

mod common;

use common::admin::Panel;
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use tollgate::domain::throttle::{PER_CLIENT, PER_EMAIL};

on_both_backends!(
    guessing_one_accounts_password_is_throttled,
    guessing_many_accounts_from_one_client_is_throttled,
    the_admin_login_is_throttled_too,
);

async fn login(app: &TestApp, email: &str, password: &str) -> common::Res {
    app.post(
        "/auth/login/",
        None,
        json!({"email": email, "password": password}),
    )
    .await
}

async fn guessing_one_accounts_password_is_throttled(app: TestApp) {
    app.register_free("victim@test.com").await;
    // A success clears earlier failures.
    for _ in 0..PER_EMAIL - 1 {
        assert_eq!(
            login(&app, "victim@test.com", "wrong-guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&app, "victim@test.com", PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..PER_EMAIL {
        assert_eq!(
            login(&app, "victim@test.com", "wrong-guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let resp = app
        .client
        .post(app.url("/auth/login/"))
        .json(&json!({"email": "VICTIM@test.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    // Another account from the same client is not affected yet.
    app.register_free("other@test.com").await;
    assert_eq!(
        login(&app, "other@test.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn guessing_many_accounts_from_one_client_is_throttled(app: TestApp) {
    app.register_free("real@test.com").await;
    for i in 0..PER_CLIENT {
        let r = login(&app, &format!("guess{i}@test.com"), "wrong-guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, "real@test.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.error().contains("Too many"));
}

async fn the_admin_login_is_throttled_too(app: TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
        .await
        .unwrap();
    let mut panel = Panel::new(&app);
    for _ in 0..PER_EMAIL {
        let page = panel.login("admin@example.com", "wrong-guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = panel.login("admin@example.com", "adminpass").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("Too many failed sign-in attempts"));
}

#[tokio::test]
async fn a_configured_request_rate_is_enforced_per_client() {
    let app = common::spawn_app_with(common::Backend::Sqlite, |s| s.rate_limit_per_second = 2)
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.get("/billing/plans/", None).await.status);
    }
    // A burst of 4 passes, then the client is told to slow down.
    assert!(
        statuses[..4].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}
