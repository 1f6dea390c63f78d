//! The success envelope, request ids, and list pages, shared by every JSON handler.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::domain::page::{KeysetPage, Page};

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

/// `{"success": true, "message"?, "data", "request_id"}`.
pub struct Reply {
    status: StatusCode,
    message: Option<String>,
    data: Data,
}

enum Data {
    Value(Value),
    /// Serialised once and reused (see `api::catalog`).
    Raw(Arc<RawValue>),
}

pub fn ok(data: Value) -> Reply {
    Reply {
        status: StatusCode::OK,
        message: None,
        data: Data::Value(data),
    }
}

/// 200 with `data` already serialised.
pub fn ok_raw(data: Arc<RawValue>) -> Reply {
    Reply {
        status: StatusCode::OK,
        message: None,
        data: Data::Raw(data),
    }
}

pub fn created(data: Value) -> Reply {
    Reply {
        status: StatusCode::CREATED,
        message: None,
        data: Data::Value(data),
    }
}

impl Reply {
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// The envelope's fields in their order.
#[derive(Serialize)]
struct Envelope<'a, D: Serialize + ?Sized> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    data: &'a D,
    request_id: &'a str,
}

impl Reply {
    /// The reply as an idempotency key stores it: its status and the exact body sent.
    pub fn answer(&self) -> crate::domain::idempotency::Answer {
        let body = self.body().unwrap_or_default();
        crate::domain::idempotency::Answer {
            status: self.status.as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn body(&self) -> serde_json::Result<Vec<u8>> {
        let request_id = current_request_id();
        let message = self.message.as_deref();
        match &self.data {
            Data::Value(data) => serde_json::to_vec(&Envelope {
                success: true,
                message,
                data,
                request_id: &request_id,
            }),
            Data::Raw(data) => serde_json::to_vec(&Envelope {
                success: true,
                message,
                data: data.as_ref(),
                request_id: &request_id,
            }),
        }
    }
}

impl IntoResponse for Reply {
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

/// This request's path and query with `key` set to `value` (in place of any earlier `key`).
fn link(uri: &Uri, key: &str, value: impl std::fmt::Display) -> Value {
    let mut query: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    query.push(format!("{key}={value}"));
    Value::String(format!(
        "{}/?{}",
        uri.path().trim_end_matches('/'),
        query.join("&")
    ))
}

/// `{"count", "next", "previous", "results"}` with links that keep the other query parameters.
pub fn page_data<T>(page: Page<T>, uri: &Uri, to_json: impl FnMut(T) -> Value) -> Value {
    let req = page.request;
    let next = if page.has_next() {
        link(uri, "page", req.page + 1)
    } else {
        Value::Null
    };
    let previous = if req.page > 1 {
        link(uri, "page", req.page - 1)
    } else {
        Value::Null
    };
    json!({
        "count": page.count,
        "next": next,
        "previous": previous,
        "results": page.items.into_iter().map(to_json).collect::<Vec<_>>(),
    })
}

/// A keyset page in the same shape: `count` is not computed (null), `next` carries the cursor
/// (other query parameters kept), and there is no `previous` (forward-only).
pub fn keyset_data<T>(page: KeysetPage<T>, uri: &Uri, to_json: impl FnMut(T) -> Value) -> Value {
    json!({
        "count": null,
        "next": page.next.map_or(Value::Null, |cursor| link(uri, "cursor", cursor)),
        "previous": null,
        "results": page.items.into_iter().map(to_json).collect::<Vec<_>>(),
    })
}

/// An unpaginated list in the same shape.
pub fn list_data(results: Vec<Value>) -> Value {
    json!({ "count": results.len(), "next": null, "previous": null, "results": results })
}
