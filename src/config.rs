//! Settings: defaults, overridden by `TOLLGATE_*` environment variables, overridden by flags.
//! (clap reads both layers; see `cli.rs`.) Secrets never appear in `Debug` output or logs.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::calendar::Terms;

mod operations;
pub use operations::{LogFormat, Operations};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://tollgate.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8011";

/// A value that must not leak into logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret::new(s))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// `sqlite://path.db` (created when missing) or `postgres://user@host/db`.
    pub database_url: String,
    pub bind: String,
    /// Key for signing access tokens; generated once and kept in the database when unset.
    pub secret_key: Option<Secret>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Read the client address from `X-Forwarded-For` (set only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Requests per second allowed per client address (bursts of twice that); 0 = no limit.
    pub rate_limit_per_second: u32,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Time to send a request's headers, from the connection's start or the previous response
    /// (so also the idle keep-alive time).
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers are in (408 after).
    pub body_timeout: Duration,
    pub notifications: Notifications,
    pub reconciliation: Reconciliation,
    pub uploads: Uploads,
    pub providers: Providers,
    pub lifecycle: Lifecycle,
    pub seller: Seller,
    pub operations: Operations,
}

/// Who issues the invoices, receipts and credit notes: the seller block of every PDF. All
/// optional; the name falls back to the product's (`TOLLGATE_PRODUCT_NAME`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Seller {
    /// The seller's name on documents; unset: the product's name.
    #[arg(long, global = true, env = "TOLLGATE_SELLER_NAME")]
    pub seller_name: Option<String>,
    /// The seller's address, its lines separated by `|` ("1 Main St|Springfield, IL 62701|USA").
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_SELLER_ADDRESS",
        value_delimiter = '|'
    )]
    pub seller_address: Vec<String>,
    /// The seller's tax or VAT id, printed as "Tax ID …".
    #[arg(long, global = true, env = "TOLLGATE_SELLER_TAX_ID")]
    pub seller_tax_id: Option<String>,
    /// An address customers may write to about their documents.
    #[arg(long, global = true, env = "TOLLGATE_SELLER_EMAIL")]
    pub seller_email: Option<String>,
}

/// Bank-statement import and the reconciliation page.
#[derive(Clone, Debug, clap::Args)]
pub struct Reconciliation {
    /// A JSON file of CSV column-mapping profiles, beside the built-in ones.
    #[arg(long, global = true, env = "TOLLGATE_STATEMENT_PROFILES")]
    pub statement_profiles: Option<PathBuf>,
    /// Days a pending payment may wait with no statement line before the reconciliation page
    /// highlights it.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_RECONCILE_STALE_DAYS",
        default_value_t = 5
    )]
    pub reconcile_stale_days: u32,
}

impl Default for Reconciliation {
    fn default() -> Self {
        Reconciliation {
            statement_profiles: None,
            reconcile_stale_days: 5,
        }
    }
}

pub const DEFAULT_MAIL_FROM: &str = "tollgate <billing@localhost>";
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8011";
pub const DEFAULT_CREDITS_LOW_THRESHOLD: i64 = 100;

