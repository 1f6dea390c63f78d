//! A small stand-in for PayPal's REST API on 127.0.0.1, written from PayPal's documented
//! request and answer shapes: the OAuth2 token endpoint (checks basic auth), Orders v2 create
//! (honours `PayPal-Request-Id`) and capture (each order's outcome chosen by the test). Also
//! the webhook side: certificates from the test CA (tests/fixtures/paypal) and deliveries
//! signed the way PayPal signs them.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::future::BoxFuture;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use tollgate::providers::paypal::CertFetcher;

pub const CLIENT_ID: &str = "fake-client-id";
pub const SECRET: &str = "fake-secret";
pub const LEAF_PEM: &str = include_str!("../fixtures/paypal/leaf.pem");
pub const LEAF_KEY: &str = include_str!("../fixtures/paypal/leaf.key");
pub const CERT_URL: &str = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-test";

/// How capturing an order ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 201, capture `COMPLETED`.
    Completed,
    /// 201, capture `PENDING` (`status_details.reason` `PENDING_REVIEW`).
    Pending,
    /// 201, capture `DECLINED`.
    Declined,
    /// 422 `INSTRUMENT_DECLINED`: PayPal refused the payer's funding.
    Refused,
    /// 500.
    ServerError,
}

/// One order as created.
#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub request_id: String,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    token_requests: AtomicUsize,
    captures: AtomicUsize,
    tokens: Mutex<HashSet<String>>,
    orders: Mutex<Vec<Order>>,
    outcomes: Mutex<HashMap<String, Outcome>>,
    /// Refunds as asked: (capture id, request id, body, refund id).
    refunds: Mutex<Vec<(String, String, Value, String)>>,
    /// Token lifetime (seconds) answered as `expires_in`.
    expires_in: Mutex<u64>,
}

pub struct FakePaypal {
    base_url: String,
    shared: Arc<Shared>,
}

impl FakePaypal {
    pub async fn start() -> FakePaypal {
        let shared = Arc::new(Shared::default());
        *shared.expires_in.lock().unwrap() = 32_400;
        let app = axum::Router::new()
            .route("/v1/oauth2/token", axum::routing::post(token))
            .route("/v2/checkout/orders", axum::routing::post(create))
            .route(
                "/v2/checkout/orders/{id}/capture",
                axum::routing::post(capture),
            )
            .route(
                "/v2/payments/captures/{id}/refund",
                axum::routing::post(refund),
            )
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakePaypal { base_url, shared }
    }

    /// `http://127.0.0.1:PORT`, to use as the PayPal API base.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn set_outcome(&self, order_id: &str, outcome: Outcome) {
        self.shared
            .outcomes
            .lock()
            .unwrap()
            .insert(order_id.to_owned(), outcome);
    }

    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    pub fn captures(&self) -> usize {
        self.shared.captures.load(Ordering::SeqCst)
    }

    /// Orders as created (a repeated request id does not make another).
    pub fn orders(&self) -> Vec<Order> {
        self.shared.orders.lock().unwrap().clone()
    }

    /// Refunds made (a repeated request id does not make another): (capture, body).
    pub fn refunds(&self) -> Vec<(String, Value)> {
        let refunds = self.shared.refunds.lock().unwrap();
        refunds.iter().map(|r| (r.0.clone(), r.2.clone())).collect()
    }

    /// Makes every token issued so far invalid, as PayPal does when one is revoked.
    pub fn revoke_tokens(&self) {
        self.shared.tokens.lock().unwrap().clear();
    }

    pub fn set_token_lifetime(&self, seconds: u64) {
        *self.shared.expires_in.lock().unwrap() = seconds;
    }
}

fn error(status: StatusCode, name: &str, issue: &str) -> Response {
    let body = json!({
        "name": name,
        "message": format!("fake PayPal: {issue}"),
        "debug_id": "fake0debug",
        "details": [{"issue": issue}],
    });
    (status, Json(body)).into_response()
}

async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.token_requests.fetch_add(1, Ordering::SeqCst);
    let expected = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")));
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) || body != "grant_type=client_credentials" {
        let body =
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let n = s.token_requests.load(Ordering::SeqCst);
    let value = format!("A21AAfake-token-{n}");
    s.tokens.lock().unwrap().insert(value.clone());
    let expires_in = *s.expires_in.lock().unwrap();
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment",
        "access_token": value,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": expires_in,
        "nonce": "2026-01-01T00:00:00Zfake",
    }))
    .into_response()
}

fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let token = auth.and_then(|a| a.strip_prefix("Bearer "));
    token.is_some_and(|t| s.tokens.lock().unwrap().contains(t))
}

