//! The security headers of every server-rendered page.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Strict by default: nothing loads from elsewhere, nothing frames a page.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Wraps a router of pages: a strict CSP, no framing, no sniffing, no caching of pages that
/// show customers' data, no referrer outside the site.
pub fn secured<S: Clone + Send + Sync + 'static>(pages: Router<S>) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    pages
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        // A stored file served from a page route sets its own, stricter `sandbox`; every page
        // gets this one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::CACHE_CONTROL, "no-store"))
}