/// Mail, webhooks and the job runner that sends them. Read by clap (flags and `TOLLGATE_*`
/// variables, see `cli.rs`); the defaults need nothing installed: without an SMTP server,
/// mails are written as `.eml` files.
#[derive(Clone, Debug, clap::Args)]
pub struct Notifications {
    /// SMTP server, e.g. smtp://user:pass@host:587?tls=starttls (or smtps://… for TLS from the
    /// start); unset: mails are written as .eml files under --mail-dir.
    #[arg(long, global = true, env = "TOLLGATE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,
    /// The mails' sender.
    #[arg(long, global = true, env = "TOLLGATE_MAIL_FROM", default_value = DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// Where mails are written when no SMTP server is set.
    #[arg(long, global = true, env = "TOLLGATE_MAIL_DIR", default_value = "mail")]
    pub mail_dir: PathBuf,
    /// Comma-separated addresses told of payments to review; unset: every active staff user.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_STAFF_EMAILS",
        value_delimiter = ','
    )]
    pub staff_emails: Vec<String>,
    /// This server's address as customers reach it, for the links in mails.
    #[arg(long, global = true, env = "TOLLGATE_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// The product's name in mails.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_PRODUCT_NAME",
        default_value = "tollgate"
    )]
    pub product_name: String,
    /// Customers are told when a debit takes their credits below this.
    #[arg(long, global = true, env = "TOLLGATE_CREDITS_LOW_THRESHOLD", default_value_t = DEFAULT_CREDITS_LOW_THRESHOLD)]
    pub credits_low_threshold: i64,
    /// Allow webhook endpoints on loopback, private and link-local addresses (tests, LANs).
    #[arg(long, global = true, env = "TOLLGATE_WEBHOOK_ALLOW_PRIVATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private: bool,
    /// Run the job runner inside `serve`; false when separate `tollgate worker`s run the jobs.
    #[arg(long, global = true, env = "TOLLGATE_RUN_JOBS", default_value_t = true, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub run_jobs: bool,
    /// Milliseconds the job runner waits when no job is due.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_JOBS_POLL_MS",
        default_value_t = 1000
    )]
    pub jobs_poll_ms: u64,
    /// Seconds a claimed job is its runner's; a runner that died lets its jobs go after this.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_JOBS_LEASE_SECS",
        default_value_t = 60
    )]
    pub jobs_lease_secs: u64,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            mail_dir: PathBuf::from("mail"),
            staff_emails: Vec::new(),
            public_url: DEFAULT_PUBLIC_URL.into(),
            product_name: "tollgate".into(),
            credits_low_threshold: DEFAULT_CREDITS_LOW_THRESHOLD,
            webhook_allow_private: false,
            run_jobs: true,
            jobs_poll_ms: 1000,
            jobs_lease_secs: 60,
        }
    }
}

/// The subscription lifecycle's days (see `calendar::Terms`, whose defaults these are) and how
/// often each server looks for due steps.
#[derive(Clone, Debug, clap::Args)]
pub struct Lifecycle {
    /// Days before a period ends that its renewal invoice is issued.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_RENEW_DAYS_BEFORE",
        default_value_t = 7
    )]
    pub renew_days_before: u16,
    /// Days a free trial lasts.
    #[arg(long, global = true, env = "TOLLGATE_TRIAL_DAYS", default_value_t = 14)]
    pub trial_days: u16,
    /// Days before a trial ends that a reminder goes out (comma-separated).
    #[arg(long, global = true, env = "TOLLGATE_TRIAL_REMINDER_DAYS", value_delimiter = ',', default_values_t = [3u16, 1])]
    pub trial_reminder_days: Vec<u16>,
    /// Days after an unpaid renewal's due date that the account is suspended.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_SUSPEND_AFTER_DAYS",
        default_value_t = 7
    )]
    pub suspend_after_days: u16,
    /// Days after an unpaid renewal's due date that the subscription is cancelled.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_CANCEL_AFTER_DAYS",
        default_value_t = 21
    )]
    pub cancel_after_days: u16,
    /// Seconds between two looks for due lifecycle steps (each server; one of them runs them).
    #[arg(long, global = true, env = "TOLLGATE_TICK_SECS", default_value_t = 60)]
    pub tick_secs: u64,
}

impl Default for Lifecycle {
    fn default() -> Self {
        let terms = Terms::default();
        let days = |d: i64| u16::try_from(d).unwrap_or(u16::MAX);
        Lifecycle {
            renew_days_before: days(terms.renew_days_before),
            trial_days: days(terms.trial_days),
            trial_reminder_days: terms.trial_reminder_days.into_iter().map(days).collect(),
            suspend_after_days: days(terms.suspend_after_days),
            cancel_after_days: days(terms.cancel_after_days),
            tick_secs: 60,
        }
    }
}

impl Lifecycle {
    pub fn terms(&self) -> Terms {
        Terms {
            renew_days_before: self.renew_days_before.into(),
            trial_days: self.trial_days.into(),
            trial_reminder_days: self.trial_reminder_days.iter().map(|&d| d.into()).collect(),
            suspend_after_days: self.suspend_after_days.into(),
            cancel_after_days: self.cancel_after_days.into(),
        }
    }
}

