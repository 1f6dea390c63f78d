//! What the server tells its operators: Prometheus metrics (`recorder`, `counters`), the
//! per-request access line and request ids (`http`, `request_id`), and the log output
//! (`logs`). Nothing here reads or writes the database: the domain calls [`counters`] after
//! its changes commit, and `scrape` adds the figures read at scrape time.

pub mod counters;
pub mod http;
pub mod logs;
pub mod recorder;
pub mod request_id;