fn order_answer(id: &str) -> Value {
    json!({
        "id": id,
        "status": "PAYER_ACTION_REQUIRED",
        "payment_source": {"paypal": {}},
        "links": [
            {"href": format!("https://api.sandbox.paypal.com/v2/checkout/orders/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("https://www.sandbox.paypal.com/checkoutnow?token={id}"), "rel": "payer-action", "method": "GET"},
        ],
    })
}

async fn create(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    if !authorized(&s, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "INVALID_TOKEN",
        );
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "MALFORMED_REQUEST_JSON",
        );
    };
    let request_id = headers
        .get("paypal-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut orders = s.orders.lock().unwrap();
    // PayPal answers a repeated request id with the first order.
    if let Some(o) = orders
        .iter()
        .find(|o| !request_id.is_empty() && o.request_id == request_id)
    {
        return (StatusCode::OK, Json(order_answer(&o.id))).into_response();
    }
    let id = format!("5O1{:014}", orders.len() + 1);
    orders.push(Order {
        id: id.clone(),
        request_id,
        body,
    });
    (StatusCode::CREATED, Json(order_answer(&id))).into_response()
}

async fn capture(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&s, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "INVALID_TOKEN",
        );
    }
    s.captures.fetch_add(1, Ordering::SeqCst);
    let order = s
        .orders
        .lock()
        .unwrap()
        .iter()
        .find(|o| o.id == id)
        .cloned();
    let Some(order) = order else {
        return error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            "INVALID_RESOURCE_ID",
        );
    };
    let outcome = s.outcomes.lock().unwrap().get(&id).copied();
    let (status, reason) = match outcome.unwrap_or(Outcome::Completed) {
        Outcome::Completed => ("COMPLETED", None),
        Outcome::Pending => ("PENDING", Some("PENDING_REVIEW")),
        Outcome::Declined => ("DECLINED", None),
        Outcome::Refused => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "INSTRUMENT_DECLINED",
            );
        }
        Outcome::ServerError => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "INTERNAL_SERVICE_ERROR",
            );
        }
    };
    let unit = &order.body["purchase_units"][0];
    let mut capture = json!({
        "id": format!("3C{}", &id[3..]),
        "status": status,
        "amount": unit["amount"],
        "custom_id": unit["custom_id"],
        "invoice_id": unit["invoice_id"],
        "final_capture": true,
        "supplementary_data": {"related_ids": {"order_id": id}},
    });
    if let Some(reason) = reason {
        capture["status_details"] = json!({"reason": reason});
    }
    let answer = json!({
        "id": id,
        "status": "COMPLETED",
        "purchase_units": [{"reference_id": "default", "payments": {"captures": [capture]}}],
    });
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// Serves the fixture leaf certificate for any URL on PayPal's certificate hosts, and counts
/// fetches; any other URL is an error (the verifier should never ask for one).
#[derive(Default)]
pub struct TestCerts {
    pub fetches: AtomicUsize,
}

impl CertFetcher for TestCerts {
    fn fetch(&self, url: &url::Url) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let allowed = [
            "api.paypal.com",
            "api-m.paypal.com",
            "api.sandbox.paypal.com",
            "api-m.sandbox.paypal.com",
        ];
        let ok = url.scheme() == "https" && url.host_str().is_some_and(|h| allowed.contains(&h));
        Box::pin(async move {
            if ok {
                Ok(LEAF_PEM.as_bytes().to_vec())
            } else {
                Err("not a PayPal certificate URL".to_owned())
            }
        })
    }
}

/// A webhook delivery signed now with the fixture key for `webhook_id`: its headers and body.
pub fn signed_delivery(webhook_id: &str, body: &str) -> (Vec<(String, String)>, Vec<u8>) {
    signed_delivery_at(webhook_id, body, chrono::Utc::now())
}

/// A delivery signed as if sent at `at` (a replay of an old one, say).
pub fn signed_delivery_at(
    webhook_id: &str,
    body: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> (Vec<(String, String)>, Vec<u8>) {
    let transmission_id = uuid::Uuid::new_v4().to_string();
    let time = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let crc = crc32fast::hash(body.as_bytes());
    let message = format!("{transmission_id}|{time}|{webhook_id}|{crc}");
    let key = RsaPrivateKey::from_pkcs8_pem(LEAF_KEY).expect("the fixture key is PKCS#8 PEM");
    let signature = SigningKey::<Sha256>::new(key).sign(message.as_bytes());
    let headers = vec![
        ("PAYPAL-TRANSMISSION-ID".to_owned(), transmission_id),
        ("PAYPAL-TRANSMISSION-TIME".to_owned(), time),
        (
            "PAYPAL-TRANSMISSION-SIG".to_owned(),
            STANDARD.encode(signature.to_bytes()),
        ),
        ("PAYPAL-CERT-URL".to_owned(), CERT_URL.to_owned()),
        ("PAYPAL-AUTH-ALGO".to_owned(), "SHA256withRSA".to_owned()),
    ];
    (headers, body.as_bytes().to_vec())
}

/// Refunds a capture this fake made (any id starting `CAP`), once per `PayPal-Request-Id`.
async fn refund(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&s, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "INVALID_TOKEN",
        );
    }
    if !id.starts_with("CAP") {
        return error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            "INVALID_RESOURCE_ID",
        );
    }
    let request_id = headers
        .get("PayPal-Request-Id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut refunds = s.refunds.lock().unwrap();
    let refund_id = match refunds
        .iter()
        .find(|r| r.1 == request_id && !request_id.is_empty())
    {
        Some(r) => r.3.clone(),
        None => {
            let refund_id = format!("RF{:014}", refunds.len() + 1);
            refunds.push((id, request_id, body.clone(), refund_id.clone()));
            refund_id
        }
    };
    let answer = json!({"id": refund_id, "status": "COMPLETED", "amount": body["amount"]});
    (StatusCode::CREATED, Json(answer)).into_response()
}
