//! Signing customers in and out of the portal, and the `Customer` extractor. The sign-in flow
//! is the web layer's (`crate::web::login`), shared with staff's panel.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::domain::Member;
use crate::entities::{user, web_session};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::login::{Site, sign_in_pages};
use crate::web::session::{SessionKind, SignedInPage};

/// The portal as a site of signed-in pages: members of a customer account only. Staff and
/// wrong passwords get the same answer.
pub const SITE: Site = Site {
    kind: SessionKind::Customer,
    session_cookie: "tollgate_session",
    login_csrf_cookie: "tollgate_login_csrf",
    home: "/",
    login_path: "/login/",
    bad_login: "Please enter the correct email and password of your account.",
    admits: |user| user.account_id.is_some() && !user.is_staff,
};

/// A signed-in member of a customer account, with their portal session.
pub struct Customer {
    pub member: Member,
    pub session: web_session::Model,
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (session, user) = SITE.signed_in(parts, state).await?;
        match Member::of(&state.db, user).await {
            Ok(member) => Ok(Customer { member, session }),
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

impl SignedInPage for Customer {
    fn session(&self) -> &web_session::Model {
        &self.session
    }
    fn user(&self) -> &user::Model {
        &self.member.user
    }
}

sign_in_pages!("portal/login.html", Customer);
