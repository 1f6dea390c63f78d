//! What every request handler shares: the database, the token keys and per-server settings.
//! In its own module so that the interfaces (`api`, `admin`) depend on it without depending on
//! `app`, which assembles them.

use std::sync::Arc;

use crate::auth::tokens::TokenKeys;
use crate::db::Db;
use crate::domain::proofs::ProofStore;
use crate::domain::statements::CsvProfile;

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Cloned for every request (each handler and middleware that takes `State` gets its own), so
/// it is one `Arc`: a clone is one atomic increment, not one per field and a copy of each
/// string.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }

    /// The shared state to change, while nothing else holds it (before the server starts).
    pub fn get_mut(&mut self) -> Option<&mut Shared> {
        Arc::get_mut(&mut self.0)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
    /// Whether `X-Forwarded-For` names the client (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// Whether webhook endpoints may be on loopback, private or link-local addresses
    /// (`TOLLGATE_WEBHOOK_ALLOW_PRIVATE`), checked when staff register one.
    pub webhook_allow_private: bool,
    /// The operator's CSV statement profiles (`TOLLGATE_STATEMENT_PROFILES`), beside the
    /// built-in ones.
    pub statement_profiles: Arc<Vec<CsvProfile>>,
    /// How long a pending payment may wait with no statement line before it is highlighted.
    pub reconcile_stale_after: chrono::Duration,
    /// Where payment proofs are stored, and their size limit.
    pub proofs: ProofStore,
    /// Card and PayPal, where their keys are set.
    pub providers: crate::providers::Configured,
    /// The address customers reach this server at (`TOLLGATE_PUBLIC_URL`), for the links
    /// providers send them back to.
    pub public_url: String,
    /// Who issues the documents (`TOLLGATE_SELLER_*`): the seller block of every PDF.
    pub seller: Arc<crate::documents::Party>,
}
