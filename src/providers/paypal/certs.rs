//! PayPal's signing certificates: fetched from the URL a webhook names (after `signature.rs`
//! has checked that URL is PayPal's own), parsed once, and kept until they expire.
//!
//! The fetcher is a trait so that tests serve a certificate issued by their own test CA
//! instead of reaching PayPal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use url::Url;
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};

/// A certificate fetch may take this long, connection included: PayPal retries a webhook that
/// was not answered, so waiting longer only holds the request open.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// PayPal's certificate (with its chain) is a few KiB; anything far larger is not one.
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// How many certificate URLs are remembered. PayPal uses one or two at a time; the bound
/// only keeps a flood of distinct (allowed) URLs from growing the map.
pub const CACHE_ENTRIES: usize = 16;

/// Fetches the bytes (PEM or DER) at a certificate URL. `Err` says why not, for the log.
pub trait CertFetcher: Send + Sync {
    fn fetch(&self, url: &Url) -> BoxFuture<'_, Result<Vec<u8>, String>>;
}

/// Fetches over HTTPS with the crate's usual care: a timeout, no redirects (a redirect could
/// lead off PayPal's hosts after the URL was checked), no proxy, and a size limit.
pub struct HttpCertFetcher {
    client: reqwest::Client,
}

impl HttpCertFetcher {
    pub fn new() -> anyhow::Result<HttpCertFetcher> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpCertFetcher { client })
    }
}

impl CertFetcher for HttpCertFetcher {
    fn fetch(&self, url: &Url) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        let url = url.clone();
        Box::pin(async move {
            let mut resp = self
                .client
                .get(url)
                .send()
                .await
                .map_err(|e| format!("fetch failed: {e}"))?;
            if !resp.status().is_success() {
                return Err(format!("fetch answered {}", resp.status()));
            }
            // Read chunk by chunk so an endless answer stops at the limit.
            let mut bytes = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| format!("read failed: {e}"))?
            {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_CERT_BYTES {
                    return Err(format!("larger than {MAX_CERT_BYTES} bytes"));
                }
            }
            Ok(bytes)
        })
    }
}

