//! How the domain's [`Error`] is answered over HTTP: its status, and the JSON error envelope
//! (`{"success": false, "error", "errors"?, "request_id"}`). The panel's error pages take the
//! same status (`web::error::PageError`). What each operation documents is in `errors.rs`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::api::envelope::current_request_id;
use crate::error::Error;

/// The status an error is answered with, on every interface.
pub fn status(err: &Error) -> StatusCode {
    match err {
        Error::Invalid { .. } => StatusCode::BAD_REQUEST,
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) | Error::Contended => StatusCode::CONFLICT,
        Error::InsufficientCredits(_) | Error::PaymentDeclined(_) | Error::PaymentRequired(_) => {
            StatusCode::PAYMENT_REQUIRED
        }
        Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
        Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = status(&self);
        let message = match &self {
            Error::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                "Internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = json!({ "success": false, "error": message });
        if let Error::Invalid { fields, .. } = &self {
            body["errors"] = json!(fields);
        }
        body["request_id"] = json!(current_request_id());
        let mut res = (status, axum::Json(body)).into_response();
        if let Error::TooManyRequests {
            retry_after_secs, ..
        } = &self
        {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
        }
        res
    }
}
