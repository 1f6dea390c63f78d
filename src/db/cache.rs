//! Reference data kept in memory: the payment-method configuration (read on every sign-up form
//! and by `GET payment-methods`) and the credit costs (read by every credit spend). Both change
//! only when staff edit them.
//!
//! Each server drops its copies when its own staff edit commits (so the change shows at once),
//! and re-reads them at least every `TTL` (so edits made through another server sharing the
//! database, or straight in the database, show within that time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::entities::status::PaymentMethod;
use crate::entities::{credit_cost, payment_method_config as pmc};

pub const TTL: Duration = Duration::from_secs(2);

/// One cached list, with the moment it was loaded.
#[derive(Debug)]
pub struct Slot<T> {
    rows: RwLock<Option<(Instant, Arc<Vec<T>>)>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            rows: RwLock::new(None),
        }
    }
}

impl<T> Slot<T> {
    /// The cached rows, while fresh.
    pub fn get(&self) -> Option<Arc<Vec<T>>> {
        let guard = self.rows.read().ok()?;
        let (loaded, rows) = guard.as_ref()?;
        (loaded.elapsed() < TTL).then(|| rows.clone())
    }

    fn put(&self, rows: Arc<Vec<T>>) {
        if let Ok(mut guard) = self.rows.write() {
            *guard = Some((Instant::now(), rows));
        }
    }

    fn clear(&self) {
        if let Ok(mut guard) = self.rows.write() {
            *guard = None;
        }
    }
}

#[derive(Debug, Default)]
pub struct CatalogCache {
    pub methods: Slot<pmc::Model>,
    pub costs: Slot<credit_cost::Model>,
    /// Bumped by every invalidation; a load that started before one is not stored.
    generation: AtomicU64,
    /// Methods whose provider this server has no keys for (card, PayPal): read as disabled
    /// wherever the configuration is, so they are neither listed nor taken at sign-up.
    unconfigured: RwLock<Vec<PaymentMethod>>,
}

impl CatalogCache {
    /// The generation to pass to `store` after loading.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps rows loaded at `generation` in `slot`, unless an edit invalidated the cache
    /// meanwhile.
    pub fn store<T>(&self, slot: &Slot<T>, generation: u64, rows: Arc<Vec<T>>) {
        if self.generation.load(Ordering::Acquire) == generation {
            slot.put(rows);
        }
    }

    /// Which methods this server cannot take (set once at start).
    pub fn set_unconfigured(&self, methods: Vec<PaymentMethod>) {
        if let Ok(mut guard) = self.unconfigured.write() {
            *guard = methods;
        }
        self.invalidate();
    }

    /// Whether `method`'s provider has no keys here.
    pub fn is_unconfigured(&self, method: PaymentMethod) -> bool {
        self.unconfigured
            .read()
            .is_ok_and(|methods| methods.contains(&method))
    }

    /// Forgets every copy; call after an edit commits.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.methods.clear();
        self.costs.clear();
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
        cache.store(&cache.methods, before_edit, Arc::new(vec![]));
        assert!(cache.methods.get().is_none());
        let now = cache.generation();
        cache.store(&cache.methods, now, Arc::new(vec![]));
        assert!(cache.methods.get().is_some());
        cache.invalidate();
        assert!(cache.methods.get().is_none(), "an edit drops the copy");
    }
}
