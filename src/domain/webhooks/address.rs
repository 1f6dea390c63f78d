//! Which endpoint URLs tollgate may call. An endpoint on this machine or on a private network
//! would let whoever registers it probe what the server can reach (SSRF), so unless
//! `TOLLGATE_WEBHOOK_ALLOW_PRIVATE` is set, hosts that are or resolve to such addresses are
//! refused — here when the endpoint is registered, and again at connect time by the
//! delivery's resolver (`notify::webhooks::client`), since DNS may answer differently later.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use url::{Host, Url};

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

pub const MALFORMED: &str = "Enter a valid URL, such as https://example.com/webhooks/tollgate.";
pub const PRIVATE: &str = "This URL's host is or resolves to a loopback, private, link-local \
     or other non-public address; such endpoints are refused unless \
     TOLLGATE_WEBHOOK_ALLOW_PRIVATE is set.";

/// True for the addresses a webhook must not reach: loopback, private (RFC 1918, fc00::/7),
/// link-local, unspecified, "this network", shared address space (CGNAT, 100.64.0.0/10),
/// broadcast and multicast — IPv4 ones also when written inside IPv6 (mapped or NAT64).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (b & 0xc0) == 64)
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_forbidden(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = s;
        return v4_forbidden(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
}

/// Parses an endpoint URL as staff typed it: http or https, a host, no credentials. The
/// message says what is wrong, for the form's `url` field.
pub fn parse(raw: &str) -> Result<Url, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL_LEN {
        return Err(MALFORMED);
    }
    let url = Url::parse(raw).map_err(|_| MALFORMED)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("The URL must start with http:// or https://.");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The URL must not hold a user name or password.");
    }
    if url.host().is_none() {
        return Err(MALFORMED);
    }
    Ok(url)
}

/// Whether the URL's host may be called: an address literal is checked as it is, a name by
/// every address it resolves to now (all must be public).
pub async fn check_host(url: &Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let name = match url.host() {
        Some(Host::Ipv4(ip)) => return public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => return public(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => name.to_owned(),
        None => return Err(MALFORMED.into()),
    };
    let lookup = tokio::net::lookup_host((name.as_str(), port));
    let addrs: Vec<_> = match tokio::time::timeout(Duration::from_secs(5), lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        _ => return Err(format!("The host {name} could not be resolved.")),
    };
    if addrs.is_empty() {
        return Err(format!("The host {name} could not be resolved."));
    }
    addrs.iter().try_for_each(|a| public(a.ip()))
}

fn public(ip: IpAddr) -> Result<(), String> {
    match is_forbidden(ip) {
        true => Err(PRIVATE.into()),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(text: &str) -> bool {
        is_forbidden(text.parse().unwrap())
    }

    #[test]
    fn non_public_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "93.184.215.14",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!forbidden(ip), "{ip} is public");
        }
    }

    #[test]
    fn urls_must_be_http_without_credentials() {
        assert!(parse("https://example.com/hook").is_ok());
        assert!(parse("http://example.com:8080/").is_ok());
        assert_eq!(parse("not a url"), Err(MALFORMED));
        assert_eq!(parse(""), Err(MALFORMED));
        assert!(parse("ftp://example.com/").is_err());
        assert!(parse("https://user:pw@example.com/").is_err());
        assert!(parse("https://user@example.com/").is_err());
    }
}
