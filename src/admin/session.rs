//! Signing staff in and out of the panel, the `Staffer` extractor, CSRF checks and flash
//! messages, and the HTML error page.

use crate::admin::form::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use crate::admin::view::{Chrome, html};
use crate::api::extract::ClientAddr;
use crate::auth::staff_sessions::{self, SESSION_HOURS};
use crate::auth::tokens::random_token;
use crate::domain::accounts;
use crate::entities::{staff_session, user};
use crate::error::Error;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "tollgate_admin_session";
const LOGIN_CSRF_COOKIE: &str = "tollgate_admin_login_csrf";
/// Customers and wrong passwords get the same answer.
const BAD_LOGIN: &str = "Please enter the correct email and password for a staff account. Both fields may be case-sensitive.";

/// A signed-in member of platform staff, with their panel session.
pub struct Staffer {
    pub user: user::Model,
    pub session: staff_session::Model,
}

impl FromRequestParts<AppState> for Staffer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = match jar.get(SESSION_COOKIE) {
            Some(cookie) => staff_sessions::find(&state.db, cookie.value())
                .await
                .map_err(|e| PageError(e).into_response())?,
            None => None,
        };
        match found {
            Some((session, user)) => Ok(Staffer { user, session }),
            None => {
                // Inside the nested router `parts.uri` lacks the `/admin` prefix.
                let original = parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
                Err(to_login(&original).into_response())
            }
        }
    }
}

fn to_login(uri: &Uri) -> Redirect {
    // Trailing slashes were trimmed for routing; the panel's own URLs end in one.
    let next = match (uri.path(), uri.query()) {
        (path, Some(q)) => format!("{}/?{q}", path.trim_end_matches('/')),
        (path, None) => format!("{}/", path.trim_end_matches('/')),
    };
    let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/admin/login/?next={encoded}"))
}

impl Staffer {
    /// The page frame, with any flash message left by the previous request.
    pub async fn chrome(
        &self,
        state: &AppState,
        title: impl Into<String>,
        breadcrumbs: Vec<(String, String)>,
    ) -> Result<Chrome, PageError> {
        let messages = staff_sessions::take_flash(&state.db, &self.session)
            .await?
            .map(|flash| match flash.split_once(':') {
                Some((level, text)) => vec![(level.to_owned(), text.to_owned())],
                None => vec![("success".to_owned(), flash)],
            })
            .unwrap_or_default();
        Ok(Chrome {
            title: title.into(),
            user_email: self.user.email.clone(),
            csrf: self.session.csrf_token.clone(),
            breadcrumbs,
            messages,
        })
    }

    /// Every POST form carries the session's token; without it nothing may change.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if same_secret(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(csrf_failure())
        }
    }

    pub async fn flash_success(&self, state: &AppState, text: String) -> Result<(), PageError> {
        Ok(staff_sessions::flash(&state.db, self.session.id, format!("success:{text}")).await?)
    }

    pub async fn flash_error(&self, state: &AppState, text: String) -> Result<(), PageError> {
        Ok(staff_sessions::flash(&state.db, self.session.id, format!("error:{text}")).await?)
    }
}

fn csrf_failure() -> PageError {
    PageError(Error::Forbidden(
        "CSRF verification failed: the form was not sent from this panel, or its page is too old. \
         Nothing was changed; reload the page and try again."
            .into(),
    ))
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Cookies are `Secure` when the request came over HTTPS (directly or via a proxy that says so).
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn cookie(
    name: &'static str,
    value: String,
    headers: &HeaderMap,
    max_age_hours: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(is_https(headers))
        .max_age(cookie::time::Duration::hours(max_age_hours))
        .build()
}

/// Only paths inside the panel: `next` must never send staff to another site.
/// Where to go after signing in: a path inside the panel, made of visible ASCII only (no
/// control characters, so it is always a valid `Location`, and no `//` or `\\` that a browser
/// could read as another site); anything else goes to the panel's home.
pub fn safe_next(next: &str) -> &str {
    let inside = next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?");
    if inside
        && next.len() <= 2048
        && next.bytes().all(|b| b.is_ascii_graphic())
        && !next.contains("//")
        && !next.contains('\\')
    {
        next
    } else {
        "/admin/"
    }
}

#[derive(askama::Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    if let Some(c) = jar.get(SESSION_COOKIE)
        && let Ok(Some(_)) = staff_sessions::find(&state.db, c.value()).await
    {
        return Redirect::to("/admin/").into_response();
    }
    // Before there is a session, the login form is protected by a double-submit cookie.
    let csrf = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(random_token);
    let jar = jar.add(cookie(LOGIN_CSRF_COOKIE, csrf.clone(), &headers, 2));
    let page = LoginPage {
        csrf,
        next: safe_next(q.next.as_deref().unwrap_or("/admin/")).to_owned(),
        email: String::new(),
        error: None,
    };
    (jar, html(&page)).into_response()
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if !expected.is_some_and(|e| same_secret(&form.csrf_token, &e)) {
        return csrf_failure().into_response();
    }
    let refused = |form: &LoginForm| {
        let page = LoginPage {
            csrf: form.csrf_token.clone(),
            next: safe_next(&form.next).to_owned(),
            email: form.email.clone(),
            error: Some(BAD_LOGIN.into()),
        };
        (StatusCode::UNAUTHORIZED, html(&page)).into_response()
    };
    let user = match accounts::authenticate(&state.db, &form.email, &form.password, client).await {
        Ok(user) if user.is_staff => user,
        Ok(_) | Err(Error::Unauthorized(_)) => return refused(&form),
        Err(Error::TooManyRequests { message, .. }) => {
            let page = LoginPage {
                csrf: form.csrf_token.clone(),
                next: safe_next(&form.next).to_owned(),
                email: form.email.clone(),
                error: Some(message),
            };
            return (StatusCode::TOO_MANY_REQUESTS, html(&page)).into_response();
        }
        Err(e) => return PageError(e).into_response(),
    };
    let token = match staff_sessions::open(&state.db, user.id).await {
        Ok(t) => t,
        Err(e) => return PageError(e).into_response(),
    };
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/admin"))
        .add(cookie(SESSION_COOKIE, token, &headers, SESSION_HOURS));
    (jar, Redirect::to(safe_next(&form.next))).into_response()
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf_token: String,
}

pub async fn logout(
    State(state): State<AppState>,
    staffer: Staffer,
    jar: CookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    staff_sessions::revoke(&state.db, staffer.session.id).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/admin"));
    Ok((jar, Redirect::to("/admin/login/")).into_response())
}

/// A domain error shown as a page of the panel, with the error's status.
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

#[derive(askama::Template)]
#[template(path = "admin/error.html")]
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
