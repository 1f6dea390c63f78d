//! `/password-reset/`: "forgot your password?" — ask for a mailed link by email, then, from
//! that link (`?token=`), choose a new password. Both steps call `domain::password_reset`,
//! as the API's `auth/password-reset/` does.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::domain::password_reset::{self, RESET_SENT, ResetConfirmation, ResetRequest};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::form::{Form, FormErrors, given, refused_fields};
use crate::web::page::html;
use crate::web::portal::session::SITE;

#[derive(Deserialize, Default)]
pub struct ResetQuery {
    token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    csrf_token: String,
    email: String,
    /// Present on the second step only.
    token: Option<String>,
    new_password: String,
}

#[derive(askama::Template)]
#[template(path = "portal/password_reset.html")]
struct ResetPage {
    csrf: String,
    /// The link's token: the page asks for a new password; none: for an email.
    token: Option<String>,
    email: String,
    /// Said once the step is done.
    done: Option<&'static str>,
    errors: FormErrors,
}

pub async fn form(
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<ResetQuery>,
) -> Result<Response, PageError> {
    let (jar, csrf) = SITE.anonymous_csrf(jar, &headers);
    let page = ResetPage {
        csrf,
        token: q.token.filter(|t| !t.is_empty()),
        email: String::new(),
        done: None,
        errors: FormErrors::default(),
    };
    Ok((jar, html(&page)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    SITE.check_anonymous_csrf(&jar, &form.csrf_token)?;
    let outcome = match &form.token {
        Some(token) => password_reset::confirm(
            &state.db,
            ResetConfirmation {
                token: Some(token.clone()),
                new_password: Some(form.new_password.clone()).filter(|p| !p.is_empty()),
            },
        )
        .await
        .map(|()| "Your password is changed. Sign in with it."),
        None => password_reset::request(
            &state.db,
            ResetRequest {
                email: given(&form.email),
            },
        )
        .await
        .map(|()| RESET_SENT),
    };
    let mut page = ResetPage {
        csrf: form.csrf_token,
        token: form.token,
        email: form.email,
        done: None,
        errors: FormErrors::default(),
    };
    match outcome {
        Ok(said) => {
            page.done = Some(said);
            Ok(html(&page).into_response())
        }
        Err(e) => {
            let (status, errors) = refused_fields(e)?;
            page.errors = errors;
            Ok((status, html(&page)).into_response())
        }
    }
}
