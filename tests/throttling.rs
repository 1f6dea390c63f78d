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
    parallel_guesses_at_one_account_check_at_most_the_limit,
    parallel_guesses_from_one_client_check_at_most_the_limit,
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

/// Sends the logins all at once; returns how many were checked (not refused with 429).
async fn parallel_logins(app: &TestApp, attempts: Vec<(String, &'static str)>) -> usize {
    let requests = attempts
        .iter()
        .map(|(email, password)| login(app, email, password));
    let answers = futures::future::join_all(requests).await;
    for r in &answers {
        assert!(
            [
                StatusCode::OK,
                StatusCode::UNAUTHORIZED,
                StatusCode::TOO_MANY_REQUESTS
            ]
            .contains(&r.status),
            "{}: {}",
            r.status,
            r.body
        );
    }
    answers
        .iter()
        .filter(|r| r.status != StatusCode::TOO_MANY_REQUESTS)
        .count()
}

async fn parallel_guesses_at_one_account_check_at_most_the_limit(app: TestApp) {
    app.register_free("victim@test.com").await;
    let mut attempts = vec![("victim@test.com".to_owned(), "wrong-guess"); 59];
    attempts.push(("victim@test.com".to_owned(), PASSWORD));
    let checked = parallel_logins(&app, attempts).await;
    assert!(
        checked <= PER_EMAIL as usize,
        "{checked} passwords checked, limit {PER_EMAIL}"
    );
    assert!(checked >= 1, "the first attempts are checked");
}

async fn parallel_guesses_from_one_client_check_at_most_the_limit(app: TestApp) {
    let attempts = (0..150)
        .map(|i| (format!("guess{i}@test.com"), "wrong-guess"))
        .collect();
    let checked = parallel_logins(&app, attempts).await;
    assert!(
        checked <= PER_CLIENT as usize,
        "{checked} passwords checked, limit {PER_CLIENT}"
    );
    // Sign-ins that succeed give their attempt back: one client (an office behind one
    // address) is not locked out by its own successful sign-ins.
    let fresh = common::spawn_app(app.backend).await.unwrap();
    fresh.register_free("office@test.com").await;
    for _ in 0..PER_CLIENT + 5 {
        assert_eq!(
            login(&fresh, "office@test.com", PASSWORD).await.status,
            StatusCode::OK
        );
    }
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
