//! The job runner: claims due jobs from the outbox (`domain::outbox`) under a lease, runs each
//! with the handler of its kind, and records how it went — done, retried later with
//! exponential backoff and jitter, or given up on (`dead`) after its last attempt, its error
//! kept. Several servers on one PostgreSQL database claim with `FOR UPDATE SKIP LOCKED`, so a
//! job is held by one runner at a time; on SQLite the claim is one write transaction.

pub mod backoff;
pub mod claim;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::entities::job::{self, JobState};
use crate::error::Result;

/// What a handler's run gives: `Err` with a message to keep when it failed.
pub type Outcome = std::result::Result<(), String>;

/// Does the jobs of one kind. A job may run more than once (its runner died after the work
/// and before recording it), so a handler makes a repeat harmless (a stable webhook id, a
/// mail's Message-ID).
pub trait Handler: Send + Sync {
    fn run<'a>(&'a self, job: &'a job::Model)
    -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;
}

pub struct Runner {
    db: Db,
    /// This runner's name in `locked_by`.
    id: String,
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
    /// How long a claimed job is ours; a runner that died lets it go after this.
    pub lease: Duration,
    /// Jobs claimed at once.
    pub batch: u64,
}

impl Runner {
    pub fn new(db: Db) -> Runner {
        Runner {
            db,
            id: format!("{}:{}", std::process::id(), uuid::Uuid::new_v4()),
            handlers: HashMap::new(),
            lease: Duration::from_secs(60),
            batch: 20,
        }
    }

    pub fn handle(mut self, kind: &'static str, handler: Arc<dyn Handler>) -> Runner {
        self.handlers.insert(kind, handler);
        self
    }

    /// Claims the due jobs and runs them; how many ran.
    pub async fn run_once(&self) -> Result<usize> {
        let jobs = claim::claim(&self.db, &self.id, self.lease, self.batch).await?;
        for job in &jobs {
            let outcome = match self.handlers.get(job.kind.as_str()) {
                Some(handler) => handler.run(job).await,
                None => Err(format!("no handler for jobs of kind {}", job.kind)),
            };
            self.record(job, outcome).await?;
        }
        Ok(jobs.len())
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
        update = match outcome {
            Ok(()) => update.col_expr(job::Column::State, Expr::value(JobState::Done)),
            Err(error) => {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed");
                let state = if job.attempts >= job.max_attempts {
                    JobState::Dead
                } else {
                    JobState::Pending
                };
                let later = now + backoff::delay(job.attempts);
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
        Ok(())
    }
}
