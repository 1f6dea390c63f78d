//! The web pages' form extractors: `Form` for a form before sign-in, `Posted` for one from a
//! signed-in page (CSRF checked). Both apply the rule every text input follows (no control
//! characters) and answer a refusal as a page.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::api::extract::unreadable_body;
use crate::domain::validate::{CONTROL_CHARACTERS, forbidden_control};
use crate::error::{Error, FieldErrors};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::session::SignedInPage;

pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let bytes = read(body).await?;
        Ok(Form(decode(&parts, bytes, state).await?))
    }
}

/// A POST from a signed-in page: who sent it (`S`, e.g. the panel's `Staffer`) and its form,
/// whose CSRF token was checked against the session before the form was even decoded — so no
/// handler can forget the check.
pub struct Posted<S, T> {
    pub by: S,
    pub form: T,
}

/// A form that is only a button: nothing but its CSRF token.
#[derive(Deserialize, Default)]
pub struct Button {}

/// The one field every signed-in form carries.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfField {
    csrf_token: String,
}

impl<S, T> FromRequest<AppState> for Posted<S, T>
where
    S: SignedInPage + FromRequestParts<AppState, Rejection = Response> + Send,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let by = S::from_request_parts(&mut parts, state).await?;
        let bytes = read(body).await?;
        let token: CsrfField = decode(&parts, bytes.clone(), state).await?;
        by.check_csrf(&token.csrf_token)
            .map_err(IntoResponse::into_response)?;
        let form = decode(&parts, bytes, state).await?;
        Ok(Posted { by, form })
    }
}

/// The body, refused as a page when it cannot be read or holds a control character.
async fn read(body: Body) -> Result<Bytes, Response> {
    let bytes: Bytes = axum::body::to_bytes(body, crate::state::BODY_LIMIT)
        .await
        .map_err(|e| PageError(unreadable_body(&e)).into_response())?;
    if let Some((name, _)) =
        form_urlencoded::parse(&bytes).find(|(k, v)| forbidden_control(k) || forbidden_control(v))
    {
        let field = if forbidden_control(&name) {
            "form"
        } else {
            &name
        };
        return Err(PageError(Error::field(field, CONTROL_CHARACTERS)).into_response());
    }
    Ok(bytes)
}

/// `axum_extra`'s `Form` (repeated keys for bulk actions) over bytes already read.
async fn decode<S: Send + Sync, T: DeserializeOwned>(
    parts: &Parts,
    bytes: Bytes,
    state: &S,
) -> Result<T, Response> {
    let req = Request::from_parts(parts.clone(), Body::from(bytes));
    let axum_extra::extract::Form(value) = axum_extra::extract::Form::<T>::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(value)
}

/// A text field as the domain takes it: trimmed, and none when left empty.
pub fn given(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What was wrong with a form, by field, as its page shows it beside each field.
#[derive(Default)]
pub struct FormErrors(FieldErrors);

impl FormErrors {
    /// The problems with `field`, as one sentence or more.
    pub fn of(&self, field: &str) -> Option<String> {
        self.0.get(field).map(|problems| problems.join(" "))
    }

    /// The problems of fields the page has no place for (each as its field's message).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(field, _)| !shown.contains(&field.as_str()))
            .map(|(_, problems)| problems.join(" "))
            .collect()
    }
}

/// A domain refusal of a form, to show on the form's page: each field's problems beside it,
/// and a refusal of the whole form (a plan's limit, a payment already waiting, a read-only
/// role, an account that must pay first) as its `form` problem, with the status the API
/// gives. Any other error is a page of its own.
pub fn refused_fields(e: Error) -> Result<(axum::http::StatusCode, FormErrors), PageError> {
    let status = crate::api::error::status(&e);
    match e {
        Error::Invalid { fields, .. } => Ok((status, FormErrors(fields))),
        Error::Forbidden(message) | Error::Conflict(message) | Error::PaymentRequired(message) => {
            let whole = FieldErrors::from([(FORM.to_owned(), vec![message])]);
            Ok((status, FormErrors(whole)))
        }
        other => Err(PageError(other)),
    }
}

/// The name under which a refusal of a whole form is kept.
pub const FORM: &str = "form";
