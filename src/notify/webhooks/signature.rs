//! The Standard Webhooks signature: `v1,` + base64 of HMAC-SHA256, keyed by the secret's
//! base64-decoded bytes, over `{webhook-id}.{webhook-timestamp}.{body}`. Several signatures
//! (during a secret's rotation) are sent space-separated in one header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::webhooks::secret_key;

/// One signature with `key`.
pub fn sign(key: &[u8], message_id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length, so this never fails.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret (`whsec_…`), space-separated.
/// A secret that is not one (it never should be) signs nothing.
pub fn header(secrets: &[&str], message_id: &str, timestamp: i64, body: &str) -> String {
    let signatures: Vec<String> = secrets
        .iter()
        .filter_map(|s| secret_key(s))
        .map(|key| sign(&key, message_id, timestamp, body))
        .collect();
    signatures.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries.
    #[test]
    fn signs_as_the_reference_implementations_do() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let got = header(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(got, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn two_secrets_give_two_signatures() {
        let a = crate::domain::webhooks::new_secret();
        let b = crate::domain::webhooks::new_secret();
        let got = header(&[&a, &b], "msg_1", 1, "{}");
        let parts: Vec<&str> = got.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }
}