/// What is kept of a signing certificate: its RSA key and when it may be used.
#[derive(Debug, Clone)]
pub struct SigningCert {
    pub key: RsaPublicKey,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl SigningCert {
    /// Reads the first certificate of a PEM chain (PayPal serves the leaf first), or DER.
    pub fn parse(bytes: &[u8]) -> Result<SigningCert, String> {
        let cert = if bytes.first() == Some(&0x30) {
            Certificate::from_der(bytes).map_err(|e| format!("not a certificate: {e}"))?
        } else {
            first_pem_certificate(bytes)?
        };
        let tbs = &cert.tbs_certificate;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("unreadable public key: {e}"))?;
        let key = RsaPublicKey::from_public_key_der(&spki)
            .map_err(|e| format!("not an RSA public key: {e}"))?;
        let not_before = DateTime::<Utc>::from(tbs.validity.not_before.to_system_time());
        let not_after = DateTime::<Utc>::from(tbs.validity.not_after.to_system_time());
        Ok(SigningCert {
            key,
            not_before,
            not_after,
        })
    }

    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// Only the first PEM block is decoded: the rest of a chain is not used (the certificate is
/// trusted because it came over HTTPS from PayPal's own host).
fn first_pem_certificate(bytes: &[u8]) -> Result<Certificate, String> {
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let end = bytes
        .windows(END.len())
        .position(|w| w == END)
        .ok_or_else(|| "no PEM certificate".to_owned())?;
    Certificate::from_pem(&bytes[..end + END.len()]).map_err(|e| format!("not a certificate: {e}"))
}

/// Parsed certificates by URL. A certificate that has expired is fetched again (PayPal may
/// have replaced it at the same URL); one that is not valid at `now` even then is refused.
pub struct CertCache {
    fetcher: Arc<dyn CertFetcher>,
    entries: Mutex<HashMap<String, Arc<SigningCert>>>,
}

impl CertCache {
    pub fn new(fetcher: Arc<dyn CertFetcher>) -> CertCache {
        CertCache {
            fetcher,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The certificate at `url`, valid at `now`.
    pub async fn get(&self, url: &Url, now: DateTime<Utc>) -> Result<Arc<SigningCert>, String> {
        if let Some(cert) = self.cached(url)
            && now <= cert.not_after
        {
            return check_valid(cert, now);
        }
        // Two deliveries racing on a cold cache both fetch; that is harmless and keeps the lock
        // from being held across the network.
        let bytes = self.fetcher.fetch(url).await?;
        let cert = Arc::new(SigningCert::parse(&bytes)?);
        self.remember(url, cert.clone(), now);
        check_valid(cert, now)
    }

    fn cached(&self, url: &Url) -> Option<Arc<SigningCert>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(url.as_str()).cloned()
    }

    fn remember(&self, url: &Url, cert: Arc<SigningCert>, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if !entries.contains_key(url.as_str()) && entries.len() >= CACHE_ENTRIES {
            // Expired ones go first; if none has, the one expiring soonest makes room.
            entries.retain(|_, c| now <= c.not_after);
            if entries.len() >= CACHE_ENTRIES {
                let soonest = entries
                    .iter()
                    .min_by_key(|(_, c)| c.not_after)
                    .map(|(k, _)| k.clone());
                if let Some(key) = soonest {
                    entries.remove(&key);
                }
            }
        }
        entries.insert(url.as_str().to_owned(), cert);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

fn check_valid(cert: Arc<SigningCert>, now: DateTime<Utc>) -> Result<Arc<SigningCert>, String> {
    if cert.is_valid_at(now) {
        Ok(cert)
    } else {
        Err(format!(
            "not valid at {now} (valid {} to {})",
            cert.not_before, cert.not_after
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const LEAF: &str = include_str!("../../../tests/fixtures/paypal/leaf.pem");
    const CA: &str = include_str!("../../../tests/fixtures/paypal/ca.pem");

    /// Serves the fixture leaf for every URL and counts fetches.
    struct Counting(AtomicUsize);

    impl CertFetcher for Counting {
        fn fetch(&self, _url: &Url) -> BoxFuture<'_, Result<Vec<u8>, String>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(LEAF.as_bytes().to_vec()) })
        }
    }

    fn url(n: usize) -> Url {
        Url::parse(&format!(
            "https://api.paypal.com/v1/notifications/certs/CERT-{n}"
        ))
        .unwrap()
    }

    #[test]
    fn parses_the_leaf_of_a_pem_chain() {
        let chain = format!("{LEAF}{CA}");
        let cert = SigningCert::parse(chain.as_bytes()).unwrap();
        assert!(cert.not_before < cert.not_after);
        assert!(cert.is_valid_at(Utc::now()));
        assert!(SigningCert::parse(b"garbage").is_err());
        assert!(SigningCert::parse(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    }

    #[tokio::test]
    async fn caches_by_url_and_refuses_an_expired_certificate() {
        let fetcher = Arc::new(Counting(AtomicUsize::new(0)));
        let cache = CertCache::new(fetcher.clone());
        let now = Utc::now();
        cache.get(&url(1), now).await.unwrap();
        cache.get(&url(1), now).await.unwrap();
        assert_eq!(fetcher.0.load(Ordering::SeqCst), 1);

        // Past its expiry the certificate is fetched again, and still refused.
        let later = "2130-01-01T00:00:00Z".parse().unwrap();
        let err = cache.get(&url(1), later).await.unwrap_err();
        assert!(err.contains("not valid"), "{err}");
        assert_eq!(fetcher.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn keeps_at_most_the_bound() {
        let cache = CertCache::new(Arc::new(Counting(AtomicUsize::new(0))));
        for n in 0..CACHE_ENTRIES + 5 {
            cache.get(&url(n), Utc::now()).await.unwrap();
        }
        assert_eq!(cache.len(), CACHE_ENTRIES);
    }
}