pub const DEFAULT_STORAGE_URL: &str = "file://./uploads";
pub const DEFAULT_MAX_PROOF_BYTES: usize = 10 * 1024 * 1024;

/// Uploaded files (payment proofs): where they are kept and how large they may be. S3
/// credentials and region come from the usual `AWS_*` variables, never from here.
#[derive(Clone, Debug, clap::Args)]
pub struct Uploads {
    /// file://PATH (a local folder, created when missing; relative to the working directory)
    /// or s3://BUCKET[/PREFIX].
    #[arg(long, global = true, env = "TOLLGATE_STORAGE_URL", default_value = DEFAULT_STORAGE_URL)]
    pub storage_url: String,
    /// S3-compatible endpoint (MinIO, Garage, R2…), e.g. http://127.0.0.1:9000; unset: AWS.
    #[arg(long, global = true, env = "TOLLGATE_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The largest proof file accepted, in bytes.
    #[arg(long, global = true, env = "TOLLGATE_MAX_PROOF_BYTES", default_value_t = DEFAULT_MAX_PROOF_BYTES)]
    pub max_proof_bytes: usize,
    /// Seconds a stored file no payment refers to is kept before the sweep deletes it (an
    /// upload stores its file just before its transaction commits).
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_ORPHAN_GRACE_SECS",
        default_value_t = 3600
    )]
    pub orphan_grace_secs: u64,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads {
            storage_url: DEFAULT_STORAGE_URL.into(),
            s3_endpoint: None,
            max_proof_bytes: DEFAULT_MAX_PROOF_BYTES,
            orphan_grace_secs: 3600,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            bind: DEFAULT_BIND.to_owned(),
            secret_key: None,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(14 * 24 * 3600),
            cors_origins: Vec::new(),
            trust_proxy: false,
            rate_limit_per_second: 0,
            max_connections: crate::server::DEFAULT_MAX_CONNECTIONS,
            header_timeout: crate::server::DEFAULT_HEADER_TIMEOUT,
            body_timeout: crate::server::DEFAULT_BODY_TIMEOUT,
            notifications: Notifications::default(),
            reconciliation: Reconciliation::default(),
            uploads: Uploads::default(),
            providers: Providers::default(),
            lifecycle: Lifecycle::default(),
            seller: Seller::default(),
            operations: Operations::default(),
        }
    }
}

pub const DEFAULT_STRIPE_API_BASE: &str = "https://api.stripe.com";
pub const DEFAULT_PAYPAL_API_BASE: &str = "https://api-m.paypal.com";

/// Card (Stripe) and PayPal. A provider is offered only when its keys are all set; its API
/// base is configurable so that tests (and a sandbox) point elsewhere.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Providers {
    /// Stripe secret key (`sk_live_…`, `sk_test_…`).
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_STRIPE_SECRET_KEY",
        hide_env_values = true
    )]
    pub stripe_secret_key: Option<Secret>,
    /// Stripe publishable key (`pk_…`), given to Stripe.js on the portal's card page.
    #[arg(long, global = true, env = "TOLLGATE_STRIPE_PUBLISHABLE_KEY")]
    pub stripe_publishable_key: Option<String>,
    /// The signing secret (`whsec_…`) of the webhook endpoint registered at Stripe; several,
    /// comma-separated, while one is being rolled.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_STRIPE_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub stripe_webhook_secret: Option<Secret>,
    /// Default https://api.stripe.com.
    #[arg(long, global = true, env = "TOLLGATE_STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
    #[arg(long, global = true, env = "TOLLGATE_PAYPAL_CLIENT_ID")]
    pub paypal_client_id: Option<String>,
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_PAYPAL_SECRET",
        hide_env_values = true
    )]
    pub paypal_secret: Option<Secret>,
    /// The id PayPal gave the webhook subscription (not an event's id): part of every signed
    /// message.
    #[arg(long, global = true, env = "TOLLGATE_PAYPAL_WEBHOOK_ID")]
    pub paypal_webhook_id: Option<String>,
    /// Default https://api-m.paypal.com (https://api-m.sandbox.paypal.com for the sandbox).
    #[arg(long, global = true, env = "TOLLGATE_PAYPAL_API_BASE")]
    pub paypal_api_base: Option<String>,
}
