//! Liveness and readiness probes for orchestrators (`/healthz`, `/readyz`). They sit outside
//! `/api/v1`, authentication and rate limiting: a probe that could be throttled or refused
//! would make a healthy server look dead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::ConnectionTrait;
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::db::{Db, migrations::Migrator};
use crate::jobs::Heartbeat;

/// A database that does not answer a trivial query within this is "unreachable": a probe must
/// answer well inside the orchestrator's own timeout.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Probes {
    db: Db,
    /// Set once every embedded migration was seen applied; migrations are never un-applied
    /// under a running server, so later probes skip the query.
    migrations_current: Arc<AtomicBool>,
    /// This process's job runner's pulse; `None` when it runs no jobs (`TOLLGATE_RUN_JOBS`
    /// false: separate workers do).
    jobs: Option<Heartbeat>,
}

/// The probe routes, with their own state so they can be merged after the application's
/// layers (and so escape its rate limiter).
pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, jobs: Option<Heartbeat>) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Probes {
            db,
            migrations_current: Arc::new(AtomicBool::new(false)),
            jobs,
        })
}

/// The process is up and serving: no database access, so a slow database never gets the
/// process restarted.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(probes): State<Probes>) -> Response {
    let database = database_ok(&probes.db).await;
    // Without a database the migrations cannot be read: report them as unknown rather than
    // as failed, so the failing check is the one named.
    let migrations = if !database {
        "unknown"
    } else if migrations_ok(&probes).await {
        "ok"
    } else {
        "pending"
    };
    // A process that runs no jobs is not failing for it ("off"); one whose runner stopped
    // going round its loop is ("stale"): the jobs it claims are stuck until it comes back.
    let jobs = match &probes.jobs {
        None => "off",
        Some(pulse) if pulse.is_stale() => "stale",
        Some(_) => "ok",
    };
    let ready = database && migrations == "ok" && jobs != "stale";
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": {
            "database": if database { "ok" } else { "unreachable" },
            "migrations": migrations,
            "jobs": jobs,
        },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `SELECT 1` within [`DB_TIMEOUT`]. The error itself is logged, never returned: probe
/// answers are unauthenticated.
async fn database_ok(db: &Db) -> bool {
    let conn = db.conn();
    let query = conn.execute_unprepared("SELECT 1");
    match tokio::time::timeout(DB_TIMEOUT, query).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database query failed");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: database query timed out");
            false
        }
    }
}

async fn migrations_ok(probes: &Probes) -> bool {
    if probes.migrations_current.load(Ordering::Relaxed) {
        return true;
    }
    let pending = tokio::time::timeout(
        DB_TIMEOUT,
        Migrator::get_pending_migrations(probes.db.conn()),
    )
    .await;
    match pending {
        Ok(Ok(pending)) if pending.is_empty() => {
            probes.migrations_current.store(true, Ordering::Relaxed);
            true
        }
        Ok(Ok(_)) => false,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: cannot read applied migrations");
            false
        }
        Err(_) => false,
    }
}
