//! Forgetting what is no longer needed: idempotency keys past their 24 hours, sign-in
//! windows that ended a day ago, stored proof files no payment refers to (after a grace
//! period), refused provider webhook deliveries after 30 days, and the lifecycle's finished tick jobs after a day. Every server runs it; the deletes are idempotent, so servers sharing one database
//! and one store may run them at the same moment without harm.

use std::time::Duration;

use crate::db::Db;
use crate::domain::proofs::{self, ProofStore};
use crate::domain::{idempotency, job_queue, lifecycle, providers, throttle};
use crate::error::Result;

/// How often each server cleans up.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one round removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: u64,
    pub login_windows: u64,
    pub orphan_proofs: u64,
    pub refused_deliveries: u64,
    pub tick_jobs: u64,
}

/// One round. A store that is down fails only the proofs' part: the database's purges are
/// done all the same, and the sweep is tried again next round.
pub async fn run_once(db: &Db, proofs: &ProofStore) -> Result<Purged> {
    let orphan_proofs = match proofs::sweep_orphans(db, proofs, chrono::Utc::now()).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not sweep orphaned proofs; will try again");
            0
        }
    };
    Ok(Purged {
        idempotency_keys: idempotency::purge_expired(db).await?,
        login_windows: throttle::purge(db).await?,
        orphan_proofs,
        refused_deliveries: providers::inbound::purge_refused(db, chrono::Utc::now()).await?,
        tick_jobs: job_queue::purge_done(
            db,
            lifecycle::TICK_JOB,
            chrono::Utc::now() - chrono::Duration::days(1),
        )
        .await?,
    })
}

/// Cleans up now and then every [`EVERY`], for as long as the server runs.
pub fn spawn(db: Db, proofs: ProofStore) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match run_once(&db, &proofs).await {
                Ok(purged) => tracing::debug!(?purged, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will try again"),
            }
        }
    })
}
