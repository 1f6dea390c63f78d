//! `GET /metrics`: the Prometheus text exposition. Counters and histograms are kept by the
//! process's recorder as things happen (`telemetry`); the figures that are state rather than
//! events — the connection pool, the job queue's depth, log lines dropped — are read here, at
//! scrape time, so nothing polls the database between scrapes. Like the probes it sits outside
//! `/api/v1` and its rate limiter; unlike them it may require a bearer token.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::db::Db;
use crate::telemetry::{logs, recorder};

/// A scrape must answer well inside Prometheus's own timeout (10 s by default): a database
/// that does not count the queue within this leaves the queue gauges as they were.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

const POOL_IN_USE: &str = "db_pool_connections_in_use";
const POOL_IDLE: &str = "db_pool_connections_idle";
const POOL_MAX: &str = "db_pool_connections_max";
const JOBS_PENDING: &str = "jobs_pending";
const LOG_DROPPED: &str = "log_lines_dropped_total";

#[derive(Clone)]
struct Scrape {
    db: Db,
    /// SHA-256 of the token, when one is required.
    token: Option<[u8; 32]>,
    /// Job kinds seen pending before: a kind whose queue emptied drops out of the grouped
    /// count and must be shown as 0, not left at its last depth.
    kinds: Arc<Mutex<BTreeSet<String>>>,
}

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, token: Option<Secret>) -> Router<S> {
    recorder::install();
    describe();
    let token = token
        .filter(|t| !t.expose().is_empty())
        .map(|t| Sha256::digest(t.expose().as_bytes()).into());
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(Scrape {
            db,
            token,
            kinds: Arc::default(),
        })
}

fn describe() {
    metrics::describe_gauge!(POOL_IN_USE, "Database connections checked out of the pool.");
    metrics::describe_gauge!(POOL_IDLE, "Open database connections waiting in the pool.");
    metrics::describe_gauge!(POOL_MAX, "The most connections the pool opens.");
    metrics::describe_gauge!(
        JOBS_PENDING,
        "Jobs waiting to run (due or retrying later), by kind."
    );
    metrics::describe_counter!(
        LOG_DROPPED,
        "Log lines dropped because the writer fell behind."
    );
}

async fn metrics(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    if let Some(expected) = &scrape.token
        && !bearer_matches(&headers, expected)
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Unauthorized\n",
        )
            .into_response();
    }
    record_pool(&scrape.db);
    record_queue(&scrape).await;
    metrics::counter!(LOG_DROPPED).absolute(logs::dropped_lines());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        recorder::render(),
    )
        .into_response()
}

/// `Authorization: Bearer <token>`, compared through SHA-256 digests with a constant-time
/// loop: neither the token's length nor how much of it a guess got right shows in the time.
fn bearer_matches(headers: &HeaderMap, expected: &[u8; 32]) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
    given
        .iter()
        .zip(expected)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

fn record_pool(db: &Db) {
    if let Some(pool) = db.pool_use() {
        metrics::gauge!(POOL_IN_USE).set(pool.in_use);
        metrics::gauge!(POOL_IDLE).set(pool.idle);
        metrics::gauge!(POOL_MAX).set(pool.max);
    }
}

async fn record_queue(scrape: &Scrape) {
    let counted = tokio::time::timeout(
        QUERY_TIMEOUT,
        crate::domain::job_queue::pending_by_kind(&scrape.db),
    )
    .await;
    let pending = match counted {
        Ok(Ok(rows)) => rows,
        // Logged, never shown: the scrape answers without internal detail.
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: cannot count the job queue");
            return;
        }
        Err(_) => {
            tracing::warn!("metrics: counting the job queue timed out");
            return;
        }
    };
    let Ok(mut kinds) = scrape.kinds.lock() else {
        return;
    };
    for kind in kinds.iter() {
        if !pending.iter().any(|(k, _)| k == kind) {
            metrics::gauge!(JOBS_PENDING, "kind" => kind.clone()).set(0.0);
        }
    }
    for (kind, n) in pending {
        metrics::gauge!(JOBS_PENDING, "kind" => kind.clone()).set(n as f64);
        kinds.insert(kind);
    }
}
