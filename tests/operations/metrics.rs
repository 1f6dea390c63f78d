//! `GET /metrics`, read with a Prometheus text parser while the guide's workflow runs.
//!
//! The `metrics` recorder is global to the process, and every app of this test binary counts
//! into it. So the workflow test holds [`SERIAL`] while it runs and compares scrapes taken
//! before and after: the other tests of this binary sign no one in, approve, reject or spend
//! nothing, so under the lock each counter must move by exactly the workflow's amount (a
//! double count fails as surely as a missing one).

use std::collections::HashMap;

use prometheus_parse::{Sample, Scrape, Value as Metric};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::Mutex;

use crate::common::{PASSWORD, TestApp};

static SERIAL: Mutex<()> = Mutex::const_new(());

const TOKEN: &str = "scrape-secret-7f3a";

fn with_token(settings: &mut tollgate::config::Settings) {
    settings.operations.metrics_token = Some(tollgate::config::Secret::new(TOKEN));
}

crate::on_both_backends!(
    configure = super::with_token;
    metrics_need_the_token,
    metrics_count_the_guides_workflow,
);

async fn scrape(app: &TestApp) -> Scrape {
    let resp = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = shield_braces(&resp.text().await.unwrap());
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text format")
}

/// prometheus-parse 0.2.5 reads a sample's labels up to the first `}`, so a route template in a
/// label value (`route="/api/v1/invoices/{id}"`, valid in the text format) would lose the whole
/// line. Braces inside quoted values are swapped for ‹ › before parsing; [`label`] swaps back.
fn shield_braces(text: &str) -> String {
    let mut quoted = false;
    let mut escaped = false;
    text.chars()
        .map(|c| {
            let out = match c {
                '{' if quoted => '‹',
                '}' if quoted => '›',
                _ => c,
            };
            if c == '"' && !escaped {
                quoted = !quoted;
            }
            if c == '\n' {
                quoted = false;
            }
            escaped = c == '\\' && !escaped;
            out
        })
        .collect()
}

/// A sample's label as the server wrote it.
fn label(s: &Sample, name: &str) -> Option<String> {
    s.labels
        .get(name)
        .map(|v| v.replace('‹', "{").replace('›', "}"))
}

/// The value of the counter or gauge `name` with exactly `labels` (0 when absent).
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: HashMap<&str, &str> = labels.iter().copied().collect();
    let matches = |s: &&Sample| {
        s.metric == name
            && want.iter().all(|(k, v)| label(s, k).as_deref() == Some(*v))
            && s.labels.len() == want.len()
    };
    match scrape.samples.iter().find(matches).map(|s| &s.value) {
        Some(Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v)) => *v,
        Some(other) => panic!("{name} is not a number: {other:?}"),
        None => 0.0,
    }
}

async fn metrics_need_the_token(app: TestApp) {
    let url = format!("{}/metrics", app.address);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let body = none.text().await.unwrap();
    assert!(!body.contains("http_requests_total"), "{body}");
    for wrong in [&format!("{TOKEN}x"), "scrape", ""] {
        let resp = app
            .client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{wrong:?}");
    }
    let basic = app
        .client
        .get(&url)
        .basic_auth(TOKEN, None::<&str>)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    // The pool's figures are read at scrape time.
    let scrape = scrape(&app).await;
    assert!(value(&scrape, "db_pool_connections_max", &[]) >= 8.0);
}

async fn metrics_count_the_guides_workflow(app: TestApp) {
    let _serial = SERIAL.lock().await;
    let before = scrape(&app).await;

    // Sign-up on the free plan (1,000 trial credits), and a spend of 30.
    let free = app.register_free("free@metrics.test").await;
    let free_token = free.data()["token"].as_str().unwrap().to_owned();
    let spend = app
        .post(
            "/billing/credits/usage/",
            Some(&free_token),
            json!({"operation_type": "idea_generation", "quantity": 2}),
        )
        .await;
    assert_eq!(spend.status, StatusCode::CREATED, "{}", spend.body);

    // Two paid sign-ups, each confirming its invoice: one approved (1,000 plan credits), one
    // rejected.
    let staff = app.staff_token("staff@metrics.test").await;
    let mut payments = Vec::new();
    for who in ["approved", "rejected"] {
        let (token, invoice) = app.paid_customer(&format!("{who}@metrics.test")).await;
        let confirmed = app
            .confirm(&token, invoice, "89.00", &format!("BT-{who}"))
            .await;
        assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
        payments.push(confirmed.data()["payment_id"].as_i64().unwrap());
    }
    let approved = app.approve(&staff, payments[0]).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let rejected = app
        .post(
            &format!("/billing/admin/payments/{}/reject/", payments[1]),
            Some(&staff),
            json!({"failure_reason": "No such transfer"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);

    // A failed sign-in, and a page no route serves.
    let failed = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "free@metrics.test", "password": format!("{PASSWORD}-wrong")}),
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    let junk = app
        .client
        .post(format!("{}/no/such/page/9", app.address))
        .send()
        .await;
    assert_eq!(junk.unwrap().status(), StatusCode::NOT_FOUND);

    let after = scrape(&app).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(moved("payments_approved_total", &[]), 1.0);
    assert_eq!(moved("payments_rejected_total", &[]), 1.0);
    assert_eq!(moved("credits_granted_total", &[]), 2000.0, "trial + plan");
    assert_eq!(moved("credits_spent_total", &[]), 30.0);
    assert_eq!(
        moved("login_failures_total", &[("reason", "invalid_credentials")]),
        1.0
    );

    // Requests by route template and status, never by raw path.
    let approve_route = "/api/v1/billing/admin/payments/{id}/approve";
    let request = [
        ("method", "POST"),
        ("route", approve_route),
        ("status", "200"),
    ];
    let approvals: Vec<String> = after
        .samples
        .iter()
        .filter(|s| s.metric == "http_requests_total")
        .filter_map(|s| label(s, "route"))
        .filter(|l| l.contains("approve"))
        .collect();
    assert_eq!(moved("http_requests_total", &request), 1.0, "{approvals:?}");
    let unmatched = [
        ("method", "POST"),
        ("route", "unmatched"),
        ("status", "404"),
    ];
    assert_eq!(moved("http_requests_total", &unmatched), 1.0);
    for s in after
        .samples
        .iter()
        .filter(|s| s.metric.starts_with("http_"))
    {
        let route = label(s, "route").expect("every request series has a route");
        let raw = route
            .split('/')
            .any(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()));
        assert!(!raw, "a raw path became a label: {route}");
    }
    let latency = after.samples.iter().find(|s| {
        s.metric == "http_request_duration_seconds"
            && label(s, "route").as_deref() == Some(approve_route)
    });
    match latency.map(|s| &s.value) {
        Some(Metric::Histogram(buckets)) => {
            assert!(
                buckets
                    .iter()
                    .any(|b| b.less_than.is_infinite() && b.count >= 1.0)
            )
        }
        other => panic!("approval latency histogram: {other:?}"),
    }

    // The outbox holds the workflow's mails (this app runs no jobs): its depth by kind is
    // counted by the database at scrape time.
    let pending: f64 = after
        .samples
        .iter()
        .filter(|s| s.metric == "jobs_pending")
        .map(|s| match s.value {
            Metric::Gauge(v) | Metric::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(pending >= 1.0, "jobs waiting: {pending}");
}
