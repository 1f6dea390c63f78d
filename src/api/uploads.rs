//! Files over HTTP, for the API and the pages alike: reading a `multipart/form-data` body (its
//! text parts and one file, held to the proof size limit), the larger body limit the upload
//! routes get, and sending a stored proof back with headers that keep a browser from running
//! or sniffing it.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};

use crate::api::extract::unreadable_body;
use crate::domain::proofs::{self, Download, Upload};
use crate::domain::validate::{CONTROL_CHARACTERS, forbidden_control};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Room for a multipart body's boundaries, part headers and text fields beside the file.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The multipart boundary named by the request's `Content-Type`, if any.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (key.trim().eq_ignore_ascii_case("boundary") && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The largest multipart body an upload route accepts.
pub fn upload_limit(state: &AppState) -> usize {
    state.proofs.max_bytes + MULTIPART_OVERHEAD
}

/// How much of a body over the limit is still read (and thrown away) before answering 413: a
/// client that is still sending when the answer comes would otherwise see its connection
/// reset instead of the answer. Beyond this the connection is simply closed.
pub fn drain_limit(state: &AppState) -> usize {
    2 * state.proofs.max_bytes + MULTIPART_OVERHEAD
}

/// Reads a whole body of at most `limit` bytes; a longer one is read on up to `drain` bytes
/// (discarded) and refused as `too_large`.
pub async fn read_body(
    body: Body,
    limit: usize,
    drain: usize,
    too_large: Error,
) -> Result<axum::body::Bytes> {
    use http_body_util::BodyExt;
    let mut body = http_body_util::Limited::new(body, drain);
    let mut kept = Vec::new();
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) if over => {
                tracing::debug!(error = %e, "stopped reading an oversized body");
                break;
            }
            Err(e) => return Err(unreadable(e.as_ref(), &too_large)),
        };
        if let Ok(data) = frame.into_data() {
            over = over || kept.len() + data.len() > limit;
            if !over {
                kept.extend_from_slice(&data);
            }
        }
    }
    match over {
        true => Err(too_large),
        false => Ok(kept.into()),
    }
}

/// Why a body could not be read, the size limit answered as `too_large` says.
fn unreadable(e: &(dyn std::error::Error + 'static), too_large: &Error) -> Error {
    match unreadable_body(e) {
        Error::PayloadTooLarge(_) => Error::PayloadTooLarge(too_large.to_string()),
        other => other,
    }
}

/// On an upload route, a multipart body may be as large as a proof allows (and is read
/// through up to [`drain_limit`] to answer one that is larger); any other body keeps the
/// general limit (a JSON confirmation is refused above 1 MiB, as before).
pub async fn upload_body_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !is_multipart(req.headers()) {
        return next.run(req).await;
    }
    let limited = DefaultBodyLimit::max(drain_limit(&state)).layer(next);
    match limited.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// A multipart form: its text parts by name and its file, if one was chosen.
#[derive(Default, Debug)]
pub struct Parts {
    pub text: BTreeMap<String, String>,
    pub proof: Option<Upload>,
}

impl Parts {
    /// A text part, `None` when absent.
    pub fn get(&self, name: &str) -> Option<String> {
        self.text.get(name).cloned()
    }
}

/// Why a multipart body could not be read, as the error envelope says it.
fn refused(e: axum::extract::multipart::MultipartError, state: &AppState) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return state.proofs.too_large();
    }
    match unreadable_body(&e) {
        Error::Invalid { .. } => Error::field("body", "Malformed multipart/form-data body."),
        other => other,
    }
}

