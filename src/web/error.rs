//! A domain error shown as a page, with the status the JSON API gives the same error.

use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::web::page::html;

pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

#[derive(askama::Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    title: String,
    message: String,
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
        (status, html(&ErrorPage { title, message })).into_response()
    }
}
