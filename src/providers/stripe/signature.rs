//! Stripe's webhook signature: `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`, where each
//! `v1` is HMAC-SHA256 of `"<t>.<raw body>"` under an endpoint secret. Several `v1` (Stripe
//! signs with the old and the new secret while one is rolled) and several secrets of ours (the
//! same, on this side) are all tried; `t` must be within the tolerance of now, so an old
//! delivery replayed later is refused even with its genuine signature.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::providers::Rejection;

pub const HEADER: &str = "Stripe-Signature";
/// How far a delivery's timestamp may be from now (Stripe's libraries use the same).
pub const TOLERANCE_SECS: i64 = 300;

/// Checks `header` over the raw `body` against any of `secrets`.
pub fn check(
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
    now: DateTime<Utc>,
) -> Result<(), Rejection> {
    let header = header.ok_or(Rejection::MissingHeader(HEADER))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(Rejection::MalformedHeader(HEADER))?;
        match key {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| Rejection::MalformedHeader(HEADER))?,
                )
            }
            // A malformed signature among good ones is skipped, as Stripe's libraries do.
            "v1" => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Rejection::MalformedHeader(HEADER))?;
    if signatures.is_empty() {
        return Err(Rejection::MalformedHeader(HEADER));
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(Rejection::Stale);
    }
    let signed = |secret: &String| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    };
    // `verify_slice` compares in constant time.
    let valid = secrets.iter().any(|secret| {
        signatures
            .iter()
            .any(|sig| signed(secret).verify_slice(sig).is_ok())
    });
    if valid {
        Ok(())
    } else {
        Err(Rejection::BadSignature)
    }
}

/// The header Stripe would send for `body` at `timestamp` under `secret` (for tests and tools).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id": "evt_1", "type": "payment_intent.succeeded"}"#;

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_genuine_signature_holds_and_anything_else_is_refused() {
        let now = Utc::now();
        let t = now.timestamp();
        let header = sign(BODY, "whsec_a", t);
        let ours = secrets(&["whsec_a"]);
        assert_eq!(check(Some(&header), BODY, &ours, now), Ok(()));
        let tampered = br#"{"id": "evt_1", "type": "payment_intent.succeeded" }"#;
        assert_eq!(
            check(Some(&header), tampered, &ours, now),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check(Some(&header), BODY, &secrets(&["whsec_b"]), now),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check(None, BODY, &ours, now),
            Err(Rejection::MissingHeader(HEADER))
        );
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "garbage"] {
            assert!(check(Some(bad), BODY, &ours, now).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn outside_the_tolerance_is_stale_either_way() {
        let now = Utc::now();
        let ours = secrets(&["whsec_a"]);
        for t in [now.timestamp() - 301, now.timestamp() + 301] {
            let header = sign(BODY, "whsec_a", t);
            assert_eq!(
                check(Some(&header), BODY, &ours, now),
                Err(Rejection::Stale)
            );
        }
        let header = sign(BODY, "whsec_a", now.timestamp() - 299);
        assert_eq!(check(Some(&header), BODY, &ours, now), Ok(()));
    }

    #[test]
    fn rolling_a_secret_on_either_side() {
        let now = Utc::now();
        let t = now.timestamp();
        let old = sign(BODY, "whsec_old", t);
        let new = sign(BODY, "whsec_new", t);
        let v1 = |h: &str| h.split_once(",v1=").map(|(_, s)| s.to_owned()).unwrap();
        // Stripe signs with both secrets: ours is the new one.
        let both = format!("t={t},v1={},v1={}", v1(&old), v1(&new));
        assert_eq!(
            check(Some(&both), BODY, &secrets(&["whsec_new"]), now),
            Ok(())
        );
        // We hold both while the operator rolls ours.
        assert_eq!(
            check(Some(&old), BODY, &secrets(&["whsec_new", "whsec_old"]), now),
            Ok(())
        );
        // A junk v1 beside a good one does not spoil it; a v0 is ignored.
        let noisy = format!("t={t},v0=abc,v1=zz,v1={}", v1(&new));
        assert_eq!(
            check(Some(&noisy), BODY, &secrets(&["whsec_new"]), now),
            Ok(())
        );
    }
}
