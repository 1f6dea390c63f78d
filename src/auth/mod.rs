//! Passwords, tokens, sessions and the request extractors that say who is calling.

pub mod password;
pub mod sessions;
pub mod tokens;
pub mod web_sessions;
