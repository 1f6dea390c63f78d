//! The transactional outbox: a state change that must be followed by a side effect (a mail, a
//! webhook) writes a job **in its own transaction**, so the job exists if and only if the
//! change committed. The job runner (the top-level `jobs` module) does the side effect afterwards.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;

use crate::entities::job::{self, JobState};
use crate::error::Result;

/// How many runs a job gets before it is given up on (`dead`).
pub const DEFAULT_ATTEMPTS: i32 = 8;

/// A job to enqueue.
pub struct NewJob {
    /// What to do, e.g. `mail.payment_approved`.
    pub kind: &'static str,
    /// Names the job once for all: the same change never enqueues it twice, e.g.
    /// `mail.payment_approved:payment:42`.
    pub key: String,
    pub payload: Value,
    /// Not before (now, for most).
    pub run_at: DateTime<Utc>,
    /// Runs before it is given up on.
    pub max_attempts: i32,
}

impl NewJob {
    /// A job of `kind` for `subject` (e.g. `payment:42`), to run at once.
    pub fn now(kind: &'static str, subject: &str, payload: Value) -> NewJob {
        NewJob {
            kind,
            key: format!("{kind}:{subject}"),
            payload,
            run_at: Utc::now(),
            max_attempts: DEFAULT_ATTEMPTS,
        }
    }

    pub fn attempts(self, max_attempts: i32) -> NewJob {
        NewJob {
            max_attempts,
            ..self
        }
    }
}

/// Writes the job inside the caller's transaction; a job with the same key already there
/// stays as it is.
pub async fn enqueue<C: ConnectionTrait>(txn: &C, new: NewJob) -> Result<()> {
    let now = Utc::now();
    let row = job::ActiveModel {
        kind: Set(new.kind.to_owned()),
        unique_key: Set(new.key),
        payload: Set(new.payload.to_string()),
        state: Set(JobState::Pending),
        attempts: Set(0),
        max_attempts: Set(new.max_attempts),
        run_at: Set(new.run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    job::Entity::insert(row)
        .on_conflict_do_nothing_on([job::Column::UniqueKey])
        .exec(txn)
        .await?;
    Ok(())
}
