//! PayPal's Orders v2 API over HTTPS: an OAuth2 client-credentials token, creating an order
//! for one checkout, and capturing it once the customer has approved it.
//!
//! Every POST carries a `PayPal-Request-Id` derived from tollgate's own ids, so a retried
//! create or capture (after a timeout, a crash, a double click) returns PayPal's first answer
//! instead of making a second order or a second capture.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::config::Secret;
use crate::domain::money::{format_minor, parse_amount_value};
use crate::domain::providers::{Checkout, RefundRequest, Started};
use crate::error::{Error, Result};

/// One call may take this long: long enough for PayPal's slow moments, short enough that the
/// customer's request is answered (503) rather than hanging.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// PayPal's answers are a few KiB; more is not read.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// A token is renewed this long before PayPal says it expires, so it cannot expire in flight.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// Issues PayPal answers (422) when the payer's funding is refused: a decline, not a fault.
const DECLINES: [&str; 6] = [
    "INSTRUMENT_DECLINED",
    "TRANSACTION_REFUSED",
    "PAYER_CANNOT_PAY",
    "PAYER_ACCOUNT_RESTRICTED",
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
];

/// How a capture ended. Only `Completed` is money received: `Pending` funds may still never
/// arrive (an eCheck, a review), so they must not settle an invoice (Invoice Ninja #7332).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureStatus {
    Completed,
    Pending,
    /// `DECLINED` or `FAILED`.
    Declined,
    /// Any other word PayPal uses (`REFUNDED`, `PARTIALLY_REFUNDED`…), as sent.
    Other(String),
}

/// The outcome of capturing an approved order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub order_id: String,
    pub status: CaptureStatus,
    pub capture_id: String,
    /// Minor units of `currency` (upper case).
    pub amount: i64,
    pub currency: String,
    /// What tollgate sent as `custom_id`: its payment id.
    pub custom_id: Option<String>,
    /// PayPal's `status_details.reason` (why it is pending or declined), if any.
    pub reason: Option<String>,
}

impl Capture {
    /// Whether the money has arrived; the only outcome that may settle an invoice.
    pub fn is_paid(&self) -> bool {
        self.status == CaptureStatus::Completed
    }
}

struct Token {
    value: String,
    renew_at: Instant,
}

pub struct Orders {
    http: reqwest::Client,
    /// Without a trailing slash.
    base: String,
    client_id: String,
    secret: Secret,
    /// An async lock so that concurrent calls wait for one token request instead of each
    /// making their own.
    token: Mutex<Option<Token>>,
}

