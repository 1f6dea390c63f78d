//! The PayPal client against a fake PayPal on 127.0.0.1 (tests/common/fake_paypal.rs): orders
//! created and captured, pending funds never reported paid, PayPal out of reach, the token
//! cached and renewed, and a signed webhook verified end to end with the test CA.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::fake_paypal::{self, FakePaypal, Outcome, TestCerts};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use tollgate::config::{Providers, Secret};
use tollgate::domain::providers::{
    Checkout, EventKind, PaymentProvider, PaymentRef, RefundRequest, Rejection,
};
use tollgate::domain::status::PaymentMethod;
use tollgate::error::Error;
use tollgate::providers::paypal::{CaptureStatus, Paypal};

const WEBHOOK_ID: &str = "1JE4291016473214C";

fn settings(base: &str) -> Providers {
    Providers {
        paypal_client_id: Some(fake_paypal::CLIENT_ID.into()),
        paypal_secret: Some(Secret::new(fake_paypal::SECRET)),
        paypal_webhook_id: Some(WEBHOOK_ID.into()),
        paypal_api_base: Some(base.into()),
        ..Providers::default()
    }
}

fn paypal(base: &str) -> Paypal {
    Paypal::from_settings(&settings(base), Arc::new(TestCerts::default())).unwrap()
}

fn checkout(payment_id: i64) -> Checkout<'static> {
    Checkout {
        payment_id,
        invoice_id: 3,
        invoice_number: "INV-2026-0003",
        amount: 8900,
        currency: "usd",
        card: None,
        return_url: "https://billing.example.com/portal/payments/return",
        cancel_url: "https://billing.example.com/portal/invoices/3",
    }
}

#[tokio::test]
async fn an_order_is_created_then_captured() {
    let fake = FakePaypal::start().await;
    let pp = paypal(&fake.base_url());
    assert_eq!(pp.method(), PaymentMethod::Paypal);

    let started = pp.start(&checkout(7)).await.unwrap();
    assert_eq!(started.status, "PAYER_ACTION_REQUIRED");
    let approve = started.approve_url.as_deref().unwrap();
    assert!(
        approve.ends_with(&format!("token={}", started.reference)),
        "{approve}"
    );

    let orders = fake.orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].request_id, "tollgate-order-3-7");
    let body = &orders[0].body;
    assert_eq!(body["intent"], "CAPTURE");
    let unit = &body["purchase_units"][0];
    assert_eq!(unit["custom_id"], "7");
    assert_eq!(unit["invoice_id"], "INV-2026-0003-7");
    assert_eq!(
        unit["amount"],
        json!({"currency_code": "USD", "value": "89.00"})
    );
    let context = &body["payment_source"]["paypal"]["experience_context"];
    assert_eq!(context["return_url"], checkout(7).return_url);
    assert_eq!(context["cancel_url"], checkout(7).cancel_url);

    // A retried start (same invoice and payment) gets the same order, not a second one.
    let again = pp.start(&checkout(7)).await.unwrap();
    assert_eq!(again.reference, started.reference);
    assert_eq!(fake.orders().len(), 1);

    let capture = pp.capture(&started.reference).await.unwrap();
    assert_eq!(capture.status, CaptureStatus::Completed);
    assert!(capture.is_paid());
    assert_eq!(capture.order_id, started.reference);
    assert!(!capture.capture_id.is_empty());
    assert_eq!((capture.amount, capture.currency.as_str()), (8900, "USD"));
    assert_eq!(capture.custom_id.as_deref(), Some("7"));
}

