//! The job runner: claims due jobs from the outbox (`domain::outbox`) under a lease, runs each
//! with the handler of its kind, and records how it went — done, retried later with
//! exponential backoff and jitter, or given up on (`dead`) after its last attempt, its error
//! kept. Several servers on one PostgreSQL database claim with `FOR UPDATE SKIP LOCKED`, so a
//! job is held by one runner at a time; on SQLite the claim is one write transaction.

pub mod backoff;
pub mod claim;
pub mod heartbeat;
pub mod schedule;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::watch;

use crate::db::Db;
use crate::entities::job::{self, JobState};
use crate::error::Result;
pub use heartbeat::Heartbeat;

/// What a handler's run gives: `Err` when it failed, saying why and when to try again.
pub type Outcome = std::result::Result<(), Failure>;

/// A failed run: the message kept on the job, and what happens next.
#[derive(Debug)]
pub struct Failure {
    pub error: String,
    pub retry: Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Later, by [`backoff::delay`] (exponential, with jitter).
    Backoff,
    /// After this long (a webhook's own schedule, or the receiver's `Retry-After`).
    After(Duration),
    /// Never: the job is given up on now (the endpoint is gone).
    Never,
}

impl Failure {
    pub fn retry_after(error: impl Into<String>, after: Duration) -> Failure {
        Failure {
            error: error.into(),
            retry: Retry::After(after),
        }
    }

    pub fn give_up(error: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            retry: Retry::Never,
        }
    }
}

impl<E: Into<String>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure {
            error: error.into(),
            retry: Retry::Backoff,
        }
    }
}

/// Does the jobs of one kind. A job may run more than once (its runner died after the work
/// and before recording it), so a handler makes a repeat harmless (a stable webhook id, a
/// mail's Message-ID).
pub trait Handler: Send + Sync {
    fn run<'a>(&'a self, job: &'a job::Model) -> Run<'a>;
}

/// One run of a handler: boxed, so that the handlers of every kind fit one map.
pub type Run<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

pub struct Runner {
    db: Db,
    /// This runner's name in `locked_by`.
    id: String,
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
    /// How long a claimed job is ours; a runner that died lets it go after this.
    pub lease: Duration,
    /// Jobs claimed at once.
    pub batch: u64,
    /// How long the runner sleeps when no job is due.
    pub poll: Duration,
    /// Beaten every time round the loop and before each job, for `/readyz`.
    pub heartbeat: Option<Heartbeat>,
}

/// A delay as chrono's, at most thirty days (a receiver's `Retry-After` is not trusted further).
fn bounded(after: Duration) -> chrono::Duration {
    let cap = Duration::from_secs(30 * 24 * 3600);
    chrono::Duration::from_std(after.min(cap)).unwrap_or_default()
}

impl Runner {
    pub fn new(db: Db) -> Runner {
        Runner {
            db,
            id: format!("{}:{}", std::process::id(), uuid::Uuid::new_v4()),
            handlers: HashMap::new(),
            lease: Duration::from_secs(60),
            batch: 20,
            poll: Duration::from_secs(1),
            heartbeat: None,
        }
    }

    pub fn handle(mut self, kind: &'static str, handler: Arc<dyn Handler>) -> Runner {
        self.handlers.insert(kind, handler);
        self
    }

    /// Claims the due jobs and runs them; how many ran.
    pub async fn run_once(&self) -> Result<usize> {
        let (_never, stop) = watch::channel(false);
        self.run_claimed(&stop).await
    }

    /// Runs due jobs, then every `poll` while none are, until `stop` turns true. The job
    /// running then is finished; jobs claimed but not started are handed back at once
    /// rather than left to their lease, so another server takes them without waiting.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(runner = %self.id, "job runner started");
        while !*stop.borrow() {
            self.beat();
            match self.run_claimed(&stop).await {
                // More may be due already.
                Ok(ran) if ran > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "job runner could not claim; trying again"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!(runner = %self.id, "job runner stopped");
    }

    async fn run_claimed(&self, stop: &watch::Receiver<bool>) -> Result<usize> {
        let jobs = claim::claim(&self.db, &self.id, self.lease, self.batch).await?;
        for (i, job) in jobs.iter().enumerate() {
            if *stop.borrow() {
                claim::release(&self.db, &self.id, &jobs[i..]).await?;
                return Ok(i);
            }
            self.beat();
            // A run must end within its lease, or another runner would take the job over
            // while it still runs.
            let outcome = match self.handlers.get(job.kind.as_str()) {
                Some(handler) => tokio::time::timeout(self.lease / 2, handler.run(job))
                    .await
                    .unwrap_or_else(|_| Err("the run took longer than half its lease".into())),
                None => Err(format!("no handler for jobs of kind {}", job.kind).into()),
            };
            self.record(job, outcome).await?;
        }
        Ok(jobs.len())
    }

    fn beat(&self) {
        if let Some(pulse) = &self.heartbeat {
            pulse.beat();
        }
    }

    /// Records a run, if the job is still ours (a run past its lease may have been taken over).
    async fn record(&self, job: &job::Model, outcome: Outcome) -> Result<()> {
        let now = Utc::now();
        let mut update = job::Entity::update_many()
            .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now));
        let failed = outcome.is_err();
        update = match outcome {
            Ok(()) => update.col_expr(job::Column::State, Expr::value(JobState::Done)),
            Err(Failure { error, retry }) => {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed");
                let last = job.attempts >= job.max_attempts || retry == Retry::Never;
                let state = if last {
                    JobState::Dead
                } else {
                    JobState::Pending
                };
                let later = match retry {
                    Retry::After(after) => now + bounded(after),
                    Retry::Backoff | Retry::Never => now + backoff::delay(job.attempts),
                };
                update
                    .col_expr(job::Column::State, Expr::value(state))
                    .col_expr(job::Column::RunAt, Expr::value(later))
                    .col_expr(job::Column::LastError, Expr::value(Some(error)))
            }
        };
        let txn = self.db.begin_write().await?;
        update
            .filter(job::Column::Id.eq(job.id))
            .filter(job::Column::LockedBy.eq(self.id.as_str()))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        if failed {
            crate::telemetry::counters::job_failed(&job.kind);
        }
        Ok(())
    }
}
