//! Cross-site request forgery: every POST form of a signed-in page carries its session's
//! synchronizer token; a sign-in form, before there is a session, a double-submit cookie.

use crate::error::Error;

/// Whether a submitted token is the expected one, compared in time independent of where
/// they differ. An empty token never matches.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks a submitted token; the refusal changes nothing and says what to do.
pub fn check(submitted: &str, expected: &str) -> Result<(), Error> {
    if same_secret(submitted, expected) {
        Ok(())
    } else {
        Err(failure())
    }
}

pub fn failure() -> Error {
    Error::Forbidden(
        "CSRF verification failed: the form was not sent from this site, or its page is too old. \
         Nothing was changed; reload the page and try again."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_non_empty_token_passes() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", ""));
    }
}