#[tokio::test]
async fn a_pending_or_declined_capture_is_not_paid() {
    let fake = FakePaypal::start().await;
    let pp = paypal(&fake.base_url());

    // Invoice Ninja #7332: pending funds reported as paid.
    let order = pp.start(&checkout(8)).await.unwrap().reference;
    fake.set_outcome(&order, Outcome::Pending);
    let capture = pp.capture(&order).await.unwrap();
    assert_eq!(capture.status, CaptureStatus::Pending);
    assert!(!capture.is_paid());
    assert_eq!(capture.reason.as_deref(), Some("PENDING_REVIEW"));

    let order = pp.start(&checkout(9)).await.unwrap().reference;
    fake.set_outcome(&order, Outcome::Declined);
    let capture = pp.capture(&order).await.unwrap();
    assert_eq!(capture.status, CaptureStatus::Declined);
    assert!(!capture.is_paid());

    let order = pp.start(&checkout(10)).await.unwrap().reference;
    fake.set_outcome(&order, Outcome::Refused);
    let err = pp.capture(&order).await.unwrap_err();
    assert!(matches!(err, Error::PaymentDeclined(_)), "{err:?}");

    fake.set_outcome(&order, Outcome::ServerError);
    let err = pp.capture(&order).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");

    let err = pp.capture("NOSUCHORDER").await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    // An id that could change the path is refused before any request.
    let before = fake.captures();
    assert!(pp.capture("../../v1/oauth2/token").await.is_err());
    assert_eq!(fake.captures(), before);
}

#[tokio::test]
async fn paypal_out_of_reach_is_unavailable() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let pp = paypal(&base);
    let err = pp.start(&checkout(1)).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
    let err = pp.capture("5O190127TN364715T").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn the_token_is_cached_and_renewed_once_when_refused() {
    let fake = FakePaypal::start().await;
    let pp = paypal(&fake.base_url());
    let order = pp.start(&checkout(1)).await.unwrap().reference;
    pp.start(&checkout(2)).await.unwrap();
    pp.capture(&order).await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // Revoked at PayPal: the 401 gets one new token and the call succeeds.
    fake.revoke_tokens();
    pp.start(&checkout(3)).await.unwrap();
    assert_eq!(fake.token_requests(), 2);

    // A token about to expire is not used; a lifetime under the margin is renewed each time.
    let fake = FakePaypal::start().await;
    fake.set_token_lifetime(0);
    let pp = paypal(&fake.base_url());
    pp.start(&checkout(1)).await.unwrap();
    pp.start(&checkout(2)).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_an_internal_error_not_a_decline() {
    let fake = FakePaypal::start().await;
    let mut s = settings(&fake.base_url());
    s.paypal_secret = Some(Secret::new("wrong"));
    let pp = Paypal::from_settings(&s, Arc::new(TestCerts::default())).unwrap();
    let err = pp.start(&checkout(1)).await.unwrap_err();
    assert!(matches!(err, Error::Internal(_)), "{err:?}");
}

#[test]
fn paypal_is_off_unless_fully_configured() {
    let full = settings("https://api-m.sandbox.paypal.com");
    let certs = || -> Arc<TestCerts> { Arc::new(TestCerts::default()) };
    assert!(Paypal::from_settings(&full, certs()).is_some());
    let mut s = full.clone();
    s.paypal_client_id = None;
    assert!(Paypal::from_settings(&s, certs()).is_none());
    let mut s = full.clone();
    s.paypal_secret = None;
    assert!(Paypal::from_settings(&s, certs()).is_none());
    let mut s = full.clone();
    s.paypal_webhook_id = Some(String::new());
    assert!(Paypal::from_settings(&s, certs()).is_none());
    // No base: PayPal's live API.
    let mut s = full;
    s.paypal_api_base = None;
    assert!(Paypal::from_settings(&s, certs()).is_some());
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

#[tokio::test]
async fn a_signed_webhook_is_verified_with_the_test_ca() {
    let certs = Arc::new(TestCerts::default());
    let pp = Paypal::from_settings(&settings("http://127.0.0.1:9"), certs.clone()).unwrap();
    let body = json!({
        "id": "WH-2WR32451HC0233532-67976317FL4543714",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource": {
            "id": "3C190127TN364715T",
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "89.00"},
            "custom_id": "7",
            "supplementary_data": {"related_ids": {"order_id": "5O190127TN364715T"}},
        },
    })
    .to_string();
    let (headers, raw) = fake_paypal::signed_delivery(WEBHOOK_ID, &body);
    let now = chrono::Utc::now();
    let event = pp.verify(&header_map(&headers), &raw, now).await.unwrap();
    assert_eq!(event.event_id, "WH-2WR32451HC0233532-67976317FL4543714");
    assert_eq!(
        event.kind,
        EventKind::Succeeded {
            payment: PaymentRef {
                payment_id: Some(7),
                reference: "5O190127TN364715T".into()
            },
            amount: 8900,
            currency: "USD".into(),
            capture: Some("3C190127TN364715T".into()),
        }
    );
    // The certificate is fetched once and then cached.
    pp.verify(&header_map(&headers), &raw, now).await.unwrap();
    assert_eq!(certs.fetches.load(Ordering::SeqCst), 1);

    // Signed for another subscription.
    let (headers, raw) = fake_paypal::signed_delivery("SOMEONEELSE", &body);
    let err = pp
        .verify(&header_map(&headers), &raw, now)
        .await
        .unwrap_err();
    assert_eq!(err, Rejection::BadSignature);
}

