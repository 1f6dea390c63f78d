//! Every JSON reply's `data`, as named types. Each derives `Serialize` (the body is written
//! from it) and `ToSchema` (the OpenAPI description is generated from the same definition), so
//! the description and the answers cannot drift apart. Fields a reply always carries are
//! `required` in the description, `null` included: clients never need to test for absence.
//!
//! Money is a decimal string in its currency ("89.00"), times are RFC 3339 in UTC ("Z").

pub mod accounts;
pub mod auth;
pub mod billing;
pub mod checkout;
pub mod credit_notes;
pub mod lists;
pub mod staff;
pub mod subscription;
pub mod top_ups;
pub mod usage;

use chrono::{DateTime, SecondsFormat, Utc};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn opt_time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(time)
}
