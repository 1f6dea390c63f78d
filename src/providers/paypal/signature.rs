//! Offline verification of PayPal webhook signatures (no call to PayPal's
//! verify-webhook-signature API, so a webhook can be checked while PayPal's API is slow).
//!
//! PayPal signs `transmission_id|transmission_time|webhook_id|crc32(body)` with RSA PKCS#1 v1.5
//! over SHA-256, using the key of a certificate it names by URL. The webhook id is the one
//! *configured* for the subscription: a delivery made for another subscription (or forged with
//! a body naming ours) does not verify.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use url::Url;

use super::certs::CertCache;
use crate::domain::providers::Rejection;

pub const TRANSMISSION_ID: &str = "PAYPAL-TRANSMISSION-ID";
pub const TRANSMISSION_TIME: &str = "PAYPAL-TRANSMISSION-TIME";
pub const TRANSMISSION_SIG: &str = "PAYPAL-TRANSMISSION-SIG";
pub const CERT_URL: &str = "PAYPAL-CERT-URL";
pub const AUTH_ALGO: &str = "PAYPAL-AUTH-ALGO";

/// The only algorithm PayPal signs with; anything else is refused rather than guessed at.
pub const ALGO: &str = "SHA256withRSA";
/// How far a transmission time may be from now, either way: a captured delivery cannot be
/// replayed later than this (a replay inside it is a duplicate event id, which changes nothing).
pub const TOLERANCE_SECS: i64 = 300;
/// The hosts PayPal serves its certificates from (live and sandbox). Exact names only.
const CERT_HOSTS: [&str; 4] = [
    "api.paypal.com",
    "api-m.paypal.com",
    "api.sandbox.paypal.com",
    "api-m.sandbox.paypal.com",
];
const CERT_PATH: &str = "/v1/notifications/certs/";

/// The signing headers of one delivery, read and checked for form.
#[derive(Debug)]
pub struct Transmission {
    pub id: String,
    /// As sent: the signed message contains the header's own text, not a reformatted time.
    pub time_text: String,
    pub time: DateTime<Utc>,
    pub signature: Vec<u8>,
    pub cert_url: Url,
}

/// Reads the headers; a missing one is named, a malformed one too, and a certificate URL off
/// PayPal's hosts is refused before anything could fetch it.
pub fn read_headers(headers: &HeaderMap) -> Result<Transmission, Rejection> {
    let id = header(headers, TRANSMISSION_ID)?;
    let time_text = header(headers, TRANSMISSION_TIME)?;
    let sig = header(headers, TRANSMISSION_SIG)?;
    let cert_url = header(headers, CERT_URL)?;
    let algo = header(headers, AUTH_ALGO)?;
    if algo != ALGO {
        return Err(Rejection::MalformedHeader(AUTH_ALGO));
    }
    if id.is_empty() || id.contains('|') {
        // A `|` would let the id shift the fields of the signed message.
        return Err(Rejection::MalformedHeader(TRANSMISSION_ID));
    }
    let time = DateTime::parse_from_rfc3339(time_text)
        .map_err(|_| Rejection::MalformedHeader(TRANSMISSION_TIME))?
        .with_timezone(&Utc);
    let signature = STANDARD
        .decode(sig)
        .map_err(|_| Rejection::MalformedHeader(TRANSMISSION_SIG))?;
    let cert_url = check_cert_url(cert_url)?;
    Ok(Transmission {
        id: id.to_owned(),
        time_text: time_text.to_owned(),
        time,
        signature,
        cert_url,
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, Rejection> {
    let value = headers.get(name).ok_or(Rejection::MissingHeader(name))?;
    let text = value
        .to_str()
        .map_err(|_| Rejection::MalformedHeader(name))?;
    Ok(text.trim())
}

/// The certificate URL must be `https://<one of PayPal's hosts>/v1/notifications/certs/…`
/// with no userinfo and no port but 443; anything else could make tollgate trust (or fetch
/// from) a key an attacker chose.
pub fn check_cert_url(text: &str) -> Result<Url, Rejection> {
    let url = Url::parse(text).map_err(|_| Rejection::ForeignCertificate)?;
    let host_ok = match url.host() {
        Some(url::Host::Domain(host)) => CERT_HOSTS.contains(&host),
        _ => false,
    };
    // `Url` drops a port equal to the scheme's default, so `:443` reads as `None` here.
    let ok = url.scheme() == "https"
        && host_ok
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none()
        && url.path().starts_with(CERT_PATH)
        && url.path().len() > CERT_PATH.len();
    if ok {
        Ok(url)
    } else {
        Err(Rejection::ForeignCertificate)
    }
}

/// The message PayPal signs.
pub fn signed_message(
    transmission_id: &str,
    time_text: &str,
    webhook_id: &str,
    body: &[u8],
) -> String {
    let crc = crc32fast::hash(body);
    format!("{transmission_id}|{time_text}|{webhook_id}|{crc}")
}

/// Verifies one delivery: headers, then time, then (only then) the certificate is fetched
/// and the signature checked with its key.
pub async fn verify(
    headers: &HeaderMap,
    body: &[u8],
    webhook_id: &str,
    certs: &CertCache,
    now: DateTime<Utc>,
) -> Result<(), Rejection> {
    let t = read_headers(headers)?;
    if (now - t.time).abs() > chrono::TimeDelta::seconds(TOLERANCE_SECS) {
        return Err(Rejection::Stale);
    }
    let cert = certs
        .get(&t.cert_url, now)
        .await
        .map_err(Rejection::Certificate)?;
    let message = signed_message(&t.id, &t.time_text, webhook_id, body);
    let signature =
        Signature::try_from(t.signature.as_slice()).map_err(|_| Rejection::BadSignature)?;
    VerifyingKey::<Sha256>::new(cert.key.clone())
        .verify(message.as_bytes(), &signature)
        .map_err(|_| Rejection::BadSignature)
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