#[tokio::test]
async fn amounts_go_out_in_the_currencys_own_places() {
    let fake = FakePaypal::start().await;
    let pp = paypal(&fake.base_url());
    let yen = Checkout {
        amount: 1500,
        currency: "JPY",
        ..checkout(11)
    };
    let order = pp.start(&yen).await.unwrap().reference;
    let unit = &fake.orders()[0].body["purchase_units"][0];
    assert_eq!(
        unit["amount"],
        json!({"currency_code": "JPY", "value": "1500"})
    );
    let capture = pp.capture(&order).await.unwrap();
    assert_eq!((capture.amount, capture.currency.as_str()), (1500, "JPY"));

    // Nothing is sent for an amount or currency PayPal would refuse anyway.
    for bad in [
        Checkout {
            amount: 0,
            ..checkout(12)
        },
        Checkout {
            currency: "US",
            ..checkout(13)
        },
    ] {
        let err = pp.start(&bad).await.unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    }
    assert_eq!(fake.orders().len(), 1);
}

#[tokio::test]
async fn the_http_fetcher_follows_no_redirect_and_reads_at_most_64_kib() {
    use axum::response::Redirect;
    use tollgate::providers::paypal::{CertFetcher, HttpCertFetcher};

    let app = axum::Router::new()
        .route(
            "/cert",
            axum::routing::get(|| async { fake_paypal::LEAF_PEM }),
        )
        .route(
            "/huge",
            axum::routing::get(|| async { "A".repeat(65 * 1024) }),
        )
        .route(
            "/moved",
            axum::routing::get(|| async { Redirect::temporary("/cert") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let fetcher = HttpCertFetcher::new().unwrap();
    let url = |path: &str| url::Url::parse(&format!("{base}{path}")).unwrap();
    let pem = fetcher.fetch(&url("/cert")).await.unwrap();
    assert_eq!(pem, fake_paypal::LEAF_PEM.as_bytes());
    let err = fetcher.fetch(&url("/huge")).await.unwrap_err();
    assert!(err.contains("larger than"), "{err}");
    let err = fetcher.fetch(&url("/moved")).await.unwrap_err();
    assert!(err.contains("307"), "{err}");
}

/// A refund of a capture: the amount as PayPal writes it, the request id as the idempotency
/// key (asking twice refunds once), and a capture id that is not one refused before any call.
#[tokio::test]
async fn a_capture_is_refunded_once_per_key() {
    let fake = FakePaypal::start().await;
    let pp = paypal(&fake.base_url());
    let refund = RefundRequest {
        reference: "5O100000000000001",
        capture: Some("CAP0001"),
        amount: 1250,
        currency: "usd",
        key: "tollgate-credit-note-4",
    };
    let first = pp.refund(&refund).await.unwrap();
    let again = pp.refund(&refund).await.unwrap();
    assert_eq!(first, again);
    let made = fake.refunds();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].0, "CAP0001");
    assert_eq!(
        made[0].1["amount"],
        json!({"value": "12.50", "currency_code": "USD"})
    );

    let odd = RefundRequest {
        capture: Some("../orders"),
        ..refund
    };
    assert!(matches!(pp.refund(&odd).await, Err(Error::Internal(_))));
    let none = RefundRequest {
        capture: None,
        ..odd
    };
    assert!(matches!(pp.refund(&none).await, Err(Error::Internal(_))));
    assert_eq!(fake.refunds().len(), 1);
}
