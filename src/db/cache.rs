//! Reference data kept in memory: the payment-method configuration is read on every sign-up
//! form and by `GET payment-methods`, and changes only when staff edit it.
//!
//! Each server drops its copy when its own staff edit commits (so the change shows at once),
//! and re-reads it at least every `TTL` (so edits made through another server sharing the
//! database show within that time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::entities::payment_method_config as pmc;

pub const TTL: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct CatalogCache {
    methods: RwLock<Option<(Instant, Arc<Vec<pmc::Model>>)>>,
    /// Bumped by every invalidation; a load that started before one is not stored.
    generation: AtomicU64,
}

impl CatalogCache {
    /// The cached rows, while fresh.
    pub fn methods(&self) -> Option<Arc<Vec<pmc::Model>>> {
        let guard = self.methods.read().ok()?;
        let (loaded, rows) = guard.as_ref()?;
        (loaded.elapsed() < TTL).then(|| rows.clone())
    }

    /// The generation to pass to `store` after loading.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps rows loaded at `generation`, unless an edit invalidated the cache meanwhile.
    pub fn store(&self, generation: u64, rows: Arc<Vec<pmc::Model>>) {
        if let Ok(mut guard) = self.methods.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            *guard = Some((Instant::now(), rows));
        }
    }

    /// Forgets the rows; call after an edit commits.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut guard) = self.methods.write() {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_raced_an_edit_is_not_kept() {
        let cache = CatalogCache::default();
        let before_edit = cache.generation();
        cache.invalidate();
        cache.store(before_edit, Arc::new(vec![]));
        assert!(cache.methods().is_none());
        let now = cache.generation();
        cache.store(now, Arc::new(vec![]));
        assert!(cache.methods().is_some());
    }
}
