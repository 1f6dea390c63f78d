//! Idempotency keys: the first answer to a request sent with a key is stored, and the same
//! request with the same key gets that answer again instead of doing the work twice.
//!
//! A request that changes something writes its answer into its key *inside the transaction
//! that does the work* (a [`Seal`]): a committed change always has its stored answer, and an
//! uncommitted one has none. A key is claimed with a lease: if its request dies (a crash, a
//! kill -9) before sealing, nothing it did was kept, and once the lease has run out a retry
//! takes the key over and runs afresh. The seal is conditional on the claim still being the
//! request's own, so a request that outlived its lease and was taken over rolls back instead
//! of doing the work a second time.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult,
};

use crate::db::Db;
use crate::entities::idempotency_key as row;
use crate::error::{Error, Result};

/// How long a key is remembered.
pub const KEY_TTL_HOURS: i64 = 24;
/// How long a claimed key waits for its request to seal or answer before a retry may take it
/// over (far longer than any request takes; see the module comment for why a late one is safe).
pub const LEASE_SECONDS: i64 = 10;
const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use (or a stale claim taken over): do the work, sealing it with this key's id.
    Fresh(i64),
    /// Answered before: send this again.
    Replay { status: u16, body: String },
    /// The key was used with a different request.
    Mismatch,
    /// Another request with this key is being worked on right now.
    InProgress,
}

/// A stored answer: a status code and the body sent with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Claims `key` for `scope` (a unique insert: of concurrent requests exactly one gets `Fresh`).
pub async fn claim(db: &Db, scope: &str, key: &str, fingerprint: &str) -> Result<Claim> {
    for _ in 0..3 {
        let txn = db.begin_write().await?;
        let now = Utc::now();
        let inserted = row::Entity::insert(row::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            state: Set(IN_PROGRESS.into()),
            status_code: Set(None),
            response_body: Set(None),
            created_at: Set(now),
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
        let expired = existing.created_at < now - Duration::hours(KEY_TTL_HOURS);
        let abandoned = existing.state == IN_PROGRESS
            && existing.created_at < now - Duration::seconds(LEASE_SECONDS);
        if expired || abandoned {
            // Forget it and claim afresh. Deleting the row (not updating it) gives the new
            // claim a new id, so the old request's seal finds nothing and rolls back.
            row::Entity::delete_many()
                .filter(row::Column::Id.eq(existing.id))
                .filter(row::Column::State.eq(existing.state))
                .exec(&*txn)
                .await?;
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

/// Stores the answer of a claim that is still in progress: a request that changed nothing
/// (refused, invalid, not found). A claim already sealed keeps its sealed answer.
pub async fn complete(db: &Db, id: i64, answer: Answer) -> Result<()> {
    let txn = db.begin_write().await?;
    store(&*txn, id, answer).await?;
    txn.commit().await?;
    Ok(())
}

/// `true` when the claim was still in progress and now holds `answer`.
async fn store<C: ConnectionTrait>(txn: &C, id: i64, answer: Answer) -> Result<bool> {
    let stored = row::Entity::update_many()
        .col_expr(row::Column::State, DONE.into())
        .col_expr(row::Column::StatusCode, i32::from(answer.status).into())
        .col_expr(row::Column::ResponseBody, answer.body.into())
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(IN_PROGRESS))
        .exec(txn)
        .await?;
    Ok(stored.rows_affected == 1)
}

/// Forgets a claim whose work failed on the server's side (and so changed nothing): the client
/// may retry with the same key. A sealed claim is kept.
pub async fn release(db: &Db, id: i64) -> Result<()> {
    let txn = db.begin_write().await?;
    row::Entity::delete_many()
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(IN_PROGRESS))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets keys older than their time to live (housekeeping). Returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let txn = db.begin_write().await?;
    let gone = row::Entity::delete_many()
        .filter(row::Column::CreatedAt.lt(Utc::now() - Duration::hours(KEY_TTL_HOURS)))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(gone)
}

type Render<'a, T> = Box<dyn Fn(&T) -> Answer + Send + Sync + 'a>;

/// How a state change stores its request's answer in the request's idempotency key, inside the
/// change's own transaction. Interfaces without keys (the panel, the CLI) pass [`Seal::none`].
pub struct Seal<'a, T> {
    claim: Option<(i64, Render<'a, T>)>,
}

impl<'a, T> Seal<'a, T> {
    pub fn none() -> Self {
        Seal { claim: None }
    }

    /// Seals claim `id` with the answer `render` makes of the change's outcome.
    pub fn new(id: i64, render: impl Fn(&T) -> Answer + Send + Sync + 'a) -> Self {
        Seal {
            claim: Some((id, Box::new(render))),
        }
    }

    /// Called by the domain just before it commits `txn`: writes the answer, or refuses (and so
    /// rolls the change back) when a retry has taken the key over meanwhile.
    pub async fn write<C: ConnectionTrait>(&self, txn: &C, outcome: &T) -> Result<()> {
        let Some((id, render)) = &self.claim else {
            return Ok(());
        };
        if store(txn, *id, render(outcome)).await? {
            Ok(())
        } else {
            Err(Error::Conflict(
                "A retry with this Idempotency-Key took over this request; nothing was changed \
                 by it."
                    .into(),
            ))
        }
    }
}
