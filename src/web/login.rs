//! Signing in and out of a site of pages — staff's panel or the customer portal — written
//! once: the login form's double-submit CSRF cookie (there is no session yet), the one
//! throttled credential check (`accounts::authenticate`), the session cookie, and where to go
//! next. A site says only who it admits and where its pages are ([`Site`]).

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::api::extract::ClientAddr;
use crate::auth::tokens::random_token;
use crate::auth::web_sessions::{self, SESSION_HOURS};
use crate::domain::accounts;
use crate::entities::{user, web_session};
use crate::error::Error;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::error::PageError;
use crate::web::form::{Button, Form, Posted};
use crate::web::session::{self, SessionKind, SignedInPage};

/// A site of signed-in pages.
pub struct Site {
    pub kind: SessionKind,
    pub session_cookie: &'static str,
    /// The login form's double-submit token, before there is a session.
    pub login_csrf_cookie: &'static str,
    /// The site's home; every `next` must stay under it ("/admin/", or "/").
    pub home: &'static str,
    pub login_path: &'static str,
    /// Said for a wrong password and for a user the site does not admit alike, so that the
    /// answer never tells which emails exist.
    pub bad_login: &'static str,
    pub admits: fn(&user::Model) -> bool,
}

/// What a login page shows.
pub struct LoginView {
    pub csrf: String,
    pub next: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: String,
}

impl Site {
    /// Where to go after signing in: a path under the site's home, made of visible ASCII only
    /// (no control characters, so it is always a valid `Location`, and no `//` or `\` that a
    /// browser could read as another site); anything else goes home.
    pub fn safe_next<'a>(&self, next: &'a str) -> &'a str {
        let home = self.home.trim_end_matches('/');
        let inside = next == home
            || next.starts_with(&format!("{home}/"))
            || next.starts_with(&format!("{home}?"));
        if inside
            && next.len() <= 2048
            && next.bytes().all(|b| b.is_ascii_graphic())
            && !next.contains("//")
            && !next.contains('\\')
        {
            next
        } else {
            self.home
        }
    }

    /// The live session of this site that the request's cookie names, with its user; a
    /// visitor without one is sent to sign in, and back to this page afterwards.
    pub async fn signed_in(
        &self,
        parts: &Parts,
        state: &AppState,
    ) -> Result<(web_session::Model, user::Model), Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = session::load(state, &jar, self.session_cookie, self.kind)
            .await
            .map_err(|e| PageError(e).into_response())?;
        found.ok_or_else(|| {
            // Inside a nested router `parts.uri` lacks the prefix (`/admin`).
            let original = parts
                .extensions
                .get::<OriginalUri>()
                .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
            self.to_login(&original).into_response()
        })
    }

    /// The login page, coming back to `uri` (as the browser asked for it) afterwards.
    pub fn to_login(&self, uri: &Uri) -> Redirect {
        // Trailing slashes were trimmed for routing; the sites' own URLs end in one.
        let path = uri.path().trim_end_matches('/');
        let next = match uri.query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        Redirect::to(&format!("{}?next={encoded}", self.login_path))
    }

    /// The CSRF token of a form sent before there is a session (signing in, signing up): a
    /// double-submit cookie, kept while the browser has one.
    pub fn anonymous_csrf(&self, jar: CookieJar, headers: &HeaderMap) -> (CookieJar, String) {
        let csrf = jar
            .get(self.login_csrf_cookie)
            .map(|c| c.value().to_owned())
            .unwrap_or_else(random_token);
        let jar = jar.add(session::cookie(
            self.login_csrf_cookie,
            csrf.clone(),
            headers,
            2,
        ));
        (jar, csrf)
    }

    /// Refuses a form sent before there is a session whose token is not its cookie's.
    pub fn check_anonymous_csrf(&self, jar: &CookieJar, token: &str) -> Result<(), PageError> {
        let expected = jar
            .get(self.login_csrf_cookie)
            .map(|c| c.value().to_owned());
        if expected.is_some_and(|e| csrf::same_secret(token, &e)) {
            Ok(())
        } else {
            Err(PageError(csrf::failure()))
        }
    }

    /// The login form's view and its CSRF cookie; home instead for a browser already signed in.
    pub async fn form(
        &self,
        state: &AppState,
        jar: CookieJar,
        headers: &HeaderMap,
        next: Option<&str>,
    ) -> Result<(CookieJar, LoginView), Redirect> {
        if let Ok(Some(_)) = session::load(state, &jar, self.session_cookie, self.kind).await {
            return Err(Redirect::to(self.home));
        }
        let (jar, csrf) = self.anonymous_csrf(jar, headers);
        let view = LoginView {
            csrf,
            next: self.safe_next(next.unwrap_or(self.home)).to_owned(),
            email: String::new(),
            error: None,
        };
        Ok((jar, view))
    }

    /// Checks the form and signs the user in: the session cookie and the way to `next`, or
    /// the form again (`render`) with the status and message of the refusal.
    pub async fn sign_in(
        &self,
        state: &AppState,
        client: Option<std::net::IpAddr>,
        jar: CookieJar,
        headers: &HeaderMap,
        form: LoginForm,
        render: impl Fn(&LoginView) -> Response,
    ) -> Response {
        if let Err(refused) = self.check_anonymous_csrf(&jar, &form.csrf_token) {
            return refused.into_response();
        }
        let again = |status: StatusCode, error: String| {
            let view = LoginView {
                csrf: form.csrf_token.clone(),
                next: self.safe_next(&form.next).to_owned(),
                email: form.email.clone(),
                error: Some(error),
            };
            (status, render(&view)).into_response()
        };
        let bad = || again(StatusCode::UNAUTHORIZED, self.bad_login.to_owned());
        let user =
            match accounts::authenticate(&state.db, &form.email, &form.password, client).await {
                Ok(user) if (self.admits)(&user) => user,
                Ok(_) | Err(Error::Unauthorized(_)) => return bad(),
                Err(Error::TooManyRequests { message, .. }) => {
                    return again(StatusCode::TOO_MANY_REQUESTS, message);
                }
                Err(e) => return PageError(e).into_response(),
            };
        match self.open(state, jar, headers, &user).await {
            Ok(jar) => (jar, Redirect::to(self.safe_next(&form.next))).into_response(),
            Err(e) => e.into_response(),
        }
    }

    /// Opens a session for `user` (signed in, or just signed up): the jar with its cookie.
    pub async fn open(
        &self,
        state: &AppState,
        jar: CookieJar,
        headers: &HeaderMap,
        user: &user::Model,
    ) -> Result<CookieJar, PageError> {
        let token = web_sessions::open(&state.db, user.id, self.kind).await?;
        Ok(jar
            .remove(session::removal(self.login_csrf_cookie))
            .add(session::cookie(
                self.session_cookie,
                token,
                headers,
                SESSION_HOURS,
            )))
    }

    /// Ends the session and goes to the login page.
    pub async fn sign_out(
        &self,
        state: &AppState,
        jar: CookieJar,
        session_id: i64,
    ) -> Result<Response, PageError> {
        web_sessions::revoke(&state.db, session_id).await?;
        let jar = jar.remove(session::removal(self.session_cookie));
        Ok((jar, Redirect::to(self.login_path)).into_response())
    }
}

