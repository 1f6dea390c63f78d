//! Request extractors whose failures come out in the error envelope (after axum's
//! `examples/error-handling`): JSON bodies, query parameters and path ids.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::Uri;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::api::replies::lists;
use crate::domain::page::{KeysetRequest, Page as DomainPage, PageRequest};
use crate::domain::validate::{CONTROL_CHARACTERS, forbidden_control};
use crate::error::{Error, FieldErrors, Problems};

/// A JSON body. An empty body reads as `{}`, so missing fields are reported by name;
/// malformed JSON, a wrong content type and oversized bodies get their own clear answers.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge("Request body is too large (limit 1 MiB)".into())
            } else {
                unreadable_body(&rejection)
            }
        })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            if is_json != Some(true) {
                return Err(Error::UnsupportedMediaType(
                    "Content-Type must be application/json".into(),
                ));
            }
            &bytes
        };
        let value: serde_json::Value = serde_json::from_slice(text)
            .map_err(|e| Error::field("body", format!("Malformed JSON: {e}")))?;
        if !value.is_object() {
            return Err(Error::field("body", "Expected a JSON object."));
        }
        let mut problems = Problems::default();
        refuse_control_characters(&value, "", &mut problems);
        problems.finish()?;
        serde_path_to_error::deserialize(value)
            .map(AppJson)
            .map_err(|e| {
                let field = match e.path().to_string() {
                    p if p == "." => "body".to_owned(),
                    p => p,
                };
                let mut fields = FieldErrors::new();
                fields.insert(field.clone(), vec![e.inner().to_string()]);
                Error::Invalid {
                    message: format!("{field}: invalid value"),
                    fields,
                }
            })
    }
}

/// Why a request body could not be read: over the size limit (413), not sent before the
/// body deadline set in `app::router` (408), or cut off (400).
pub fn unreadable_body(err: &(dyn std::error::Error + 'static)) -> Error {
    let mut source = Some(err);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return Error::RequestTimeout("The request body was not sent in time.".into());
        }
        if err.is::<http_body_util::LengthLimitError>() {
            return Error::PayloadTooLarge("Request body is too large (limit 1 MiB)".into());
        }
        source = err.source();
    }
    Error::field("body", "Could not read the request body.")
}

/// Names every string (or key) of a JSON body that holds a control character, by its path
/// (`billing_city`, `items[2].name`).
fn refuse_control_characters(value: &serde_json::Value, path: &str, problems: &mut Problems) {
    use serde_json::Value;
    let field = |path: &str| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(s) if forbidden_control(s) => problems.add(&field(path), CONTROL_CHARACTERS),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refuse_control_characters(item, &format!("{path}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if forbidden_control(key) {
                    problems.add(&field(path), CONTROL_CHARACTERS);
                    continue;
                }
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                refuse_control_characters(item, &path, problems);
            }
        }
        _ => {}
    }
}

/// The query parameter (name or value) holding a control character, if any: the whole
/// router refuses such a request before any handler reads it (see `security::guard_query`).
pub fn query_with_control_characters(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| forbidden_control(k) || forbidden_control(v))
        .map(|(k, _)| {
            if forbidden_control(&k) {
                "query".to_owned()
            } else {
                k.into_owned()
            }
        })
}

/// Query parameters, read leniently and validated where used.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Query(map) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::field("query", "Malformed query string."))?;
        Ok(Params(map))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn number(&self, key: &str) -> Result<Option<u64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| Error::field(key, "Enter a positive whole number.")),
        }
    }

    pub fn page(&self) -> Result<PageRequest, Error> {
        Ok(PageRequest::new(
            self.number("page")?,
            self.number("page_size")?,
        ))
    }

    /// Cursor mode: `Some` when the request carries `cursor`, even empty (the first page);
    /// `page` is then ignored.
    pub fn keyset(&self) -> Result<Option<KeysetRequest>, Error> {
        let Some(cursor) = self.0.get("cursor") else {
            return Ok(None);
        };
        KeysetRequest::parse(cursor, self.number("page_size")?, self.get("sort")).map(Some)
    }
}

/// What a plain numbered list reads: the page asked for (`page`, `page_size`, refused as
/// `Params::page` refuses them) and the request's URI, from which its reply's `next` and
/// `previous` links are made. Lists that also filter read `Params` and `Uri` themselves:
/// they validate their filters before the page, and the staff queue ignores `page` when
/// paging by cursor.
pub struct Paging {
    pub request: PageRequest,
    pub uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let params = Params::from_request_parts(parts, state).await?;
        Ok(Paging {
            request: params.page()?,
            uri: parts.uri.clone(),
        })
    }
}

impl Paging {
    /// The domain's page for this request as the reply's list, each item shown with `show`.
    pub fn list<T, R>(&self, page: DomainPage<T>, show: impl FnMut(T) -> R) -> lists::Page<R> {
        lists::page(page, &self.uri, show)
    }
}

/// A numeric id from the path; anything else is "not found", like a missing row.
pub fn path_id(raw: &str, not_found: &str) -> Result<i64, Error> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::NotFound(not_found.to_owned()))
}

/// The client's address: the TCP peer, or — behind a proxy we are told to trust
/// (`TOLLGATE_TRUST_PROXY`) — the first address of `X-Forwarded-For`.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<crate::state::AppState> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Error> {
        if state.trust_proxy
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(ClientAddr(Some(forwarded)));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer))
    }
}
