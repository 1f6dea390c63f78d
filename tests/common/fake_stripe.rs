//! Stripe for the tests. `FakeStripe`: a few lines of axum that answer `POST
//! /v1/payment_intents` the way Stripe does, for tests about tollgate's own rules (signatures,
//! races). `LocalStripe`: the real `localstripe` (PyPI), which takes test cards and delivers its
//! own signed webhooks; CI installs it and sets `TOLLGATE_LOCALSTRIPE` and
//! `TOLLGATE_REQUIRE_STRIPE=1`; locally its tests skip with a note when it is missing.
//!
//! `sign` is written here from Stripe's documentation, independently of tollgate's check.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::{Json, Router, routing::post};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_tollgate";
pub const PUBLISHABLE_KEY: &str = "pk_test_tollgate";
pub const WEBHOOK_SECRET: &str = "whsec_tollgate_test";

/// `Stripe-Signature` for `body` at `t` under `secret`: `t=…,v1=hex(HMAC-SHA256("t.body"))`.
pub fn sign(body: &str, secret: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Settings pointing tollgate's Stripe at `base`.
pub fn configure(settings: &mut tollgate::config::Settings, base: &str) {
    use tollgate::config::Secret;
    let p = &mut settings.providers;
    p.stripe_secret_key = Some(Secret::new(SECRET_KEY));
    p.stripe_publishable_key = Some(PUBLISHABLE_KEY.into());
    p.stripe_webhook_secret = Some(Secret::new(WEBHOOK_SECRET));
    p.stripe_api_base = Some(base.into());
}

#[derive(Default)]
struct Seen {
    intents: Mutex<Vec<String>>,
    count: AtomicUsize,
}

/// Answers PaymentIntent creation; remembers each request's form body.
pub struct FakeStripe {
    pub base: String,
    seen: Arc<Seen>,
}

impl FakeStripe {
    pub async fn start() -> FakeStripe {
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/v1/payment_intents", post(create_intent))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeStripe { base, seen }
    }

    /// The form bodies of the PaymentIntents created so far.
    pub fn intents(&self) -> Vec<String> {
        self.seen.intents.lock().unwrap().clone()
    }
}

async fn create_intent(State(seen): State<Arc<Seen>>, body: String) -> Json<Value> {
    let n = seen.count.fetch_add(1, Ordering::SeqCst) + 1;
    seen.intents.lock().unwrap().push(body);
    let id = format!("pi_fake_{n}");
    Json(json!({"id": id, "object": "payment_intent",
                "client_secret": format!("{id}_secret_abc"), "status": "requires_payment_method"}))
}

/// A `payment_intent.succeeded` event body for tollgate's payment `payment_id`.
pub fn succeeded(
    event_id: &str,
    intent: &str,
    payment_id: i64,
    amount: i64,
    currency: &str,
) -> String {
    json!({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
           "data": {"object": {"id": intent, "object": "payment_intent", "amount": amount,
                               "amount_received": amount, "currency": currency,
                               "status": "succeeded", "latest_charge": "ch_test",
                               "metadata": {"payment_id": payment_id.to_string()}}}})
    .to_string()
}

/// A `payment_intent.payment_failed` event body.
pub fn failed(event_id: &str, intent: &str, payment_id: i64) -> String {
    json!({"id": event_id, "object": "event", "type": "payment_intent.payment_failed",
           "data": {"object": {"id": intent, "object": "payment_intent", "amount": 8900,
                               "currency": "usd", "status": "requires_payment_method",
                               "last_payment_error": {"message": "Your card was declined."},
                               "metadata": {"payment_id": payment_id.to_string()}}}})
    .to_string()
}

/// The real localstripe, on a free port, with nothing in it.
pub struct LocalStripe {
    pub base: String,
    child: Child,
}

impl LocalStripe {
    pub async fn start() -> Option<LocalStripe> {
        static ANNOUNCE: Once = Once::new();
        let bin = match std::env::var("TOLLGATE_LOCALSTRIPE") {
            Ok(b) if !b.is_empty() => b,
            _ => {
                assert!(
                    std::env::var("TOLLGATE_REQUIRE_STRIPE").as_deref() != Ok("1"),
                    "TOLLGATE_REQUIRE_STRIPE=1 but TOLLGATE_LOCALSTRIPE is not set"
                );
                ANNOUNCE.call_once(|| {
                    eprintln!(
                        "note: localstripe tests skipped (set TOLLGATE_LOCALSTRIPE to run them)"
                    )
                });
                return None;
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} starts: {e}"));
        let stripe = LocalStripe {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "localstripe did not start listening"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(stripe)
    }

    /// Has localstripe deliver its events to `url`, signed with `secret`.
    pub async fn register_webhook(&self, url: &str, secret: &str) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/tollgate", self.base))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .expect("webhook registered");
        assert!(resp.status().is_success(), "{}", resp.status());
    }

    /// A card PaymentMethod (`pm_…`), as Stripe.js would make in the browser.
    pub async fn card(&self, number: &str) -> String {
        let resp: Value = reqwest::Client::new()
            .post(format!("{}/v1/payment_methods", self.base))
            .basic_auth(SECRET_KEY, Some(""))
            .form(&[
                ("type", "card"),
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ])
            .send()
            .await
            .expect("payment method created")
            .json()
            .await
            .unwrap();
        resp["id"].as_str().expect("pm id").to_owned()
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
