//! The session of a signed-in page: its cookie (path `/`, one name per kind, so a browser may
//! hold a staff and a customer session at once), loading it, and what every signed-in page
//! does with it — check CSRF, leave a flash message, draw the frame with the pending one.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::auth::web_sessions;
use crate::entities::{user, web_session};
use crate::error::Result;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::error::PageError;
use crate::web::page::{Chrome, FlashLevel, Message};

pub use crate::entities::web_session::SessionKind;

/// Cookies are `Secure` when the request came over HTTPS (directly or via a proxy that says so).
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// A cookie of the web pages: HTTP-only, same-site, for the whole site.
pub fn cookie(
    name: &'static str,
    value: String,
    headers: &HeaderMap,
    max_age_hours: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(is_https(headers))
        .max_age(cookie::time::Duration::hours(max_age_hours))
        .build()
}

/// What removes a cookie set by [`cookie`].
pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build(name).path("/").build()
}

/// The live session of `kind` named by the request's cookie, with its user.
pub async fn load(
    state: &AppState,
    jar: &CookieJar,
    cookie_name: &str,
    kind: SessionKind,
) -> Result<Option<(web_session::Model, user::Model)>> {
    match jar.get(cookie_name) {
        Some(c) => web_sessions::find(&state.db, c.value(), kind).await,
        None => Ok(None),
    }
}

/// What a signed-in page can do with its session; the site's extractor (e.g. the panel's
/// `Staffer`) implements the two accessors.
pub trait SignedInPage {
    fn session(&self) -> &web_session::Model;
    fn user(&self) -> &user::Model;

    /// Every POST form carries the session's token; without it nothing may change.
    fn check_csrf(&self, token: &str) -> std::result::Result<(), PageError> {
        Ok(csrf::check(token, &self.session().csrf_token)?)
    }

    /// Leaves a message for the next page of this session.
    fn flash(
        &self,
        state: &AppState,
        level: FlashLevel,
        text: String,
    ) -> impl Future<Output = std::result::Result<(), PageError>> + Send
    where
        Self: Sync,
    {
        async move { Ok(web_sessions::flash(&state.db, self.session().id, level, text).await?) }
    }

    /// The page frame, with any flash message left by the previous request.
    fn chrome(
        &self,
        state: &AppState,
        title: impl Into<String> + Send,
        breadcrumbs: Vec<(String, String)>,
    ) -> impl Future<Output = std::result::Result<Chrome, PageError>> + Send
    where
        Self: Sync,
    {
        async move {
            let messages = web_sessions::take_flash(&state.db, self.session())
                .await?
                .map(|(level, text)| vec![Message { level, text }])
                .unwrap_or_default();
            Ok(Chrome {
                title: title.into(),
                user_email: self.user().email.clone(),
                csrf: self.session().csrf_token.clone(),
                breadcrumbs,
                messages,
            })
        }
    }
}
