//! The frame every server-rendered page is drawn in, and the one way a page is rendered.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub use crate::entities::web_session::FlashLevel;

/// What every page shows around its content.
pub struct Chrome {
    pub title: String,
    pub user_email: String,
    /// The session's synchronizer token, for the page's POST forms.
    pub csrf: String,
    /// (label, href) from the site's home to the parent of this page.
    pub breadcrumbs: Vec<(String, String)>,
    pub messages: Vec<Message>,
}

/// A message at the top of a page: a flash left by the previous request, or a problem with
/// the form on this one.
pub struct Message {
    pub level: FlashLevel,
    pub text: String,
}

impl Message {
    pub fn error(text: impl Into<String>) -> Message {
        Message {
            level: FlashLevel::Error,
            text: text.into(),
        }
    }

    /// `msg-<class>` in the stylesheet.
    pub fn class(&self) -> &'static str {
        match self.level {
            FlashLevel::Success => "success",
            FlashLevel::Error => "error",
        }
    }
}

/// Renders a template into an HTML response (a render failure is a logged 500).
pub fn html(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    }
}
