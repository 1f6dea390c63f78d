//! Settings of the operations surface: the log format and the `/metrics` token.

use super::Secret;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Plain text on a terminal, JSON lines otherwise (a file, a pipe, a log collector).
    #[default]
    Auto,
    /// Human-readable lines (coloured only on a terminal).
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Clone, Debug, Default, clap::Args)]
pub struct Operations {
    /// text, json, or auto (text on a terminal, JSON lines otherwise).
    #[arg(long, global = true, env = "TOLLGATE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
    /// When set, `GET /metrics` answers only requests with `Authorization: Bearer <token>`.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<Secret>,
}
