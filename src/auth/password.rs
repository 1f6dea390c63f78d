//! argon2id password hashing, on dedicated low-priority threads so it never stalls the async
//! workers.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::oneshot;

use crate::error::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// One hashing thread per core: more would only hold more 19 MiB blocks at once. The threads
/// run at a lower CPU priority (nice 10) than the async workers, so that when sign-ins saturate
/// the CPU, requests still get it first (measured in docs/PERFORMANCE.md: reads' p99 during
/// sign-ins), while an otherwise idle machine still gives hashing every core.
fn hashers() -> &'static Mutex<mpsc::Sender<Job>> {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..cores {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking job loses its answer (the caller gets an error),
                            // not the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("could not start hashing thread: {e}");
            }
        }
        Mutex::new(tx)
    })
}

/// nice 10 for the calling thread (on Linux the nice value is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; 0 names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    hashers()
        .lock()
        .map_err(|_| Error::Internal(anyhow::anyhow!("hashing queue poisoned")))?
        .send(job)
        .map_err(|_| Error::Internal(anyhow::anyhow!("no hashing thread")))?;
    rx.await
        .map_err(|_| Error::Internal(anyhow::anyhow!("hashing thread stopped")))
}

/// Hashes with argon2id and OWASP's parameters (19 MiB, t=2, p=1), with a fresh salt.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    on_hashing_thread(move || {
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
    on_hashing_thread(move || {
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
