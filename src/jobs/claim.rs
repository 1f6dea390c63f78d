//! Claiming due jobs: one conditional update that marks them `running` under this runner's
//! lease and returns them. On PostgreSQL its subquery takes the rows `FOR UPDATE SKIP
//! LOCKED`, so runners on other servers claim other jobs instead of waiting or sharing; on
//! SQLite the write transaction (one writer at a time) gives the same.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};

use crate::db::Db;
use crate::entities::job;
use crate::error::Result;

/// Said of a job whose last run's runner died holding it and which has no attempt left.
const LOST: &str = "its runner stopped during the last attempt";

/// Marks up to `batch` due jobs as this runner's until the lease ends, and returns them: jobs
/// pending whose time has come, and jobs whose runner's lease ran out (it died). A job with
/// no attempt left whose runner died is given up on instead.
pub async fn claim(db: &Db, runner: &str, lease: Duration, batch: u64) -> Result<Vec<job::Model>> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
    let backend = db.backend();
    let (p, lock) = match backend {
        DbBackend::Postgres => (
            postgres_params as fn(usize) -> String,
            " FOR UPDATE SKIP LOCKED",
        ),
        _ => (sqlite_params as fn(usize) -> String, ""),
    };
    let txn = db.begin_write().await?;
    let lost = format!(
        "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, last_error = {}, \
         updated_at = {} WHERE state = 'running' AND locked_until < {} \
         AND attempts >= max_attempts",
        p(1),
        p(2),
        p(3)
    );
    let values: Vec<Value> = vec![LOST.into(), now.into(), now.into()];
    txn.execute_raw(Statement::from_sql_and_values(backend, lost, values))
        .await?;
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = {runner}, locked_until = {until}, \
         attempts = attempts + 1, updated_at = {now} \
         WHERE id IN (SELECT id FROM jobs \
           WHERE attempts < max_attempts AND ((state = 'pending' AND run_at <= {now2}) \
             OR (state = 'running' AND locked_until < {now3})) \
           ORDER BY run_at, id LIMIT {limit}{lock}) \
         RETURNING *",
        runner = p(1),
        until = p(2),
        now = p(3),
        now2 = p(4),
        now3 = p(5),
        limit = p(6),
    );
    let values: Vec<Value> = vec![
        runner.into(),
        until.into(),
        now.into(),
        now.into(),
        now.into(),
        (batch as i64).into(),
    ];
    let claimed = job::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(&*txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

/// Hands back jobs this runner claimed but did not start (it is stopping): due again at once,
/// their claim not counted as an attempt.
pub async fn release(db: &Db, runner: &str, jobs: &[job::Model]) -> Result<()> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ExprTrait, QueryFilter};

    if jobs.is_empty() {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(job::JobState::Pending))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).sub(1),
        )
        .filter(job::Column::Id.is_in(jobs.iter().map(|j| j.id)))
        .filter(job::Column::LockedBy.eq(runner))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

fn postgres_params(n: usize) -> String {
    format!("${n}")
}

fn sqlite_params(_: usize) -> String {
    "?".into()
}
