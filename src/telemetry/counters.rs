//! The business counters, one function each, called by the one domain function that commits
//! the change (after its commit, so a rolled-back change is never counted). The recorder is
//! global: with none installed (the CLI's one-shot commands) these cost a relaxed load.

/// Payments approved by staff (API, panel, bulk, reconciliation): one per payment.
pub const PAYMENTS_APPROVED: &str = "payments_approved_total";
/// Payments rejected by staff: one per payment.
pub const PAYMENTS_REJECTED: &str = "payments_rejected_total";
/// Credits added by grants: trial, plan (subscription) and top-up (purchase) credits.
pub const CREDITS_GRANTED: &str = "credits_granted_total";
/// Credits charged by product usage.
pub const CREDITS_SPENT: &str = "credits_spent_total";
/// Sign-ins refused, by `reason`: `invalid_credentials` or `throttled`.
pub const LOGIN_FAILURES: &str = "login_failures_total";
/// Job runs that failed (each attempt), by `kind`.
pub const JOBS_FAILED: &str = "jobs_failed_total";

pub fn payments_approved(payments: usize) {
    metrics::counter!(PAYMENTS_APPROVED).increment(payments as u64);
}

pub fn payments_rejected(payments: usize) {
    metrics::counter!(PAYMENTS_REJECTED).increment(payments as u64);
}

pub fn credits_granted(credits: i64) {
    if let Ok(credits) = u64::try_from(credits) {
        metrics::counter!(CREDITS_GRANTED).increment(credits);
    }
}

pub fn credits_spent(credits: i64) {
    if let Ok(credits) = u64::try_from(credits) {
        metrics::counter!(CREDITS_SPENT).increment(credits);
    }
}

/// Why a sign-in was refused.
#[derive(Clone, Copy, Debug)]
pub enum LoginFailure {
    InvalidCredentials,
    Throttled,
}

pub fn login_failed(why: LoginFailure) {
    let reason = match why {
        LoginFailure::InvalidCredentials => "invalid_credentials",
        LoginFailure::Throttled => "throttled",
    };
    metrics::counter!(LOGIN_FAILURES, "reason" => reason).increment(1);
}

/// `kind` is one of the runner's registered kinds (or an unknown one it refused), a short
/// bounded set: safe as a label.
pub fn job_failed(kind: &str) {
    metrics::counter!(JOBS_FAILED, "kind" => kind.to_owned()).increment(1);
}

/// Registers the help texts shown by `/metrics`.
pub(crate) fn describe() {
    use metrics::describe_counter as d;
    d!(
        PAYMENTS_APPROVED,
        "Payments approved by staff, one per payment."
    );
    d!(
        PAYMENTS_REJECTED,
        "Payments rejected by staff, one per payment."
    );
    d!(
        CREDITS_GRANTED,
        "Credits granted: trial, plan and top-up credits."
    );
    d!(CREDITS_SPENT, "Credits spent on product usage.");
    d!(LOGIN_FAILURES, "Sign-ins refused, by reason.");
    d!(JOBS_FAILED, "Failed job runs (each attempt), by kind.");
}
