//! tollgate: a self-hosted billing backend.
//!
//! Data flows one way: interfaces (`api`, `cli`) → `domain` → `db`/`entities`.

pub mod alloc;
pub mod api;
pub mod app;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod documents;
pub mod domain;
pub mod entities;
pub mod error;
pub mod housekeeping;
pub mod jobs;
pub mod notify;
pub mod ops;
pub mod probes;
pub mod providers;
pub mod rate_limit;
pub mod request_context;
pub mod scrape;
pub mod security;
pub mod server;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod web;
