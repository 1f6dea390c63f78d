//! SQLite's write gate, with group commit.
//!
//! SQLite has one writer at a time, so writers queue here (FIFO) instead of spinning in its busy
//! handler. While one writer works, others queue; when it commits and someone is waiting, its
//! transaction is not committed yet but handed on: the next writer continues it inside a
//! `SAVEPOINT`, and so on, until a writer finds nobody waiting (or the group is full) and
//! commits the whole group at once. Each member is still atomic and isolated from the others'
//! failures — a member that fails rolls back to its savepoint, the rest commit — and no member's
//! `commit` returns before the group's COMMIT did, with that COMMIT's result: side effects that
//! follow a commit still follow a durable one. Under no contention nothing changes: a lone
//! writer runs a plain `BEGIN IMMEDIATE … COMMIT`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// Members of one group at most: each member's reply waits for the group's COMMIT, so an
/// unbounded group under steady load would make the first member wait without end.
const MAX_GROUP: usize = 32;
/// How often a member waiting for its group's COMMIT checks that someone will still make it
/// (a writer it was handed to may have been cancelled before it took the gate).
const STALL_CHECK: Duration = Duration::from_millis(20);

#[derive(Debug, Default)]
pub struct WriteGate {
    group: Arc<Mutex<Group>>,
    /// Writers queued on `group`'s lock: a committing writer hands the transaction on only
    /// when someone is there to take it.
    waiting: AtomicUsize,
    /// Group COMMITs run, and transactions they carried (for `stats`).
    commits: AtomicU64,
    members: AtomicU64,
}

/// The open group: its transaction, between two writers, and the members already released
/// into it, each waiting for the COMMIT's outcome.
#[derive(Debug, Default)]
struct Group {
    txn: Option<DatabaseTransaction>,
    waiters: Vec<oneshot::Sender<Result<(), String>>>,
}

/// Group commits so far: COMMITs run, the write transactions they carried, and the writers
/// queued at the gate now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateStats {
    pub commits: u64,
    pub transactions: u64,
    pub waiting: usize,
}

/// A writer's turn at the gate: the group's lock, and whether this writer began the group's
/// transaction (it then holds it itself) or continues it in a savepoint. Dropped without
/// `commit`, it lets the gate go after its transaction's rollback was queued (`WriteTxn` drops
/// its transaction first); the group, if any, goes on without it.
pub struct Turn {
    leads: bool,
    guard: Option<OwnedMutexGuard<Group>>,
    gate: Arc<WriteGate>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            self.gate.close_if_unattended(guard);
        }
    }
}

impl WriteGate {
    pub fn stats(&self) -> GateStats {
        GateStats {
            commits: self.commits.load(Ordering::Relaxed),
            transactions: self.members.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Acquire),
        }
    }

    /// Waits for the gate, then either joins the open group (a savepoint inside its
    /// transaction) or begins a new one (`BEGIN IMMEDIATE`).
    pub async fn enter(
        self: &Arc<Self>,
        conn: &DatabaseConnection,
    ) -> Result<(DatabaseTransaction, Turn), DbErr> {
        let mut guard = {
            let _queued = Queued::new(&self.waiting);
            self.group.clone().lock_owned().await
        };
        let (txn, leads) = match guard.txn.take() {
            Some(group) => {
                let savepoint = group.begin().await;
                guard.txn = Some(group);
                match savepoint {
                    Ok(savepoint) => (savepoint, false),
                    Err(e) => {
                        self.close_if_unattended(guard);
                        return Err(e);
                    }
                }
            }
            None => {
                let options = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                };
                (conn.begin_with_options(options).await?, true)
            }
        };
        let turn = Turn {
            leads,
            guard: Some(guard),
            gate: self.clone(),
        };
        Ok((txn, turn))
    }

    /// Commits the open group, if any, and tells its members.
    async fn commit_group(&self, group: &mut Group) {
        let Some(txn) = group.txn.take() else {
            return;
        };
        let result = txn.commit().await.map_err(|e| e.to_string());
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.members
            .fetch_add(group.waiters.len() as u64, Ordering::Relaxed);
        for waiter in group.waiters.drain(..) {
            let _ = waiter.send(result.clone());
        }
    }

    /// Lets go of the gate. Members waiting for a COMMIT that no queued writer will make get
    /// it from a task of their own.
    fn close_if_unattended(self: &Arc<Self>, guard: OwnedMutexGuard<Group>) {
        let unattended = guard.txn.is_some() && self.waiting.load(Ordering::Acquire) == 0;
        drop(guard);
        // Outside a runtime (a transaction dropped as the process ends) there is nobody left
        // to tell, and the open transaction rolls back with its connection.
        if let (true, Ok(runtime)) = (unattended, tokio::runtime::Handle::try_current()) {
            let gate = self.clone();
            runtime.spawn(async move { gate.flush().await });
        }
    }

    async fn flush(&self) {
        let mut group = self.group.lock().await;
        self.commit_group(&mut group).await;
    }
}

impl Turn {
    /// Commits `txn`, this turn's work: at once when nobody is waiting, else with the group.
    pub async fn commit(mut self, txn: DatabaseTransaction) -> Result<(), DbErr> {
        let gate = self.gate.clone();
        let Some(mut guard) = self.guard.take() else {
            return txn.commit().await;
        };
        let hand_on = gate.waiting.load(Ordering::Acquire) > 0 && guard.waiters.len() < MAX_GROUP;
        if self.leads && !hand_on {
            // Alone: a plain COMMIT, as without grouping.
            let result = txn.commit().await;
            gate.commits.fetch_add(1, Ordering::Relaxed);
            gate.members.fetch_add(1, Ordering::Relaxed);
            return result;
        }
        if self.leads {
            guard.txn = Some(txn);
        } else if let Err(e) = txn.commit().await {
            // RELEASE failed: this member's work is rolled back to its savepoint (dropping it
            // did that); the group goes on without it.
            gate.close_if_unattended(guard);
            return Err(e);
        }
        let (tell, outcome) = oneshot::channel();
        guard.waiters.push(tell);
        if hand_on {
            drop(guard);
            return wait_for_group(&gate, outcome).await;
        }
        gate.commit_group(&mut guard).await;
        drop(guard);
        outcome_of(outcome.await)
    }
}

/// A member's wait for its group's COMMIT. The writer it handed the transaction to normally
/// makes it; should that writer have been cancelled before it took the gate, the member takes
/// the gate itself and commits.
async fn wait_for_group(
    gate: &Arc<WriteGate>,
    mut outcome: oneshot::Receiver<Result<(), String>>,
) -> Result<(), DbErr> {
    loop {
        tokio::select! {
            result = &mut outcome => return outcome_of(result),
            () = tokio::time::sleep(STALL_CHECK) => {
                if gate.waiting.load(Ordering::Acquire) == 0 {
                    gate.flush().await;
                }
            }
        }
    }
}

fn outcome_of(result: Result<Result<(), String>, oneshot::error::RecvError>) -> Result<(), DbErr> {
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(DbErr::Custom(format!("group commit failed: {e}"))),
        Err(_) => Err(DbErr::Custom("group commit abandoned".into())),
    }
}

/// Counts a writer as queued until it takes the gate or is cancelled while waiting.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::AcqRel);
        Queued(waiting)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
