//! Who may act as staff. Every staff mutation in the domain takes a [`StaffActor`], and the only
//! way to get one is [`StaffActor::verify`], which the staff extractors (the API's `Staff`, the
//! panel's `Staffer`) call on the user they have just loaded: one policy, checked once, and a
//! function that changes what only staff may change cannot be called without that proof.

use crate::entities::user;
use crate::error::{Error, Result};

/// An active member of staff, as loaded for this request.
#[derive(Clone, Debug)]
pub struct StaffActor(user::Model);

impl StaffActor {
    /// The proof, for an active staff user; anyone else is refused.
    pub fn verify(user: user::Model) -> Result<StaffActor> {
        if user.is_staff && user.is_active {
            Ok(StaffActor(user))
        } else {
            Err(Error::Forbidden("Staff access required".into()))
        }
    }

    /// The acting user's id, as recorded in the audit log.
    pub fn id(&self) -> i64 {
        self.0.id
    }

    pub fn user(&self) -> &user::Model {
        &self.0
    }
}

/// Read-only access to the acting user (`staff.email`); the proof cannot be changed.
impl std::ops::Deref for StaffActor {
    type Target = user::Model;

    fn deref(&self) -> &user::Model {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(is_staff: bool, is_active: bool) -> user::Model {
        user::Model {
            id: 7,
            email: "someone@example.com".into(),
            password_hash: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            account_id: None,
            role: "owner".into(),
            is_staff,
            is_superuser: is_staff,
            is_active,
            created_at: chrono::Utc::now(),
            last_login_at: None,
        }
    }

    #[test]
    fn only_active_staff_get_the_proof() {
        assert_eq!(
            StaffActor::verify(user(true, true)).map(|a| a.id()).ok(),
            Some(7)
        );
        assert!(StaffActor::verify(user(false, true)).is_err());
        assert!(StaffActor::verify(user(true, false)).is_err());
    }
}
