//! Signing staff in and out of the panel, and the `Staffer` extractor. Sessions, CSRF, flash
//! messages and the page frame are the web layer's (`crate::web::session`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::domain::staff::StaffActor;
use crate::entities::{user, web_session};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::login::{Site, sign_in_pages};
use crate::web::session::{SessionKind, SignedInPage};

/// The panel as a site of signed-in pages: staff only. Customers and wrong passwords get the
/// same answer.
pub const SITE: Site = Site {
    kind: SessionKind::Staff,
    session_cookie: "tollgate_admin_session",
    login_csrf_cookie: "tollgate_admin_login_csrf",
    home: "/admin/",
    login_path: "/admin/login/",
    bad_login: "Please enter the correct email and password for a staff account. Both fields \
                may be case-sensitive.",
    admits: |user| user.is_staff,
};

/// A signed-in member of platform staff, with their panel session.
pub struct Staffer {
    /// The proof every staff mutation of the domain takes.
    pub staff: StaffActor,
    pub session: web_session::Model,
}

impl FromRequestParts<AppState> for Staffer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (session, user) = SITE.signed_in(parts, state).await?;
        match StaffActor::verify(user) {
            Ok(staff) => Ok(Staffer { staff, session }),
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

impl SignedInPage for Staffer {
    fn session(&self) -> &web_session::Model {
        &self.session
    }
    fn user(&self) -> &user::Model {
        self.staff.user()
    }
}

sign_in_pages!("admin/login.html", Staffer);