impl Orders {
    pub fn new(base: &str, client_id: &str, secret: Secret) -> anyhow::Result<Orders> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Orders {
            http,
            base: base.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            secret,
            token: Mutex::new(None),
        })
    }

    /// Creates an order (intent CAPTURE) for one checkout: the order id is the reference, and
    /// the customer approves at `approve_url`.
    pub async fn create(&self, checkout: &Checkout<'_>) -> Result<Started> {
        let currency = checkout.currency.to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::field("currency", "Not an ISO 4217 currency code."));
        }
        if checkout.amount <= 0 {
            return Err(Error::field(
                "amount",
                "A PayPal payment must be more than zero.",
            ));
        }
        let body = json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "custom_id": checkout.payment_id.to_string(),
                "invoice_id": format!("{}-{}", checkout.invoice_number, checkout.payment_id),
                "amount": {
                    "currency_code": currency,
                    "value": format_minor(checkout.amount, &currency),
                },
            }],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": checkout.return_url,
                "cancel_url": checkout.cancel_url,
                "user_action": "PAY_NOW",
                "shipping_preference": "NO_SHIPPING",
            }}},
        });
        let key = format!(
            "tollgate-order-{}-{}",
            checkout.invoice_id, checkout.payment_id
        );
        let (status, answer) = self.post("/v2/checkout/orders", &body, &key).await?;
        if !status.is_success() {
            return Err(refusal("create the order", status, &answer));
        }
        let reference = field(&answer, &["id"], "order")?;
        // `payer-action` with `experience_context`; `approve` with the older
        // `application_context`. Either is where the customer goes.
        let approve_url = answer["links"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| matches!(l["rel"].as_str(), Some("payer-action" | "approve")))
            .and_then(|l| l["href"].as_str())
            .ok_or_else(|| unexpected("the order has no approve link"))?;
        Ok(Started {
            reference,
            client_secret: None,
            approve_url: Some(approve_url.to_owned()),
            status: field(&answer, &["status"], "order")?,
        })
    }

    /// Captures an approved order. A capture that is pending or declined is an `Ok` whose
    /// status says so; a refusal of the payer's funding is `Error::PaymentDeclined`.
    pub async fn capture(&self, order_id: &str) -> Result<Capture> {
        // The id goes into the path: only PayPal's alphabet is let through.
        if order_id.is_empty()
            || order_id.len() > 64
            || !order_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(Error::field("order_id", "Not a PayPal order id."));
        }
        let path = format!("/v2/checkout/orders/{order_id}/capture");
        let key = format!("tollgate-capture-{order_id}");
        let (status, answer) = self.post(&path, &json!({}), &key).await?;
        if !status.is_success() {
            return Err(refusal("capture the order", status, &answer));
        }
        read_capture(order_id, &answer)
    }

    /// Refunds (part of) a capture; answers PayPal's id of the refund.
    pub async fn refund(&self, refund: &RefundRequest<'_>) -> Result<String> {
        let capture = refund
            .capture
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .ok_or_else(|| unexpected("the payment has no capture id to refund"))?;
        let path = format!("/v2/payments/captures/{capture}/refund");
        let currency = refund.currency.to_ascii_uppercase();
        let body = json!({"amount": {"value": format_minor(refund.amount, &currency),
                                     "currency_code": currency}});
        let (status, answer) = self.post(&path, &body, refund.key).await?;
        if !status.is_success() {
            return Err(refusal("refund the capture", status, &answer));
        }
        field(&answer, &["id"], "refund")
    }

    /// POSTs JSON with a fresh-enough token; a 401 (the token was revoked or expired early)
    /// gets one new token and one retry, which the request id makes safe.
    async fn post(
        &self,
        path: &str,
        body: &Value,
        request_id: &str,
    ) -> Result<(StatusCode, Value)> {
        let url = format!("{}{path}", self.base);
        let mut rejected: Option<String> = None;
        loop {
            let token = self.token(rejected.as_deref()).await?;
            let resp = self
                .http
                .post(&url)
                .bearer_auth(&token)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header("PayPal-Request-Id", request_id)
                .header("Prefer", "return=representation")
                .body(body.to_string())
                .send()
                .await
                .map_err(cannot_reach)?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && rejected.is_none() {
                rejected = Some(token);
                continue;
            }
            return Ok((status, read_json(resp).await?));
        }
    }

    /// The cached token, or a new one when there is none, it is due for renewal, or it is the
    /// one PayPal just rejected (another call may already have replaced it).
    async fn token(&self, rejected: Option<&str>) -> Result<String> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.renew_at
            && rejected != Some(t.value.as_str())
        {
            return Ok(t.value.clone());
        }
        let resp = self
            .http
            .post(format!("{}/v1/oauth2/token", self.base))
            .basic_auth(&self.client_id, Some(self.secret.expose()))
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(cannot_reach)?;
        let status = resp.status();
        let answer = read_json(resp).await?;
        if !status.is_success() {
            return Err(refusal("issue a token", status, &answer));
        }
        let value = field(&answer, &["access_token"], "token")?;
        let lifetime = Duration::from_secs(answer["expires_in"].as_u64().unwrap_or(0));
        // A short-lived token is renewed at half its life rather than never cached.
        let margin = TOKEN_MARGIN.min(lifetime / 2);
        *cached = Some(Token {
            value: value.clone(),
            renew_at: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }
}

