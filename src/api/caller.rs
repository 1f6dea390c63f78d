//! Who is calling: `SignedIn` (any valid token), `Customer` (a member of an account),
//! `Staff` (platform staff) and `Reader` (either: who may read an account's documents).
//! Checked on the server for every request that names them.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::domain::billing_documents::Scope;
use crate::domain::staff::StaffActor;
use crate::domain::{Member, accounts};
use crate::entities::user;
use crate::error::{Error, Result};
use crate::state::AppState;

pub struct SignedIn(pub user::Model);
pub struct Customer(pub Member);
pub struct Staff(pub StaffActor);

/// A member of an account, reading their own account's objects, or staff, reading anyone's.
pub enum Reader {
    /// A member of the account with this id.
    Member {
        account_id: i64,
    },
    Staff(StaffActor),
}

impl Reader {
    /// Whose documents this reader may open.
    pub fn scope(&self) -> Scope<'_> {
        match self {
            Reader::Member { account_id } => Scope::Account(*account_id),
            Reader::Staff(staff) => Scope::Staff(staff),
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str> {
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        Error::Unauthorized("Authentication credentials were not provided".into())
    })?;
    let value = header
        .to_str()
        .map_err(|_| Error::Unauthorized("Invalid or expired token".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(Error::Unauthorized("Invalid or expired token".into())),
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let invalid = || Error::Unauthorized("Invalid or expired token".into());
        let user_id = state
            .tokens
            .verify_access(bearer(parts)?)
            .ok_or_else(invalid)?;
        let user = accounts::find_user(&state.db, user_id)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(invalid)?;
        Ok(SignedIn(user))
    }
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Customer(Member::of(&state.db, user).await?))
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Staff(StaffActor::verify(user)?))
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Error;

    /// Staff, or else a member of an account; a user who is neither is refused (403).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        if user.is_staff {
            return Ok(Reader::Staff(StaffActor::verify(user)?));
        }
        let member = Member::of(&state.db, user).await?;
        Ok(Reader::Member {
            account_id: member.account.id,
        })
    }
}
