//! The `Idempotency-Key` header on money-changing routes (after Stripe): the same key with the
//! same request replays the first answer; with a different request it is refused (422).
//!
//! Keys belong to whoever sent them: a signed-in user (`user:{id}`), or for sign-up the client
//! address (`anonymous:{ip}`). A request that is not signed in where it must be is served
//! without its key, so failed authentication stores nothing. A change's answer is written in
//! the change's own transaction (the handler passes [`IdempotencyKey::seal`] to the domain);
//! answers of requests that changed nothing are stored here afterwards.

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::envelope::Reply;
use crate::api::extract::{ClientAddr, unreadable_body};
use crate::api::uploads;
use crate::auth::tokens::sha256_hex;
use crate::domain::idempotency::{self, Answer, Claim, Seal};
use crate::error::Error;
use crate::state::{AppState, BODY_LIMIT};

const HEADER: &str = "idempotency-key";
/// How long a request waits for a concurrent twin to finish before answering 409.
const WAIT_FOR_TWIN: Duration = Duration::from_secs(12);

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The signed-in user's scope, or `None` when the request carries no valid access token.
fn user_scope(state: &AppState, req: &Request) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .and_then(|(_, token)| state.tokens.verify_access(token.trim()))
        .map(|id| format!("user:{id}"))
}

/// For routes anyone may call (sign-up): keys are per client address.
pub async fn idempotent_public(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    req: Request,
    next: Next,
) -> Response {
    let scope = match client {
        Some(ip) => format!("anonymous:{ip}"),
        None => "anonymous".to_owned(),
    };
    idempotent(&state, Some(scope), req, next).await
}

/// For routes that need a signed-in user: keys are per user.
pub async fn idempotent_signed_in(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let scope = user_scope(&state, &req);
    idempotent(&state, scope, req, next).await
}

/// The key claimed for this request, if it came with one; handlers turn it into a [`Seal`].
#[derive(Clone, Copy, Debug, Default)]
pub struct IdempotencyKey(Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<IdempotencyKey>()
            .copied()
            .unwrap_or_default())
    }
}

impl IdempotencyKey {
    /// Stores the reply `reply` makes of the change's outcome in the change's transaction.
    pub fn seal<'a, T, D: serde::Serialize>(
        self,
        reply: impl Fn(&T) -> Reply<D> + Send + Sync + 'a,
    ) -> Seal<'a, T> {
        match self.0 {
            Some(id) => Seal::new(id, move |outcome| reply(outcome).answer()),
            None => Seal::none(),
        }
    }
}

fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut res = (status, answer.body).into_response();
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

async fn idempotent(state: &AppState, scope: Option<String>, req: Request, next: Next) -> Response {
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
    let Some(scope) = scope else {
        // Not signed in: the handler refuses it, and nothing is remembered.
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let multipart =
        uploads::boundary(&parts.headers).filter(|_| uploads::is_multipart(&parts.headers));
    let body: Bytes = match multipart {
        None => match to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(e) => return unreadable_body(&e).into_response(),
        },
        Some(_) => {
            let (limit, drain) = (uploads::upload_limit(state), uploads::drain_limit(state));
            match uploads::read_body(body, limit, drain, state.proofs.too_large()).await {
                Ok(b) => b,
                Err(e) => return e.into_response(),
            }
        }
    };
    let mut seen = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    let fingerprint = match &multipart {
        None => {
            seen.extend_from_slice(&body);
            sha256_hex(&String::from_utf8_lossy(&seen))
        }
        Some(boundary) => multipart_fingerprint(seen, boundary, &body),
    };

    let deadline = tokio::time::Instant::now() + WAIT_FOR_TWIN;
    loop {
        let claim = match idempotency::claim(&state.db, &scope, &key, &fingerprint).await {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        match claim {
            Claim::Fresh(id) => {
                let mut req = Request::from_parts(parts, Body::from(body));
                req.extensions_mut().insert(IdempotencyKey(Some(id)));
                let res = next.run(req).await;
                return remember(state, id, res).await;
            }
            Claim::Replay { status, body } => return replay(Answer { status, body }),
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

/// A multipart body's fingerprint: its bytes as sent (a file is binary, so never through a
/// lossy text conversion), with the boundary — which a client picks afresh for every
/// request, a retry included — replaced by a fixed one.
fn multipart_fingerprint(mut seen: Vec<u8>, boundary: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    match aho_corasick::AhoCorasick::new([boundary]) {
        Ok(finder) => seen.extend(finder.replace_all_bytes(body, &[b"BOUNDARY".as_slice()])),
        Err(_) => seen.extend_from_slice(body),
    }
    hex::encode(Sha256::digest(&seen))
}

/// Stores the answer of a request that changed nothing (a change sealed its own answer, which
/// is kept). A server error is not stored: nothing was done, the client may retry.
async fn remember(state: &AppState, id: i64, res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let stored = if parts.status.is_server_error() {
        idempotency::release(&state.db, id).await
    } else {
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let answer = Answer {
            status: parts.status.as_u16(),
            body,
        };
        idempotency::complete(&state.db, id, answer).await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store the idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}
