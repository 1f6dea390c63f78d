//! The `Idempotency-Key` header on money-changing routes (after Stripe): the same key with the
//! same request replays the first answer; with a different request it is refused (422).

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::{AppState, BODY_LIMIT};
use crate::auth::tokens::sha256_hex;
use crate::domain::idempotency::{self, Claim};
use crate::error::Error;

const HEADER: &str = "idempotency-key";
/// How long a request waits for a concurrent twin to finish before answering 409.
const WAIT_FOR_TWIN: Duration = Duration::from_secs(10);

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Keys are per user: one customer's key never replays another's answer.
fn scope(state: &AppState, req: &Request) -> String {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .and_then(|(_, token)| state.tokens.verify_access(token.trim()))
        .map_or_else(|| "anonymous".to_owned(), |id| format!("user:{id}"))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

pub async fn idempotent(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if valid_key(k) => k.to_owned(),
        _ => {
            let msg = "Use 1 to 255 visible ASCII characters.";
            return Error::field("Idempotency-Key", msg).into_response();
        }
    };
    let scope = scope(&state, &req);
    let (parts, body) = req.into_parts();
    let body: Bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Error::PayloadTooLarge("Request body is too large (limit 1 MiB)".into())
                .into_response();
        }
    };
    let mut seen = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    seen.extend_from_slice(&body);
    let fingerprint = sha256_hex(&String::from_utf8_lossy(&seen));

    let deadline = tokio::time::Instant::now() + WAIT_FOR_TWIN;
    loop {
        let claim = match idempotency::claim(&state.db, &scope, &key, &fingerprint).await {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        match claim {
            Claim::Fresh(id) => {
                let res = next.run(Request::from_parts(parts, Body::from(body))).await;
                return remember(&state, id, res).await;
            }
            Claim::Replay { status, body } => return replay(status, body),
            Claim::Mismatch => {
                return Error::Unprocessable(
                    "This Idempotency-Key was already used with a different request".into(),
                )
                .into_response();
            }
            Claim::InProgress if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Claim::InProgress => {
                return Error::Conflict(
                    "A request with this Idempotency-Key is still being processed".into(),
                )
                .into_response();
            }
        }
    }
}

/// Stores the answer (a server error is not stored: nothing was done, the client may retry).
async fn remember(state: &AppState, id: i64, res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let stored = if parts.status.is_server_error() {
        idempotency::release(&state.db, id).await
    } else {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        idempotency::complete(&state.db, id, parts.status.as_u16(), text).await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store the idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}
