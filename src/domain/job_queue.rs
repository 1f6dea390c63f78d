//! Staff's view of the outbox's jobs (`domain::outbox` writes them, the top-level `jobs` runs them):
//! the list with its state filter, one job, and "retry now". A job's payload is never shown —
//! it may hold a password-reset token — only its kind, key, attempts and last error.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait,
};
use serde_json::json;

use crate::db::Db;
use crate::domain::page::{Counts, ListSpec, Listing, Page, PageRequest, choice, list_spec};
use crate::domain::staff::StaffActor;
use crate::domain::{audit, found};
use crate::entities::job::{self, JobState};
use crate::entities::status::TextEnum;
use crate::error::{Error, Result};

const NAME: &str = "Job";

/// Which jobs a re-arm applies to.
pub(crate) enum JobRef<'a> {
    Id(i64),
    Key(&'a str),
}

/// How a re-arm went.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rearmed {
    /// Pending and due now, its attempts counted afresh.
    Yes,
    /// The job is in a state it may not be re-armed from (running, usually).
    NotNow(JobState),
    Missing,
}

/// Makes a job pending and due now with its attempts reset, so it gets a whole new run of
/// attempts — if it is in one of the `from` states (never while a runner holds it).
pub(crate) async fn rearm<C: ConnectionTrait>(
    conn: &C,
    which: JobRef<'_>,
    from: &[JobState],
) -> Result<Rearmed> {
    let now = Utc::now();
    let select = |q: sea_orm::UpdateMany<job::Entity>| match which {
        JobRef::Id(id) => q.filter(job::Column::Id.eq(id)),
        JobRef::Key(key) => q.filter(job::Column::UniqueKey.eq(key)),
    };
    let update = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Pending))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::State.is_in(from.iter().copied()));
    if select(update).exec(conn).await?.rows_affected == 1 {
        return Ok(Rearmed::Yes);
    }
    let current = job::Entity::find().apply_if(Some(()), |q, ()| match which {
        JobRef::Id(id) => q.filter(job::Column::Id.eq(id)),
        JobRef::Key(key) => q.filter(job::Column::UniqueKey.eq(key)),
    });
    Ok(match current.one(conn).await? {
        Some(j) => Rearmed::NotNow(j.state),
        None => Rearmed::Missing,
    })
}

#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    /// pending, running, done or dead.
    pub state: Option<String>,
    /// Searches kind, key and last error.
    pub listing: Listing,
}

const JOBS: ListSpec<job::Entity> = list_spec! {
    job: search [Kind, UniqueKey, LastError],
    sorts ["id" Id, "kind" Kind, "state" State, "attempts" Attempts, "run_at" RunAt],
    default "-id", ties [Id Desc]
};

/// A page of jobs, with how many of each state the search finds.
pub async fn list_jobs(
    db: &Db,
    f: &JobFilter,
    req: PageRequest,
) -> Result<(Page<job::Model>, Counts)> {
    let state: Option<JobState> = choice(&f.state, "state")?;
    let filtered = |by_state: bool| {
        Ok(
            job::Entity::find().apply_if(state.filter(|_| by_state), |q, s| {
                q.filter(job::Column::State.eq(s))
            }),
        )
    };
    JOBS.list_counted(filtered, job::Column::State, None, &f.listing, db, req)
        .await
}

pub async fn get_job(db: &Db, id: i64) -> Result<job::Model> {
    found(db.conn(), id, NAME).await
}

/// "Retry now": a dead job, or a pending one waiting for its next attempt, runs again at once
/// with a fresh count of attempts.
pub async fn retry_now(db: &Db, actor: &StaffActor, id: i64) -> Result<job::Model> {
    let txn = db.begin_write().await?;
    let before: job::Model = found(&*txn, id, NAME).await?;
    match rearm(&*txn, JobRef::Id(id), &[JobState::Pending, JobState::Dead]).await? {
        Rearmed::Yes => {}
        Rearmed::NotNow(state) => {
            return Err(Error::Conflict(format!(
                "Only pending or dead jobs can be retried; this one is {}.",
                state.text()
            )));
        }
        Rearmed::Missing => return Err(Error::NotFound(format!("{NAME} not found"))),
    }
    let after: job::Model = found(&*txn, id, NAME).await?;
    let view = |j: &job::Model| {
        json!({"kind": j.kind, "state": j.state.text(), "attempts": j.attempts,
               "run_at": j.run_at})
    };
    let changes = [(id, Some(&view(&before)), &view(&after))];
    audit::commit_changes(txn, actor.id(), "job.retry_now", "job", changes).await?;
    Ok(after)
}

/// How many jobs wait to run, by kind (the queue depth `/metrics` reports): one grouped
/// count the database does over the `(state, run_at)` index.
pub async fn pending_by_kind(db: &Db) -> Result<Vec<(String, i64)>> {
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        pending: i64,
    }
    let rows = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column_as(job::Column::Id.count(), "pending")
        .filter(job::Column::State.eq(JobState::Pending))
        .group_by(job::Column::Kind)
        .into_model::<Row>()
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().map(|r| (r.kind, r.pending)).collect())
}

/// Forgets finished jobs of `kind` last touched before `before` (housekeeping: the lifecycle's
/// tick jobs, one a minute, are worth nothing once done). Returns how many.
pub async fn purge_done(db: &Db, kind: &str, before: chrono::DateTime<Utc>) -> Result<u64> {
    let purged = job::Entity::delete_many()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::State.eq(JobState::Done))
        .filter(job::Column::UpdatedAt.lt(before))
        .exec(db.conn())
        .await?;
    Ok(purged.rows_affected)
}
