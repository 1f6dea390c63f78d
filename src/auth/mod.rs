//! Passwords, tokens, sessions and the request extractors that say who is calling.

pub mod extract;
pub mod password;
pub mod sessions;
pub mod staff_sessions;
pub mod tokens;
