//! Operators' tooling over the database, outside the rules of billing: `seed-demo` volumes,
//! `account show`'s report, `statements import` and `verify`'s invariant checks. The CLI calls these; nothing in
//! the domain, the API or the web pages does.

pub mod demo;
pub mod report;
pub mod statements;
pub mod verify;