/// The first capture of the first purchase unit (tollgate sends exactly one of each).
fn read_capture(order_id: &str, answer: &Value) -> Result<Capture> {
    let capture = &answer["purchase_units"][0]["payments"]["captures"][0];
    if capture.is_null() {
        return Err(unexpected("the capture answer has no capture"));
    }
    let status = match field(capture, &["status"], "capture")?.as_str() {
        "COMPLETED" => CaptureStatus::Completed,
        "PENDING" => CaptureStatus::Pending,
        "DECLINED" | "FAILED" => CaptureStatus::Declined,
        other => CaptureStatus::Other(other.to_owned()),
    };
    let currency = field(capture, &["amount", "currency_code"], "capture")?.to_ascii_uppercase();
    let amount = parse_amount_value(&capture["amount"]["value"], &currency)
        .map_err(|e| unexpected(&format!("capture amount: {}", e.message())))?;
    Ok(Capture {
        order_id: order_id.to_owned(),
        status,
        capture_id: field(capture, &["id"], "capture")?,
        amount,
        currency,
        custom_id: capture["custom_id"].as_str().map(str::to_owned),
        reason: capture["status_details"]["reason"]
            .as_str()
            .map(str::to_owned),
    })
}

/// Reads an answer's JSON (an empty body is `null`), at most `MAX_ANSWER_BYTES`.
async fn read_json(mut resp: reqwest::Response) -> Result<Value> {
    let status = resp.status();
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(cannot_reach)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_ANSWER_BYTES {
            return Err(unexpected("the answer is too large"));
        }
    }
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    match serde_json::from_slice(&bytes) {
        Ok(v) => Ok(v),
        // A 5xx page from a proxy in front of PayPal is HTML; it is still "unavailable".
        Err(_) if status.is_server_error() => Ok(Value::Null),
        Err(e) => Err(unexpected(&format!("{status} answer is not JSON: {e}"))),
    }
}

/// What a non-2xx answer means for tollgate.
fn refusal(what: &str, status: StatusCode, answer: &Value) -> Error {
    let name = answer["name"]
        .as_str()
        .or_else(|| answer["error"].as_str())
        .unwrap_or("");
    let issue = answer["details"][0]["issue"].as_str().unwrap_or("");
    let message = answer["message"]
        .as_str()
        .or_else(|| answer["error_description"].as_str())
        .unwrap_or("");
    let debug_id = answer["debug_id"].as_str().unwrap_or("-");
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        // PayPal's support asks for the debug id; the customer only needs to retry.
        tracing::warn!(%status, name, debug_id, "PayPal could not {what}");
        return Error::Unavailable(format!(
            "PayPal could not {what} right now ({status}); try again later."
        ));
    }
    if DECLINES.contains(&issue) {
        return Error::PaymentDeclined(format!("PayPal declined the payment ({issue})."));
    }
    match issue {
        "ORDER_NOT_APPROVED" | "PAYER_ACTION_REQUIRED" => {
            return Error::Conflict("The PayPal order has not been approved yet.".to_owned());
        }
        "DUPLICATE_INVOICE_ID" => {
            return Error::Conflict("PayPal already has a payment for this invoice.".to_owned());
        }
        _ => {}
    }
    if status == StatusCode::NOT_FOUND {
        return Error::NotFound("PayPal does not know this order.".to_owned());
    }
    unexpected(&format!(
        "PayPal refused to {what}: {status} {name} {issue}: {message} (debug_id {debug_id})"
    ))
}

/// The cause goes to the log; the message (which a customer may see in a 503) stays generic.
fn cannot_reach(err: reqwest::Error) -> Error {
    tracing::warn!(error = %err, timeout = err.is_timeout(), "PayPal could not be reached");
    Error::Unavailable("PayPal could not be reached; try again in a few minutes.".to_owned())
}

fn unexpected(what: &str) -> Error {
    Error::Internal(anyhow::anyhow!("PayPal: {what}"))
}

/// A non-empty string at `path` of an answer, else an internal error naming it.
fn field(value: &Value, path: &[&str], what: &str) -> Result<String> {
    let found = path.iter().fold(value, |v, key| &v[*key]);
    match found.as_str() {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(unexpected(&format!(
            "{what} answer has no {}",
            path.join(".")
        ))),
    }
}
