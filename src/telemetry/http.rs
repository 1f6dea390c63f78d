//! The request metrics and the access line: `observe` wraps the application's middleware (so
//! it also sees what that middleware answers itself, a 429 say), and `mark_route`, inside the
//! router, hands it the matched route's template (`/api/v1/billing/admin/payments/{id}/approve`),
//! never the raw path: ids and junk paths would give every request its own series.

use std::collections::HashSet;
use std::sync::{LazyLock, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUESTS: &str = "http_requests_total";
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";

/// The route label of a request no route matched (404s of arbitrary paths).
pub const UNMATCHED: &str = "unmatched";

/// Where the access lines are logged: `TOLLGATE_LOG=tollgate::access=warn,info` silences them.
pub const ACCESS_TARGET: &str = "tollgate::access";

pub(crate) fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route and status."
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request (until its headers), by method and route."
    );
}

/// `text` as a `&'static str`, leaked once per distinct value: the route templates and status
/// codes are a fixed, small set, and static labels spare the metrics two allocations per
/// request.
fn interned(text: &str) -> &'static str {
    static SEEN: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(RwLock::default);
    if let Some(seen) = SEEN.read().ok().and_then(|s| s.get(text).copied()) {
        return seen;
    }
    let mut seen = SEEN.write().unwrap_or_else(PoisonError::into_inner);
    match seen.get(text) {
        Some(s) => s,
        None => {
            let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
            seen.insert(leaked);
            leaked
        }
    }
}

/// The method as a label from a fixed set: an arbitrary method name must not make a series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The route template the router matched, handed out in the response to `observe`, which runs
/// outside the router.
#[derive(Clone, Copy)]
struct MatchedRoute(&'static str);

/// Per route, inside the router: puts the matched route's template on the response.
pub async fn mark_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| interned(p.as_str()));
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(MatchedRoute(route));
    }
    res
}

/// Counts and times the request and writes its access line, with its request id (set by the
/// outer request-id layer), method, route template, status and latency. The rest of the
/// request's log lines run inside a span carrying the same id.
pub async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let request_id = req.headers().get("x-request-id").cloned();
    let id = request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let span = tracing::info_span!("request", request_id = id, method);
    let res = next.run(req).instrument(span).await;
    let elapsed = started.elapsed();
    let status = res.status();
    // Set by `mark_route` once the router matched one; answers given before routing (a 429,
    // a refused query string) and unknown paths have none.
    let route = res
        .extensions()
        .get::<MatchedRoute>()
        .map_or(UNMATCHED, |r| r.0);
    metrics::histogram!(REQUEST_DURATION, "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    tracing::info!(
        target: ACCESS_TARGET,
        request_id = id,
        method,
        route,
        status = status.as_u16(),
        // Microsecond precision is plenty and keeps the line short.
        latency_ms = elapsed.as_micros() as f64 / 1000.0,
        "request"
    );
    metrics::counter!(REQUESTS, "method" => method, "route" => route, "status" => interned(status.as_str()))
        .increment(1);
    res
}