/// A site's sign-in pages: its [`Site`], the extractor of its signed-in pages and how its
/// login page looks. The three handlers below serve every site.
pub trait SignsIn: Send + Sync + 'static {
    const SITE: Site;
    type SignedIn: SignedInPage + FromRequestParts<AppState, Rejection = Response> + Send;
    fn render(view: &LoginView) -> Response;
}

/// A site's `Pages`, its [`SignsIn`]: the site's `SITE`, the extractor of its signed-in pages,
/// and its login template, which shows a [`LoginView`] as `view`. Written where `SITE` is:
/// `sign_in_pages!("admin/login.html", Staffer);`. A macro because each template is a type of
/// its own (askama compiles one per `#[template]`).
macro_rules! sign_in_pages {
    ($template:literal, $signed_in:ty) => {
        #[derive(askama::Template)]
        #[template(path = $template)]
        struct LoginPage<'a> {
            view: &'a $crate::web::login::LoginView,
        }

        /// This site's sign-in pages (`login::login_form::<Pages>` and the rest).
        pub struct Pages;

        impl $crate::web::login::SignsIn for Pages {
            const SITE: $crate::web::login::Site = SITE;
            type SignedIn = $signed_in;
            fn render(view: &$crate::web::login::LoginView) -> axum::response::Response {
                $crate::web::page::html(&LoginPage { view })
            }
        }
    };
}
pub(crate) use sign_in_pages;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// A site's `/login` (the form, and signing in) and `/logout` routes.
pub fn routes<S: SignsIn>() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form::<S>).post(login::<S>))
        .route("/logout", post(logout::<S>))
}

pub async fn login_form<S: SignsIn>(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    match S::SITE.form(&state, jar, &headers, q.next.as_deref()).await {
        Ok((jar, view)) => (jar, S::render(&view)).into_response(),
        Err(home) => home.into_response(),
    }
}

pub async fn login<S: SignsIn>(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    S::SITE
        .sign_in(&state, client, jar, &headers, form, S::render)
        .await
}

pub async fn logout<S: SignsIn>(
    State(state): State<AppState>,
    jar: CookieJar,
    Posted { by, .. }: Posted<S::SignedIn, Button>,
) -> Result<Response, PageError> {
    S::SITE.sign_out(&state, jar, by.session().id).await
}
