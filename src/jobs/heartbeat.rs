//! The job runner's pulse, for `/readyz`. Kept in memory, per process: readiness is asked of
//! one server, and what matters is whether *its* runner is still going round its loop. (A
//! `tollgate worker` serves no probe; its liveness is its process supervisor's business.) A
//! database row would let servers see each other's workers, but would make every poll a
//! write and tie the answer to the database the other check already covers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When the runner last came round. Cheap to clone; all clones share one pulse.
#[derive(Clone, Debug)]
pub struct Heartbeat {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// A monotonic origin: the wall clock may jump, and must not make a runner look dead.
    origin: Instant,
    /// Milliseconds after `origin` of the last beat.
    last: AtomicU64,
    stale_after: Duration,
}

impl Heartbeat {
    /// A pulse that is stale after `stale_after` without a beat; it beats now (the runner
    /// may take a moment to start).
    pub fn new(stale_after: Duration) -> Heartbeat {
        Heartbeat {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                last: AtomicU64::new(0),
                stale_after,
            }),
        }
    }

    /// For a runner polling every `poll` whose runs are cut off at half their `lease`: the
    /// longest a healthy loop goes between two beats is one run or one sleep, plus the claim
    /// and record queries — allowed three polls on top.
    pub fn for_runner(poll: Duration, lease: Duration) -> Heartbeat {
        Heartbeat::new(lease / 2 + poll.max(Duration::from_millis(10)) * 3)
    }

    pub fn beat(&self) {
        let now = self.inner.origin.elapsed().as_millis();
        self.inner
            .last
            .store(u64::try_from(now).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Time since the last beat.
    pub fn silence(&self) -> Duration {
        let last = Duration::from_millis(self.inner.last.load(Ordering::Relaxed));
        self.inner.origin.elapsed().saturating_sub(last)
    }

    pub fn is_stale(&self) -> bool {
        self.silence() > self.inner.stale_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_only_after_the_allowed_silence() {
        let pulse = Heartbeat::new(Duration::from_millis(30));
        assert!(!pulse.is_stale());
        std::thread::sleep(Duration::from_millis(60));
        assert!(pulse.is_stale());
        pulse.clone().beat();
        assert!(!pulse.is_stale(), "clones share the pulse");
    }
}
