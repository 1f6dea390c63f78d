//! PayPal through tollgate's API, against the fake PayPal (tests/common/fake_paypal.rs) with
//! webhooks signed by the test CA's key: an order per attempt, captured on the customer's
//! return, settled once whether the capture's answer or PayPal's webhook comes first; pending
//! funds never settle; every forged or replayed delivery is refused and changes nothing.
//! Each test runs on SQLite and PostgreSQL.

mod common;
#[path = "card/support.rs"]
mod support;

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate::domain::status::EventOutcome;

use common::fake_paypal::{self, FakePaypal, Outcome, TestCerts};
use common::{Backend, Res, TestApp, spawn_app_customised};

/// A delivery's headers, as (name, value).
type Headers = Vec<(String, String)>;

const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";

struct PaypalApp {
    app: TestApp,
    paypal: FakePaypal,
}

impl std::ops::Deref for PaypalApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl PaypalApp {
    async fn spawn(backend: Backend) -> Option<PaypalApp> {
        let paypal = FakePaypal::start().await;
        let base = paypal.base_url();
        let app = spawn_app_customised(
            backend,
            |s| {
                use tollgate::config::Secret;
                let p = &mut s.providers;
                p.paypal_client_id = Some(fake_paypal::CLIENT_ID.into());
                p.paypal_secret = Some(Secret::new(fake_paypal::SECRET));
                p.paypal_webhook_id = Some(WEBHOOK_ID.into());
                p.paypal_api_base = Some(base);
            },
            |app| app.set_paypal_cert_fetcher(Arc::new(TestCerts::default())),
        )
        .await?;
        Some(PaypalApp { app, paypal })
    }

    /// A customer on Starter paying with PayPal, with an order started: (token, invoice,
    /// payment, order id).
    async fn started(&self, email: &str) -> (String, i64, i64, String) {
        let r = support::register_paying(&self.app, email, "paypal", "DE").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.data()["token"].as_str().unwrap().to_owned();
        let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
        let s = self
            .post(
                &format!("/billing/invoices/{invoice}/pay/paypal/"),
                Some(&token),
                json!({}),
            )
            .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
        let order = s.data()["provider_ref"].as_str().unwrap().to_owned();
        let approve = s.data()["approve_url"].as_str().unwrap();
        assert!(approve.contains(&order), "{approve}");
        (
            token,
            invoice,
            s.data()["payment_id"].as_i64().unwrap(),
            order,
        )
    }

    async fn capture(&self, token: &str, payment: i64) -> Res {
        self.post(
            &format!("/billing/payments/{payment}/paypal/capture/"),
            Some(token),
            json!({}),
        )
        .await
    }

    async fn deliver(&self, headers: &[(String, String)], body: &[u8]) -> Res {
        let mut req = self
            .client
            .post(self.url("/billing/webhooks/paypal/"))
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let resp = req.send().await.expect("delivered");
        let status = resp.status();
        Res {
            status,
            body: resp.json().await.expect("JSON answer"),
        }
    }

    async fn standing(&self, token: &str) -> (String, i64) {
        support::standing(&self.app, token).await
    }

    async fn events(&self) -> Vec<tollgate::entities::provider_event::Model> {
        support::events(&self.app).await
    }

    async fn assert_verified_clean(&self) {
        assert_eq!(
            tollgate::ops::verify::verify(&self.db).await.unwrap(),
            vec![]
        );
    }
}

/// PayPal's `PAYMENT.CAPTURE.COMPLETED` for an order of tollgate's payment.
fn completed(event_id: &str, order: &str, payment: i64, value: &str) -> String {
    json!({
        "id": event_id, "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource": {"id": format!("CAP-{order}"), "status": "COMPLETED",
                     "amount": {"currency_code": "USD", "value": value},
                     "custom_id": payment.to_string(),
                     "supplementary_data": {"related_ids": {"order_id": order}}}
    })
    .to_string()
}

