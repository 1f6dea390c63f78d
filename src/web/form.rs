//! The panel's form extractor: `axum_extra`'s `Form` (repeated keys for bulk actions), after
//! the rule every text input follows (no control characters), answered as a page of the panel.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::api::extract::unreadable_body;
use crate::domain::validate::{CONTROL_CHARACTERS, forbidden_control};
use crate::error::Error;
use crate::web::error::PageError;

pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let bytes: Bytes = axum::body::to_bytes(body, crate::state::BODY_LIMIT)
            .await
            .map_err(|e| PageError(unreadable_body(&e)).into_response())?;
        if let Some((name, _)) = form_urlencoded::parse(&bytes)
            .find(|(k, v)| forbidden_control(k) || forbidden_control(v))
        {
            let field = if forbidden_control(&name) {
                "form"
            } else {
                &name
            };
            return Err(PageError(Error::field(field, CONTROL_CHARACTERS)).into_response());
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        let axum_extra::extract::Form(value) =
            axum_extra::extract::Form::<T>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
        Ok(Form(value))
    }
}
