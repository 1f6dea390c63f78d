//! Input rules shared by every interface: emails, passwords, countries, short texts.

use crate::error::Problems;

/// The most common passwords (from public breach corpora), refused whatever their length.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1!",
    "passw0rd",
    "p@ssw0rd",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "welcome123",
    "abc12345",
    "abcd1234",
    "admin123",
    "administrator",
    "letmein1",
    "trustno1",
    "superman",
    "starwars",
    "whatever",
    "dragon123",
    "monkey123",
    "michael1",
    "shadow123",
    "zaq12wsx",
    "asdfghjkl",
    "changeme",
    "changeme123",
    "secret123",
    "master123",
    "computer",
    "internet",
    "11111111",
    "00000000",
    "88888888",
    "12341234",
    "87654321",
    "qwertyui",
];

pub const MAX_PASSWORD_LEN: usize = 128;

/// What a control character in any text input is told. The one rule for every interface: the
/// JSON API (`AppJson`), query strings (`api::extract::refuse_control_in_query`) and the panel's
/// forms all call [`forbidden_control`].
pub const CONTROL_CHARACTERS: &str = "Remove control characters (such as NUL) from this text.";

/// True when `text` holds a control character other than tab, line feed or carriage return.
/// PostgreSQL cannot store NUL in text at all, SQLite's full-text queries stop at it, and none
/// of the others belongs in a name, a reference or a search term; multi-line notes keep their
/// line breaks.
pub fn forbidden_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Lower-cases and trims an email; `None` when it does not look like one.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(email)
}

/// Checks a new password; problems are reported under `field`.
pub fn check_password(password: &str, field: &str, problems: &mut Problems) {
    let chars = password.chars().count();
    if chars < 8 {
        problems.add(
            field,
            "This password is too short. It must contain at least 8 characters.",
        );
    }
    if chars > MAX_PASSWORD_LEN {
        problems.add(field, "This password is too long (at most 128 characters).");
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.add(field, "This password is entirely numeric.");
    }
    if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        problems.add(field, "This password is too common.");
    }
}

/// An ISO 3166 alpha-2 code, upper-cased.
pub fn normalize_country(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// A required short text: trimmed, non-empty, at most `max` characters.
pub fn required_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    problems: &mut Problems,
) -> String {
    match value.map(str::trim) {
        None | Some("") => {
            problems.add(field, "This field is required.");
            String::new()
        }
        Some(v) => {
            if v.chars().count() > max {
                problems.add(
                    field,
                    format!("Ensure this field has at most {max} characters."),
                );
            }
            v.to_owned()
        }
    }
}

/// An optional short text: trimmed, empty → `None`, at most `max` characters.
pub fn optional_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    problems: &mut Problems,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        problems.add(
            field,
            format!("Ensure this field has at most {max} characters."),
        );
    }
    Some(v.to_owned())
}

/// `"Free Trial"` → `"free-trial"`; never empty.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(50).collect();
    if slug.is_empty() {
        "account".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized() {
        assert_eq!(
            normalize_email(" A@Example.COM "),
            Some("a@example.com".into())
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.com",
            "a@b",
            "a b@c.com",
            "a@.com",
            "a@b@c.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        let check = |p: &str| {
            let mut problems = Problems::default();
            check_password(p, "password", &mut problems);
            problems.finish().is_ok()
        };
        assert!(check("TestPass123!"));
        assert!(check("adminpass"));
        assert!(!check("short"));
        assert!(!check("12345678901"));
        assert!(!check("Password123"));
    }

    #[test]
    fn control_characters() {
        for bad in ["a\0b", "\u{1b}[31m", "x\u{7f}", "\u{85}", "\u{8}"] {
            assert!(forbidden_control(bad), "{bad:?}");
        }
        for good in ["", "plain", "two\nlines\r\n", "tab\there", "Ünïcödé ✓"] {
            assert!(!forbidden_control(good), "{good:?}");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Free Trial"), "free-trial");
        assert_eq!(slugify("  ÄÖ Co. -- Ltd "), "co-ltd");
        assert_eq!(slugify("!!!"), "account");
    }
}
