//! The success and error envelopes, and request ids, shared by every JSON handler.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::ToSchema;

pub use crate::request_context::current_request_id;

/// Makes the `x-request-id` set by tower-http visible to envelope builders, errors included.
pub async fn scope_request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    crate::request_context::with_request_id(id, next.run(req)).await
}

/// Every successful answer: `data` is the operation's own reply type.
#[derive(Serialize, ToSchema)]
pub struct Envelope<T> {
    #[schema(example = true)]
    pub success: bool,
    /// A sentence for people, when the operation has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub message: Option<String>,
    pub data: T,
    /// Also in the `x-request-id` header and the server's log line of the request.
    #[schema(example = "0b8e5e43-7f7c-4a44-9a52-32d9d9b1f3a1")]
    pub request_id: String,
}

/// Every error answer (written by `crate::error`; described here).
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    #[schema(example = false)]
    pub success: bool,
    #[schema(example = "Invoice not found")]
    pub error: String,
    /// Field name → messages, for invalid input (400) only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, Vec<String>>)]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    pub request_id: String,
}

/// A reply in the making: its status, message and typed `data`. Serialised when sent, or
/// when an idempotency key stores it ([`Reply::answer`]).
pub struct Reply<T> {
    status: StatusCode,
    message: Option<String>,
    data: T,
}

pub fn ok<T: Serialize>(data: T) -> Reply<T> {
    Reply {
        status: StatusCode::OK,
        message: None,
        data,
    }
}

pub fn created<T: Serialize>(data: T) -> Reply<T> {
    Reply {
        status: StatusCode::CREATED,
        message: None,
        data,
    }
}

/// `data` serialised once and shared between replies (see `api::catalog`).
pub struct Cached(pub Arc<RawValue>);

impl Serialize for Cached {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// 200 with `data` already serialised.
pub fn ok_raw(data: Arc<RawValue>) -> Reply<Cached> {
    ok(Cached(data))
}

impl<T: Serialize> Reply<T> {
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The reply as an idempotency key stores it: its status and the exact body sent.
    pub fn answer(&self) -> crate::domain::idempotency::Answer {
        let body = self.body().unwrap_or_default();
        crate::domain::idempotency::Answer {
            status: self.status.as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn body(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&Envelope {
            success: true,
            message: self.message.clone(),
            data: &self.data,
            request_id: current_request_id(),
        })
    }
}

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        match self.body() {
            Ok(body) => (
                self.status,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
            Err(e) => crate::error::Error::Internal(e.into()).into_response(),
        }
    }
}
