//! Signatures made for real with the fixture key (tests/fixtures/paypal, see make.sh), checked
//! against the fixture certificate, which the test CA issued.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use futures::future::BoxFuture;
use http::{HeaderName, HeaderValue};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};

use super::*;
use crate::providers::paypal::certs::CertFetcher;

const LEAF: &str = include_str!("../../../tests/fixtures/paypal/leaf.pem");
const KEY: &str = include_str!("../../../tests/fixtures/paypal/leaf.key");
const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";
const CERT: &str =
    "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77";
const BODY: &[u8] = br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}"#;

/// Serves the fixture leaf for any URL, counting fetches (a refused URL must fetch nothing).
struct Fixture(AtomicUsize);

impl CertFetcher for Fixture {
    fn fetch(&self, _url: &Url) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(LEAF.as_bytes().to_vec()) })
    }
}

fn setup() -> (Arc<Fixture>, CertCache) {
    let fetcher = Arc::new(Fixture(AtomicUsize::new(0)));
    (fetcher.clone(), CertCache::new(fetcher))
}

/// Headers as PayPal would send them for `body`, signed at `at` for `webhook_id`.
fn signed(webhook_id: &str, body: &[u8], at: DateTime<Utc>) -> HeaderMap {
    let key = RsaPrivateKey::from_pkcs8_pem(KEY).unwrap();
    let time = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let message = signed_message(
        "b2384410-f8d2-11e8-b29f-5d9d9e0f8e3e",
        &time,
        webhook_id,
        body,
    );
    let sig = SigningKey::<Sha256>::new(key).sign(message.as_bytes());
    let mut h = HeaderMap::new();
    let mut put = |name: &str, value: &str| {
        h.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    };
    put(TRANSMISSION_ID, "b2384410-f8d2-11e8-b29f-5d9d9e0f8e3e");
    put(TRANSMISSION_TIME, &time);
    put(TRANSMISSION_SIG, &STANDARD.encode(sig.to_bytes()));
    put(CERT_URL, CERT);
    put(AUTH_ALGO, ALGO);
    h
}

fn with(mut h: HeaderMap, name: &'static str, value: &str) -> HeaderMap {
    h.insert(name, HeaderValue::from_str(value).unwrap());
    h
}

#[tokio::test]
async fn a_genuine_delivery_verifies() {
    let (_, certs) = setup();
    let now = Utc::now();
    let h = signed(WEBHOOK_ID, BODY, now);
    verify(&h, BODY, WEBHOOK_ID, &certs, now).await.unwrap();
    // Within the tolerance either way.
    let h = signed(WEBHOOK_ID, BODY, now - Duration::seconds(290));
    verify(&h, BODY, WEBHOOK_ID, &certs, now).await.unwrap();
}

#[tokio::test]
async fn a_changed_body_or_another_webhook_id_does_not() {
    let (_, certs) = setup();
    let now = Utc::now();
    let h = signed(WEBHOOK_ID, BODY, now);
    let tampered = br#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETEd"}"#;
    let err = verify(&h, tampered, WEBHOOK_ID, &certs, now).await;
    assert_eq!(err, Err(Rejection::BadSignature));

    // Signed for another subscription: the configured id is what is checked.
    let h = signed("OTHERWEBHOOKID", BODY, now);
    let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
    assert_eq!(err, Err(Rejection::BadSignature));

    // A signature of the wrong length, and one that is not base64.
    let short = with(signed(WEBHOOK_ID, BODY, now), TRANSMISSION_SIG, "AAAA");
    let err = verify(&short, BODY, WEBHOOK_ID, &certs, now).await;
    assert_eq!(err, Err(Rejection::BadSignature));
    let junk = with(
        signed(WEBHOOK_ID, BODY, now),
        TRANSMISSION_SIG,
        "not base64!",
    );
    let err = verify(&junk, BODY, WEBHOOK_ID, &certs, now).await;
    assert_eq!(err, Err(Rejection::MalformedHeader(TRANSMISSION_SIG)));
}

