//! Signing staff in and out of the panel, and the `Staffer` extractor. Sessions, CSRF, flash
//! messages and the page frame are the web layer's (`crate::web::session`).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::api::extract::ClientAddr;
use crate::auth::tokens::random_token;
use crate::auth::web_sessions::{self, SESSION_HOURS};
use crate::domain::accounts;
use crate::domain::staff::StaffActor;
use crate::entities::{user, web_session};
use crate::error::Error;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::error::PageError;
use crate::web::form::{Button, Form, Posted};
use crate::web::page::html;
use crate::web::session::{self, SessionKind, SignedInPage};

pub const SESSION_COOKIE: &str = "tollgate_admin_session";
const LOGIN_CSRF_COOKIE: &str = "tollgate_admin_login_csrf";
/// Customers and wrong passwords get the same answer.
const BAD_LOGIN: &str = "Please enter the correct email and password for a staff account. Both fields may be case-sensitive.";

/// A signed-in member of platform staff, with their panel session.
pub struct Staffer {
    /// The proof every staff mutation of the domain takes.
    pub staff: StaffActor,
    pub session: web_session::Model,
}

impl FromRequestParts<AppState> for Staffer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = session::load(state, &jar, SESSION_COOKIE, SessionKind::Staff)
            .await
            .map_err(|e| PageError(e).into_response())?;
        match found {
            Some((session, user)) => match StaffActor::verify(user) {
                Ok(staff) => Ok(Staffer { staff, session }),
                Err(e) => Err(PageError(e).into_response()),
            },
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

impl SignedInPage for Staffer {
    fn session(&self) -> &web_session::Model {
        &self.session
    }
    fn user(&self) -> &user::Model {
        self.staff.user()
    }
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
    if let Ok(Some(_)) = session::load(&state, &jar, SESSION_COOKIE, SessionKind::Staff).await {
        return Redirect::to("/admin/").into_response();
    }
    // Before there is a session, the login form is protected by a double-submit cookie.
    let csrf = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(random_token);
    let jar = jar.add(session::cookie(
        LOGIN_CSRF_COOKIE,
        csrf.clone(),
        &headers,
        2,
    ));
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
    if !expected.is_some_and(|e| csrf::same_secret(&form.csrf_token, &e)) {
        return PageError(csrf::failure()).into_response();
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
    let token = match web_sessions::open(&state.db, user.id, SessionKind::Staff).await {
        Ok(t) => t,
        Err(e) => return PageError(e).into_response(),
    };
    let jar = jar
        .remove(session::removal(LOGIN_CSRF_COOKIE))
        .add(session::cookie(
            SESSION_COOKIE,
            token,
            &headers,
            SESSION_HOURS,
        ));
    (jar, Redirect::to(safe_next(&form.next))).into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> Result<Response, PageError> {
    web_sessions::revoke(&state.db, staffer.session.id).await?;
    let jar = jar.remove(session::removal(SESSION_COOKIE));
    Ok((jar, Redirect::to("/admin/login/")).into_response())
}
