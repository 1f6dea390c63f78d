//! argon2id password hashing, run on the blocking pool so it never stalls the async workers.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// At most one hash per core at a time: more would only queue inside the blocking pool while
/// holding memory (19 MiB each), and would starve request handling of CPU.
fn hash_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores)
    })
}

async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _slot = hash_slots()
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(e.into()))
}

/// Hashes with argon2id and OWASP's parameters (19 MiB, t=2, p=1), with a fresh salt.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    on_blocking_pool(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await?
}

/// Checks a password against a stored PHC string. `None` hashes a dummy, so an unknown email
/// takes as long as a wrong password.
pub async fn verify(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    on_blocking_pool(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"tollgate-dummy-password")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