async fn capture_settles_and_the_webhook_then_changes_nothing(app: PaypalApp) {
    let (token, invoice, payment, order) = app.started("pp@test.com").await;
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    let c = app.capture(&token, payment).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(c.data()["outcome"], "settled");
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    let inv = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    assert_eq!(inv.data()["status"], "paid");
    // PayPal's own webhook for the capture arrives later: recorded, nothing paid twice.
    let body = completed("WH-1", &order, payment, "89.00");
    let (headers, raw) = fake_paypal::signed_delivery(WEBHOOK_ID, &body);
    let r = app.deliver(&headers, &raw).await;
    assert_eq!(
        (r.status, r.data()["outcome"].clone()),
        (StatusCode::OK, json!("recorded"))
    );
    let again = app.deliver(&headers, &raw).await;
    assert_eq!(again.data()["duplicate"], true);
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    // Capturing again is refused: the payment is no longer processing.
    assert_eq!(
        app.capture(&token, payment).await.status,
        StatusCode::CONFLICT
    );
    app.assert_verified_clean().await;
}

async fn pending_funds_settle_only_when_paypal_completes_them(app: PaypalApp) {
    let (token, _, payment, order) = app.started("pending@test.com").await;
    app.paypal.set_outcome(&order, Outcome::Pending);
    let c = app.capture(&token, payment).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(c.data()["outcome"], "ignored");
    assert!(
        c.body["message"].as_str().unwrap().contains("holding"),
        "{}",
        c.body
    );
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    let body = completed("WH-DONE", &order, payment, "89.00");
    let (headers, raw) = fake_paypal::signed_delivery(WEBHOOK_ID, &body);
    let r = app.deliver(&headers, &raw).await;
    assert_eq!(r.data()["outcome"], "settled", "{}", r.body);
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    app.assert_verified_clean().await;
}

async fn a_declined_capture_fails_the_attempt(app: PaypalApp) {
    let (token, _, payment, order) = app.started("declined@test.com").await;
    app.paypal.set_outcome(&order, Outcome::Declined);
    let c = app.capture(&token, payment).await;
    assert_eq!(c.data()["outcome"], "failed", "{}", c.body);
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["results"][0]["status"], "failed");
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    app.assert_verified_clean().await;
}

