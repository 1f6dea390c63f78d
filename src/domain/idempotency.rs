//! Idempotency keys: the first answer to a request sent with a key is stored, and the same
//! request with the same key gets that answer again instead of doing the work twice.

use chrono::{Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TryInsertResult};

use crate::db::Db;
use crate::entities::idempotency_key as row;
use crate::error::Result;

/// How long a key is remembered.
pub const KEY_TTL_HOURS: i64 = 24;
const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: do the work, then `complete` (or `release` if it failed on our side).
    Fresh(i64),
    /// Answered before: send this again.
    Replay { status: u16, body: String },
    /// The key was used with a different request.
    Mismatch,
    /// Another request with this key is being worked on right now.
    InProgress,
}

/// Claims `key` for `scope` (a unique insert: of concurrent requests exactly one gets `Fresh`).
pub async fn claim(db: &Db, scope: &str, key: &str, fingerprint: &str) -> Result<Claim> {
    for _ in 0..2 {
        let txn = db.begin_write().await?;
        let inserted = row::Entity::insert(row::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            state: Set(IN_PROGRESS.into()),
            status_code: Set(None),
            response_body: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([row::Column::Scope, row::Column::Key])
        .exec(&*txn)
        .await?;
        if let TryInsertResult::Inserted(done) = inserted {
            txn.commit().await?;
            return Ok(Claim::Fresh(done.last_insert_id));
        }
        let existing = row::Entity::find()
            .filter(row::Column::Scope.eq(scope))
            .filter(row::Column::Key.eq(key))
            .one(&*txn)
            .await?;
        let Some(existing) = existing else { continue };
        if existing.created_at < Utc::now() - Duration::hours(KEY_TTL_HOURS) {
            // Expired: forget it and claim afresh.
            row::Entity::delete_by_id(existing.id).exec(&*txn).await?;
            txn.commit().await?;
            continue;
        }
        drop(txn);
        return Ok(if existing.fingerprint != fingerprint {
            Claim::Mismatch
        } else if existing.state == DONE {
            Claim::Replay {
                status: existing.status_code.unwrap_or(200) as u16,
                body: existing.response_body.unwrap_or_default(),
            }
        } else {
            Claim::InProgress
        });
    }
    Ok(Claim::InProgress)
}

/// Stores the first answer.
pub async fn complete(db: &Db, id: i64, status: u16, body: String) -> Result<()> {
    let txn = db.begin_write().await?;
    row::Entity::update_many()
        .col_expr(row::Column::State, DONE.into())
        .col_expr(row::Column::StatusCode, i32::from(status).into())
        .col_expr(row::Column::ResponseBody, body.into())
        .filter(row::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets a claim whose work failed on the server's side (and so changed nothing): the client
/// may retry with the same key.
pub async fn release(db: &Db, id: i64) -> Result<()> {
    let txn = db.begin_write().await?;
    row::Entity::delete_by_id(id).exec(&*txn).await?;
    txn.commit().await?;
    Ok(())
}
