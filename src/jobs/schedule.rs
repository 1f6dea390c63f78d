//! The lifecycle's scheduler: every server writes one `lifecycle.tick` job per interval into
//! the outbox under a key naming the interval, so however many servers share the database,
//! each interval has one job, run once by whichever runner claims it (`domain::lifecycle::
//! tick`, as of the database handle's clock).

use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use crate::domain::lifecycle::{self, TICK_JOB};
use crate::domain::outbox::{self, NewJob};
use crate::entities::job;
use crate::jobs::{Handler, Run};

/// Runs a tick job.
pub struct Tick(pub Db);

impl Handler for Tick {
    fn run<'a>(&'a self, _job: &'a job::Model) -> Run<'a> {
        Box::pin(async move {
            let ticked = lifecycle::tick(&self.0, self.0.now())
                .await
                .map_err(|e| format!("the lifecycle tick failed: {e}"))?;
            if ticked.total() > 0 {
                tracing::info!(?ticked, "lifecycle tick");
            }
            Ok(())
        })
    }
}

/// The tick job of the interval `now` falls in.
pub fn tick_job(every: Duration) -> NewJob {
    let now = chrono::Utc::now();
    let slot = now.timestamp() / i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    NewJob {
        kind: TICK_JOB,
        key: format!("{TICK_JOB}:{}:{slot}", every.as_secs()),
        payload: serde_json::Value::Null,
        run_at: now,
        max_attempts: 3,
    }
}

/// Writes a tick job every `every` for as long as the server runs; none when `every` is zero.
pub fn spawn(db: Db, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            let written = async {
                let txn = db.begin_write().await?;
                outbox::enqueue(&*txn, tick_job(every)).await?;
                txn.commit().await?;
                Ok::<_, crate::error::Error>(())
            };
            if let Err(e) = written.await {
                tracing::warn!(error = %e, "could not schedule the lifecycle tick; will try again");
            }
        }
    }))
}

/// The runner's handler for tick jobs.
pub fn handler(db: Db) -> Arc<dyn Handler> {
    Arc::new(Tick(db))
}
