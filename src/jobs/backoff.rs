//! When a failed job runs again: exponentially later, with jitter so that jobs that failed
//! together (an SMTP server down) do not all come back at the same moment.

use rand::Rng;

/// The first retry's delay; each later one doubles it, up to [`MAX`].
const BASE_SECS: i64 = 5;
const MAX_SECS: i64 = 3600;

/// The delay after the `attempts`-th failed run (1 for the first): 5 s, 10 s, 20 s… up to an
/// hour, each moved by up to a fifth either way.
pub fn delay(attempts: i32) -> chrono::Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let secs = BASE_SECS.saturating_mul(1 << doublings).min(MAX_SECS);
    let jitter = rand::rng().random_range(-secs / 5..=secs / 5);
    chrono::Duration::seconds(secs + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_up_to_an_hour() {
        for _ in 0..100 {
            let first = delay(1).num_seconds();
            assert!((4..=6).contains(&first), "{first}");
            let fourth = delay(4).num_seconds();
            assert!((32..=48).contains(&fourth), "{fourth}");
            let late = delay(30).num_seconds();
            assert!((2880..=4320).contains(&late), "{late}");
        }
    }
}
