//! Response headers every client gets, and CORS (closed unless origins are configured).

use axum::extract::Request as AnyRequest;
use axum::http::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// nosniff, no framing, no referrer leakage; HSTS when the request came over HTTPS (a proxy
/// in front says so). Pages that need stricter values (the admin panel) set their own.
pub async fn security_headers(req: AnyRequest, next: Next) -> Response {
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let mut set = |name, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

/// Browsers may call the API cross-origin only from the configured origins (none by default).
pub fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::HeaderName::from_static("x-request-id")])
}

/// Refuses a request whose query string holds a control character (`?search=%00`), before
/// any handler or database sees it: 400 naming the parameter, as a page inside the panel and
/// in the JSON envelope elsewhere. Bodies are checked where they are parsed (`AppJson`, the
/// panel's `Form`), by the same rule.
pub async fn guard_query(req: AnyRequest, next: Next) -> Response {
    use axum::response::IntoResponse;
    let Some(field) = req
        .uri()
        .query()
        .and_then(crate::api::extract::query_with_control_characters)
    else {
        return next.run(req).await;
    };
    let err = crate::error::Error::field(&field, crate::domain::validate::CONTROL_CHARACTERS);
    if req.uri().path().starts_with("/admin") {
        crate::web::error::PageError(err).into_response()
    } else {
        err.into_response()
    }
}

/// The longest client-supplied request id kept.
const MAX_REQUEST_ID: usize = 128;

/// A client's `X-Request-Id` is kept only when it is a bounded token (letters, digits and
/// `-_.:+/=`); anything else is dropped, so a fresh id is generated instead of echoing the
/// client's text into headers, bodies and logs.
pub fn drop_unsafe_request_id<B>(mut req: Request<B>) -> Request<B> {
    let ok = req.headers().get("x-request-id").is_none_or(|v| {
        let v = v.as_bytes();
        (1..=MAX_REQUEST_ID).contains(&v.len())
            && v.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
    });
    if !ok {
        req.headers_mut().remove("x-request-id");
    }
    req
}
