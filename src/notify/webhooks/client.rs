//! The HTTP client deliveries go out on: 15 s per attempt, redirects not followed (a 3xx is
//! a failed attempt), no proxy, and — unless private addresses are allowed — a resolver that
//! drops loopback, private and link-local addresses, so a name that resolved to a public
//! address when the endpoint was registered cannot be pointed inward later (DNS rebinding).
//! Address literals never reach a resolver, so they are checked here before connecting.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use url::{Host, Url};

use super::schedule::parse_retry_after;
use crate::domain::webhooks::address::{self, is_forbidden};

/// How long one attempt may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of the receiver's answer is kept for the delivery log.
const EXCERPT_BYTES: usize = 512;

/// The receiver's answer to one attempt.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub excerpt: String,
}

/// One attempt's request.
pub struct Request<'a> {
    pub url: &'a str,
    pub message_id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: &'a str,
}

pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> anyhow::Result<Sender> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("tollgate-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(PublicOnly { allow_private })
            .build()?;
        Ok(Sender {
            client,
            allow_private,
        })
    }

    /// POSTs the body with the Standard Webhooks headers. `Err` says why no answer came.
    pub async fn post(&self, req: Request<'_>) -> Result<Answer, String> {
        let url = Url::parse(req.url).map_err(|_| address::MALFORMED.to_owned())?;
        if !self.allow_private {
            let literal = match url.host() {
                Some(Host::Ipv4(ip)) => Some(ip.into()),
                Some(Host::Ipv6(ip)) => Some(ip.into()),
                _ => None,
            };
            if literal.is_some_and(is_forbidden) {
                return Err(address::PRIVATE.to_owned());
            }
        }
        let mut resp = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("webhook-id", req.message_id)
            .header("webhook-timestamp", req.timestamp.to_string())
            .header("webhook-signature", req.signature)
            .body(req.body.to_owned())
            .send()
            .await
            .map_err(describe)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        // Only the start of the answer is read: a receiver may send a lot, or forever.
        let mut bytes = Vec::new();
        while bytes.len() < EXCERPT_BYTES {
            match resp.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        bytes.truncate(EXCERPT_BYTES);
        Ok(Answer {
            status,
            retry_after,
            excerpt: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

/// A failed request in a sentence for the delivery log (the error and its causes).
fn describe(err: reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = format!("{kind}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The system resolver, keeping only public addresses unless private ones are allowed.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if kept.is_empty() {
                let refused = format!("{host} resolves to no public address; refused");
                return Err(refused.into());
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}
