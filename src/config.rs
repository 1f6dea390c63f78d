//! Settings: defaults, overridden by `TOLLGATE_*` environment variables, overridden by flags.
//! (clap reads both layers; see `cli.rs`.) Secrets never appear in `Debug` output or logs.

use std::fmt;
use std::time::Duration;

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
        }
    }
}
