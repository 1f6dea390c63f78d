//! How a scheduled step walks the rows due for it: in id order, a page at a time, each row
//! in its own transaction, so that one row's failure neither stops the others nor undoes
//! them (it is logged, and tried again on the next tick).

use std::future::Future;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::db::Db;
use crate::error::Result;

/// Rows fetched at once.
const PAGE: u64 = 200;

/// Runs `step` for every id `due(after)` lists (ids above `after`, at most [`PAGE`], in
/// order); how many steps changed something.
pub(super) async fn each_due<D, DF, S, SF>(name: &str, due: D, step: S) -> Result<u64>
where
    D: Fn(i64) -> DF,
    DF: Future<Output = Result<Vec<i64>>>,
    S: Fn(i64) -> SF,
    SF: Future<Output = Result<bool>>,
{
    let mut after = 0;
    let mut done = 0;
    loop {
        let ids = due(after).await?;
        for &id in &ids {
            match step(id).await {
                Ok(true) => done += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(step = name, id, error = %e, "lifecycle step failed"),
            }
        }
        match ids.last() {
            Some(&last) if ids.len() as u64 == PAGE => after = last,
            _ => return Ok(done),
        }
    }
}

/// A page of the ids `query` finds above `after`, in id order: what a step's `due` returns.
pub(super) async fn page_of<E: EntityTrait>(
    db: &Db,
    query: Select<E>,
    id: E::Column,
    after: i64,
) -> Result<Vec<i64>> {
    Ok(query
        .select_only()
        .column(id)
        .filter(id.gt(after))
        .order_by_asc(id)
        .limit(PAGE)
        .into_tuple::<i64>()
        .all(db.conn())
        .await?)
}
