use sea_orm::entity::prelude::*;

/// A side effect of a committed change — a mail, a webhook delivery — waiting to run, running,
/// done, or given up on (`dead`, with its last error).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What to do, e.g. `mail.payment_approved`; the runner's handler for it does it.
    pub kind: String,
    /// Enqueuing the same key again changes nothing, so a change enqueues its job once.
    #[sea_orm(unique)]
    pub unique_key: String,
    /// The job's input, as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub state: JobState,
    /// Runs started so far (a run that died with its runner counts too).
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not before; retries move it later.
    pub run_at: DateTimeUtc,
    /// The runner holding the job, until `locked_until` (its lease): after that another may.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

super::status::text_enum! {
    /// Where a job is: waiting (or waiting again, for a retry), held by a runner, done, or
    /// given up on.
    pub enum JobState {
        Pending = "pending",
        Running = "running",
        Done = "done",
        Dead = "dead",
    }
}

super::no_relations!();
