//! What every server-rendered page shares — sessions (staff or customer), CSRF, flash
//! messages, the page frame, security headers, static assets, the form extractor and error
//! pages, signing in and out (`login`) — and the sites built on it: staff's panel (`admin`) and
//! the customer portal (`portal`). The JSON API is `crate::api`.

pub mod admin;
pub mod assets;
pub mod csrf;
pub mod error;
pub mod form;
pub mod format;
pub mod headers;
pub mod login;
pub mod page;
pub mod portal;
pub mod session;
pub mod upload;