async fn forged_and_replayed_deliveries_change_nothing(app: PaypalApp) {
    let (token, _, payment, order) = app.started("forged@test.com").await;
    let body = completed("WH-F", &order, payment, "89.00");
    let set = |headers: &[(String, String)], name: &str, value: &str| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    if n == name {
                        value.to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    };
    let (good, raw) = fake_paypal::signed_delivery(WEBHOOK_ID, &body);
    let cert = "PAYPAL-CERT-URL";
    let mut cases: Vec<(&str, Headers, Vec<u8>)> = Vec::new();
    let tampered = body.replace("89.00", "1.00").into_bytes();
    cases.push(("tampered body", good.clone(), tampered));
    let (other, raw_other) = fake_paypal::signed_delivery("ANOTHER-WEBHOOK-ID", &body);
    cases.push(("another webhook id", other, raw_other));
    let old = chrono::Utc::now() - chrono::Duration::hours(2);
    let (replayed, raw_old) = fake_paypal::signed_delivery_at(WEBHOOK_ID, &body, old);
    cases.push(("replayed two hours later", replayed, raw_old));
    for foreign in [
        "https://evil.example.com/v1/notifications/certs/CERT-test",
        "https://api.sandbox.paypal.com.evil.com/v1/notifications/certs/CERT-test",
        "http://api.sandbox.paypal.com/v1/notifications/certs/CERT-test",
        "https://api.sandbox.paypal.com/v1/other/CERT-test",
    ] {
        cases.push((
            "foreign certificate URL",
            set(&good, cert, foreign),
            raw.clone(),
        ));
    }
    let without: Vec<(String, String)> = good
        .iter()
        .filter(|(n, _)| n != "PAYPAL-TRANSMISSION-SIG")
        .cloned()
        .collect();
    cases.push(("no signature", without, raw.clone()));
    cases.push(("no headers", Vec::new(), raw.clone()));
    for (case, headers, body) in &cases {
        let r = app.deliver(headers, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{case}: {}", r.body);
        assert!(
            r.error().starts_with("Webhook refused"),
            "{case}: {}",
            r.error()
        );
    }
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    let kept = app.events().await;
    assert_eq!(kept.len(), cases.len());
    assert!(
        kept.iter()
            .all(|e| e.outcome == EventOutcome::Rejected && !e.verified)
    );
    // The genuine one still settles.
    let r = app.deliver(&good, &raw).await;
    assert_eq!(r.data()["outcome"], "settled", "{}", r.body);
    app.assert_verified_clean().await;
}

async fn twenty_concurrent_webhooks_settle_once(app: PaypalApp) {
    let (token, _, payment, order) = app.started("twenty@test.com").await;
    let body = completed("WH-MANY", &order, payment, "89.00");
    let (headers, raw) = fake_paypal::signed_delivery(WEBHOOK_ID, &body);
    let answers = futures::future::join_all((0..20).map(|_| app.deliver(&headers, &raw))).await;
    assert!(answers.iter().all(|r| r.status == StatusCode::OK));
    let applied: Vec<&Value> = answers
        .iter()
        .map(|r| &r.body)
        .filter(|b| b["data"]["duplicate"] == false)
        .collect();
    assert_eq!(applied.len(), 1, "one delivery applied it");
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    app.assert_verified_clean().await;
}

async fn the_portal_sends_to_paypal_and_completes_on_return(app: PaypalApp) {
    let (token, invoice, _, _) = app.started("portal-pp@test.com").await;
    let mut portal = common::admin::Panel::customer(&app, "portal-pp@test.com").await;
    let page = portal.get(&format!("/invoices/{invoice}/")).await;
    assert!(
        page.body
            .contains(&format!("action=\"/invoices/{invoice}/paypal/\""))
    );
    assert!(
        !page.body.contains("Pay by card"),
        "Stripe is not set up here"
    );
    let sent = portal
        .post(&format!("/invoices/{invoice}/paypal/"), &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let approve = sent.location.unwrap();
    let order = approve.split("token=").nth(1).unwrap().to_owned();
    assert!(
        approve.starts_with("https://www.sandbox.paypal.com/"),
        "{approve}"
    );
    // PayPal sends the customer back; the page offers to complete the payment.
    let back = portal
        .get(&format!(
            "/invoices/{invoice}/?paypal=approved&token={order}&PayerID=X"
        ))
        .await;
    assert!(back.body.contains("Complete payment"), "{}", back.body);
    assert!(back.body.contains(&format!("value=\"{order}\"")));
    // Another order's token, or none, completes nothing.
    let wrong = portal
        .post(
            &format!("/invoices/{invoice}/paypal/capture/"),
            &[("token", "NOT-AN-ORDER")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    let done = portal
        .post(
            &format!("/invoices/{invoice}/paypal/capture/"),
            &[("token", &order)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let shown = portal.get(&format!("/invoices/{invoice}/")).await;
    assert!(shown.body.contains("Payment received"), "{}", shown.body);
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    app.assert_verified_clean().await;
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(super::PaypalApp::spawn(super::Backend::Sqlite).await.unwrap()).await;
            }
        )* }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(app) = super::PaypalApp::spawn(super::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        )* }
    };
}

on_both!(
    capture_settles_and_the_webhook_then_changes_nothing,
    pending_funds_settle_only_when_paypal_completes_them,
    a_declined_capture_fails_the_attempt,
    forged_and_replayed_deliveries_change_nothing,
    twenty_concurrent_webhooks_settle_once,
    the_portal_sends_to_paypal_and_completes_on_return,
);