/// Reads a `multipart/form-data` body: every text part (a control character in one is
/// refused, naming it, as in JSON bodies), and the `proof` file part, read no further than
/// the proof limit. A file part with no name and no bytes is a file input left empty.
pub async fn read_multipart(req: Request, state: &AppState) -> Result<Parts> {
    if !is_multipart(req.headers()) {
        return Err(Error::UnsupportedMediaType(
            "Content-Type must be multipart/form-data".into(),
        ));
    }
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|_| Error::field("body", "Malformed multipart/form-data body."))?;
    let mut parts = Parts::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| refused(e, state))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == proofs::FIELD {
            if parts.proof.is_some() {
                return Err(Error::field(proofs::FIELD, "Attach one file only."));
            }
            let file_name = field.file_name().map(str::to_owned);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| refused(e, state))? {
                if bytes.len() + chunk.len() > state.proofs.max_bytes {
                    drop(field);
                    return Err(drain(multipart, state).await);
                }
                bytes.extend_from_slice(&chunk);
            }
            if bytes.is_empty() && file_name.as_deref().is_none_or(str::is_empty) {
                continue;
            }
            parts.proof = Some(Upload {
                bytes: bytes.into(),
                file_name,
            });
        } else {
            let text = field.text().await.map_err(|e| refused(e, state))?;
            if forbidden_control(&name) || forbidden_control(&text) {
                let field = if forbidden_control(&name) {
                    "form"
                } else {
                    &name
                };
                return Err(Error::field(field, CONTROL_CHARACTERS));
            }
            parts.text.insert(name, text);
        }
    }
    Ok(parts)
}

/// Reads what is left of a body whose file is too large (see [`drain_limit`]), and gives the
/// 413 to answer.
async fn drain(mut multipart: Multipart, state: &AppState) -> Error {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
    state.proofs.too_large()
}

/// `Content-Disposition` with the original name: an ASCII fallback in `filename` and the
/// exact name in RFC 6266's `filename*` (UTF-8, percent-encoded), so no name can break the
/// header or smuggle a path.
pub fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => encoded.push(b as char),
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~' => {
                encoded.push(b as char)
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Whether a download is shown in the browser or saved.
#[derive(Clone, Copy)]
pub enum Disposition {
    Inline,
    Attachment,
}

/// A stored proof as a response: its sniffed type, its name, and a sandbox so that even a
/// file that is not what it claims cannot run script on this site's origin.
pub fn download(file: Download, disposition: Disposition) -> Response {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let mut res = Body::from_stream(file.bytes).into_response();
    let headers = res.headers_mut();
    let value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
    };
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(file.size.max(0)));
    headers.insert(
        CONTENT_DISPOSITION,
        value(&content_disposition(kind, &file.name)),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_for_the_header() {
        assert_eq!(
            content_disposition("inline", "reçu \"1\".pdf"),
            "inline; filename=\"re_u _1_.pdf\"; filename*=UTF-8''re%C3%A7u%20%221%22.pdf"
        );
        assert_eq!(
            content_disposition("attachment", "a\r\nb.png"),
            "attachment; filename=\"a__b.png\"; filename*=UTF-8''a%0D%0Ab.png"
        );
    }
}

/// The multipart form of a confirmation (its description; the handler reads the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ConfirmUpload {
    #[schema(example = 1)]
    pub invoice_id: i64,
    #[schema(schema_with = crate::domain::status::PaymentMethod::manual_schema)]
    pub payment_method: String,
    #[schema(example = "BT-20251208-12345")]
    pub manual_reference: String,
    #[schema(nullable = false, example = "Transferred via ABC Bank on Dec 8, 2025")]
    pub manual_notes: Option<String>,
    /// The invoice total, as a decimal string.
    #[schema(example = "89.00")]
    pub amount: String,
    /// A receipt or screenshot: PDF, PNG, JPEG or WebP.
    #[schema(value_type = String, format = Binary, required = false)]
    pub proof: Option<Vec<u8>>,
}

/// A proof file on its own.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ProofUpload {
    /// PDF, PNG, JPEG or WebP.
    #[schema(value_type = String, format = Binary)]
    pub proof: Vec<u8>,
}

/// A stored proof's bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ProofFile(Vec<u8>);
