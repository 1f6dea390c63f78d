//! A general per-client request rate (`TOLLGATE_RATE_LIMIT` requests per second, bursts of
//! twice that), off by default. Kept in each server's memory: with N servers a client gets up
//! to N times the rate, which is fine for its purpose (shedding floods); failed sign-ins are
//! limited exactly, in the database (`domain::throttle`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::api::extract::ClientAddr;
use crate::error::Error;
use crate::state::AppState;

pub type Limiter = Arc<DefaultKeyedRateLimiter<IpAddr>>;

/// The limiter for `per_second` requests per client, or `None` (no limit) for 0.
pub fn limiter(per_second: u32) -> Option<Limiter> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
    let limiter = Arc::new(RateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ));
    // Forget idle clients now and then, so the map does not grow without bound.
    let sweeper = Arc::downgrade(&limiter);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let Some(limiter) = sweeper.upgrade() else {
                break;
            };
            limiter.retain_recent();
        }
    });
    Some(limiter)
}

/// The middleware; its state is the app's (to tell who the client is) and the limiter, kept
/// out of `AppState` because nothing else needs it.
pub async fn limit_rate(
    State((state, limiter)): State<(AppState, Option<Limiter>)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &limiter else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let ClientAddr(client) = match ClientAddr::from_request_parts(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Some(ip) = client
        && let Err(not_until) = limiter.check_key(&ip)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Error::TooManyRequests {
            message: "Too many requests; slow down.".into(),
            retry_after_secs: wait.as_secs().max(1),
        }
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
