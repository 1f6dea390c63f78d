//! Forgetting what is no longer needed: idempotency keys past their 24 hours and sign-in
//! windows that ended a day ago. Every server runs it; the deletes are idempotent, so servers
//! sharing one PostgreSQL database may run them at the same moment without harm.

use std::time::Duration;

use crate::db::Db;
use crate::domain::{idempotency, throttle};
use crate::error::Result;

/// How often each server cleans up.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one round removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: u64,
    pub login_windows: u64,
}

pub async fn run_once(db: &Db) -> Result<Purged> {
    Ok(Purged {
        idempotency_keys: idempotency::purge_expired(db).await?,
        login_windows: throttle::purge(db).await?,
    })
}

/// Cleans up now and then every [`EVERY`], for as long as the server runs.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match run_once(&db).await {
                Ok(purged) => tracing::debug!(?purged, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will try again"),
            }
        }
    })
}
