//! The guide's workflow as webhooks, signature rotation, and an endpoint that never answers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

use super::common::TestApp;
use super::common::receiver::{Receiver, eventually, expected_signature, verifies};
use super::{deliver_jobs, deliveries, endpoint, endpoint_row, staff};
use tollgate::domain::webhooks;
use tollgate::entities::job::JobState;
use tollgate::entities::webhook_delivery::DeliveryState;

pub async fn the_guides_workflow_arrives_signed(app: TestApp) {
    let rx = Receiver::start().await;
    let made = endpoint(&app, &rx.url, &[]).await;
    assert!(made.secret.starts_with("whsec_"));

    let (token, invoice) = app.paid_customer("hooks@customer.com").await;
    let confirmed = app.confirm(&token, invoice, "89.00", "BT-HOOKS-1").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    let staff_token = app.staff_token("admin@example.com").await;
    let approved = app.approve(&staff_token, payment).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);

    let got = rx.wait_for(6).await;
    let types: BTreeSet<String> = got.iter().map(|r| r.event_type()).collect();
    let expected: BTreeSet<String> = [
        "account.created",
        "invoice.created",
        "payment.submitted",
        "payment.approved",
        "invoice.paid",
        "subscription.activated",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    assert_eq!(types, expected);
    let ids: BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "every event has its own webhook-id");
    let now = chrono::Utc::now().timestamp();
    for r in &got {
        assert!(verifies(&made.secret, r), "signature of {}", r.event_type());
        assert_eq!(r.content_type, "application/json");
        assert!(r.id.starts_with("msg_"), "{}", r.id);
        let body = r.json();
        assert_eq!(body["id"], r.id.as_str(), "the body's id is the webhook-id");
        assert!(body["timestamp"].is_string());
        let sent: i64 = r.timestamp.parse().expect("unix seconds");
        assert!((now - sent).abs() < 120, "timestamp {sent} is now-ish");
    }
    let data = |t: &str| {
        got.iter()
            .find(|r| r.event_type() == t)
            .map(|r| r.json()["data"].clone())
            .unwrap()
    };
    assert_eq!(data("account.created")["status"], "pending_payment");
    assert_eq!(data("invoice.created")["id"], invoice);
    assert_eq!(data("invoice.created")["total"], "89.00");
    assert_eq!(data("invoice.created")["status"], "pending");
    let submitted = data("payment.submitted");
    assert_eq!(submitted["payment"]["manual_reference"], "BT-HOOKS-1");
    assert_eq!(submitted["payment"]["status"], "pending_approval");
    let paid = data("payment.approved");
    assert_eq!(paid["payment"]["id"], payment);
    assert_eq!(paid["payment"]["status"], "succeeded");
    assert_eq!(paid["payment"]["amount"], "89.00");
    assert_eq!(paid["credits_added"], 1000);
    assert_eq!(paid["invoice"]["status"], "paid");
    assert_eq!(data("invoice.paid")["status"], "paid");
    assert_eq!(data("subscription.activated")["status"], "active");

    // Every delivery is recorded as delivered, once.
    eventually("every delivery recorded as succeeded", || async {
        let all = deliveries(&app).await;
        (all.len() == 6 && all.iter().all(|d| d.state == DeliveryState::Succeeded)).then_some(())
    })
    .await;
    for d in deliveries(&app).await {
        assert_eq!(d.attempts, 1);
        assert_eq!(d.last_status_code, Some(200));
    }
    assert_eq!(rx.received().len(), 6, "nothing sent twice");
}

pub async fn an_unreachable_endpoint_never_slows_the_api(app: TestApp) {
    // A receiver that accepts connections and never answers.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", hole.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            held.push(socket);
        }
    });
    endpoint(&app, &url, &[]).await;

    let started = Instant::now();
    let (token, invoice) = app.paid_customer("patient@customer.com").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "sign-up answered at once"
    );
    // A delivery is now hanging on the silent receiver…
    eventually("a delivery attempt under way", || async {
        let jobs = deliver_jobs(&app).await;
        jobs.iter()
            .any(|j| j.state == JobState::Running)
            .then_some(())
    })
    .await;
    // …and the next change is as quick as ever.
    let started = Instant::now();
    let confirmed = app.confirm(&token, invoice, "89.00", "BT-PATIENT").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "confirm answered at once"
    );
}

pub async fn rotation_sends_both_signatures_while_the_old_secret_lasts(app: TestApp) {
    let rx = Receiver::start().await;
    let made = endpoint(&app, &rx.url, &["account.created"]).await;
    let actor = staff(&app).await;
    let rotated = webhooks::rotate_secret(&app.db, &actor, made.endpoint.id)
        .await
        .unwrap();
    assert_ne!(rotated.secret, made.secret);
    assert!(rotated.secret.starts_with("whsec_"));

    assert_eq!(
        app.register_free("rotated@example.com").await.status,
        StatusCode::CREATED
    );
    let first = rx.wait_for(1).await[0].clone();
    let signatures: Vec<&str> = first.signature.split(' ').collect();
    assert_eq!(signatures.len(), 2, "{}", first.signature);
    let new = expected_signature(&rotated.secret, &first);
    let old = expected_signature(&made.secret, &first);
    assert!(
        signatures.contains(&new.as_str()),
        "signed with the new secret"
    );
    assert!(signatures.contains(&old.as_str()), "and with the old one");

    // Once the overlap is over, only the new secret signs.
    let mut row = endpoint_row(&app, made.endpoint.id)
        .await
        .into_active_model();
    row.previous_secret_expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    row.update(app.db.conn()).await.unwrap();
    eventually("the delivery recorded", || async {
        let d = deliveries(&app).await.into_iter().next()?;
        (d.state == DeliveryState::Succeeded).then_some(())
    })
    .await;
    let d = deliveries(&app).await.remove(0);
    webhooks::resend(&app.db, &actor, d.id).await.unwrap();
    let again = rx.wait_for(2).await[1].clone();
    assert_eq!(again.id, first.id);
    assert_eq!(again.signature.split(' ').count(), 1, "{}", again.signature);
    assert!(verifies(&rotated.secret, &again));
    assert!(!verifies(&made.secret, &again));
}
