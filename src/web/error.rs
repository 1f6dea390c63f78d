//! A domain error shown as a page, with the status the JSON API gives the same error.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::web::page::html;

pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

tokio::task_local! {
    /// The home of the site serving the request, for its error pages' way back.
    static HOME: &'static str;
}

/// Runs a request of the site at `home` ("/admin/" or "/"): its error pages lead back there,
/// in its own style. Each site's router is wrapped in this.
pub async fn within_site(home: &'static str, req: Request, next: Next) -> Response {
    HOME.scope(home, next.run(req)).await
}

#[derive(askama::Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    title: String,
    message: String,
    home: &'static str,
    stylesheet: &'static str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = crate::api::error::status(&self.0);
        let message = match &self.0 {
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Something went wrong on our side. Nothing was changed.".to_owned()
            }
            other => other.to_string(),
        };
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let home = HOME.try_with(|home| *home).unwrap_or("/");
        let stylesheet = if home.starts_with("/admin") {
            "/admin/static/admin.css"
        } else {
            "/static/portal.css"
        };
        let page = ErrorPage {
            title,
            message,
            home,
            stylesheet,
        };
        (status, html(&page)).into_response()
    }
}