#[tokio::test]
async fn a_certificate_off_paypals_hosts_is_never_fetched() {
    let (fetcher, certs) = setup();
    let now = Utc::now();
    for url in [
        "https://api.paypal.com.evil.com/v1/notifications/certs/CERT-1",
        "https://evil.com/v1/notifications/certs/CERT-1",
        "https://evilapi.paypal.com/v1/notifications/certs/CERT-1",
        "https://paypal.com/v1/notifications/certs/CERT-1",
        "https://www.paypal.com/v1/notifications/certs/CERT-1",
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "https://user:pw@api.paypal.com/v1/notifications/certs/CERT-1",
        "https://user@api.paypal.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com:8443/v1/notifications/certs/CERT-1",
        "https://api.paypal.com./v1/notifications/certs/CERT-1",
        "https://api.paypal.com/v1/other/CERT-1",
        "https://api.paypal.com/v1/notifications/certs/",
        "https://api.paypal.com/v1/notifications/certs/../../../evil",
        "https://151.101.1.21/v1/notifications/certs/CERT-1",
        "ftp://api.paypal.com/v1/notifications/certs/CERT-1",
        "not a url",
    ] {
        let h = with(signed(WEBHOOK_ID, BODY, now), CERT_URL, url);
        let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
        assert_eq!(err, Err(Rejection::ForeignCertificate), "{url}");
    }
    assert_eq!(fetcher.0.load(Ordering::SeqCst), 0);

    // All four of PayPal's hosts, and an explicit :443, are accepted.
    for host in [
        "api.paypal.com",
        "api-m.paypal.com",
        "api.sandbox.paypal.com",
        "api-m.sandbox.paypal.com:443",
        "API.PAYPAL.COM",
    ] {
        let url = format!("https://{host}/v1/notifications/certs/CERT-1");
        assert!(check_cert_url(&url).is_ok(), "{url}");
    }
}

#[tokio::test]
async fn an_old_or_future_transmission_is_stale() {
    let (fetcher, certs) = setup();
    let now = Utc::now();
    for offset in [-301, 301, -86_400] {
        let h = signed(WEBHOOK_ID, BODY, now + Duration::seconds(offset));
        let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
        assert_eq!(err, Err(Rejection::Stale), "{offset}");
    }
    assert_eq!(fetcher.0.load(Ordering::SeqCst), 0);
    let h = with(
        signed(WEBHOOK_ID, BODY, now),
        TRANSMISSION_TIME,
        "yesterday",
    );
    let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
    assert_eq!(err, Err(Rejection::MalformedHeader(TRANSMISSION_TIME)));
}

#[tokio::test]
async fn each_missing_header_is_named() {
    let (_, certs) = setup();
    let now = Utc::now();
    for name in [
        TRANSMISSION_ID,
        TRANSMISSION_TIME,
        TRANSMISSION_SIG,
        CERT_URL,
        AUTH_ALGO,
    ] {
        let mut h = signed(WEBHOOK_ID, BODY, now);
        h.remove(name);
        let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
        assert_eq!(err, Err(Rejection::MissingHeader(name)));
    }
}

#[tokio::test]
async fn only_sha256_with_rsa_is_accepted() {
    let (_, certs) = setup();
    let now = Utc::now();
    for algo in ["SHA1withRSA", "sha256withrsa", "none", ""] {
        let h = with(signed(WEBHOOK_ID, BODY, now), AUTH_ALGO, algo);
        let err = verify(&h, BODY, WEBHOOK_ID, &certs, now).await;
        assert_eq!(err, Err(Rejection::MalformedHeader(AUTH_ALGO)), "{algo}");
    }
}

#[tokio::test]
async fn a_certificate_outside_its_validity_is_refused() {
    let (_, certs) = setup();
    // The fixture is valid for a hundred years from when make.sh ran.
    for at in ["2130-01-01T00:00:00Z", "2001-01-01T00:00:00Z"] {
        let at: DateTime<Utc> = at.parse().unwrap();
        let h = signed(WEBHOOK_ID, BODY, at);
        match verify(&h, BODY, WEBHOOK_ID, &certs, at).await {
            Err(Rejection::Certificate(msg)) => assert!(msg.contains("not valid"), "{msg}"),
            other => panic!("{at}: {other:?}"),
        }
    }
}

#[test]
fn the_message_is_the_four_fields_with_the_unsigned_crc() {
    // crc32("hello") = 0x3610a686 = 907060870.
    let m = signed_message("tid", "2026-01-01T00:00:00Z", "WHID", b"hello");
    assert_eq!(m, "tid|2026-01-01T00:00:00Z|WHID|907060870");
    // A CRC above i32::MAX is printed unsigned: crc32("a") = 0xe8b7be43.
    assert!(signed_message("t", "x", "w", b"a").ends_with("|3904355907"));
}
