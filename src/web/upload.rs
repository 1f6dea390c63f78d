//! `Uploaded`: a `multipart/form-data` POST from a signed-in page — text fields and at most
//! one file — with the CSRF token checked before any of it is used, like `Posted` for plain
//! forms. The route sets how large the body may be (`DefaultBodyLimit`); a larger one is
//! refused as too large.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::response::{IntoResponse, Response};

use crate::domain::validate::{CONTROL_CHARACTERS, forbidden_control};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::session::SignedInPage;

/// One file of an upload form.
pub struct FilePart {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave; shown, never used as a path.
    pub file_name: String,
    pub bytes: Bytes,
}

pub struct Uploaded<S> {
    pub by: S,
    fields: HashMap<String, String>,
    pub file: Option<FilePart>,
}

impl<S> Uploaded<S> {
    /// A text field, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

impl<S> FromRequest<AppState> for Uploaded<S>
where
    S: SignedInPage + FromRequestParts<AppState, Rejection = Response> + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        if !crate::api::uploads::is_multipart(req.headers()) {
            // Not an upload: its token is still checked first, so a forged post is told 403
            // whatever it sent.
            Posted::<S, Button>::from_request(req, state).await?;
            let wrong = Error::UnsupportedMediaType("Send the form as multipart/form-data.".into());
            return Err(PageError(wrong).into_response());
        }
        let (mut parts, body) = req.into_parts();
        let by = S::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let refuse = |e: Error| PageError(e).into_response();
        let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
            refuse(Error::field(
                "form",
                "Send the form as multipart/form-data.",
            ))
        })?;
        let mut fields = HashMap::new();
        let mut file = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(refuse(unreadable(e))),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| refuse(unreadable(e)))?;
            match file_name {
                Some(file_name) if file.is_none() => {
                    file = Some(FilePart {
                        field: name,
                        file_name,
                        bytes,
                    })
                }
                Some(_) => return Err(refuse(Error::field(&name, "Send one file at a time."))),
                None => {
                    let text = String::from_utf8(bytes.to_vec())
                        .map_err(|_| refuse(Error::field(&name, "This field is not text.")))?;
                    if forbidden_control(&text) {
                        return Err(refuse(Error::field(&name, CONTROL_CHARACTERS)));
                    }
                    fields.insert(name, text);
                }
            }
        }
        let token = fields.get("csrf_token").map_or("", String::as_str);
        by.check_csrf(token).map_err(IntoResponse::into_response)?;
        Ok(Uploaded { by, fields, file })
    }
}

/// A body cut short or over the route's limit.
fn unreadable(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge(format!("The upload is too large: {}", e.body_text()))
    } else {
        Error::field("form", "The upload could not be read; send it again.")
    }
}
