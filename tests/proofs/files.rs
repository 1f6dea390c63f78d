//! What the proof tests send: small files of each kind (only their first bytes matter to the
//! type sniffing), and multipart bodies written by hand so the tests choose every header.

use reqwest::header::{HeaderMap, HeaderValue};

pub fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&[7; 64]);
    b
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

/// A Windows executable's header: what a renamed `.exe` starts with.
pub fn exe() -> Vec<u8> {
    let mut b = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    b.extend_from_slice(&[0; 64]);
    b
}

/// One part of a form: a text field, or a file with its name and the type the client claims.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        file_name: &'a str,
        claimed: &'a str,
        bytes: Vec<u8>,
    },
}

/// A multipart body and its content type, with a boundary of its own each time (as a client
/// retrying a request would send).
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = format!("----tollgate{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File {
                name,
                file_name,
                claimed,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {claimed}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The text parts of a confirmation of `invoice_id` for 89.00.
pub fn confirm_fields(invoice_id: &str, reference: &'static str) -> Vec<Part<'static>> {
    let invoice_id: &'static str = Box::leak(invoice_id.to_owned().into_boxed_str());
    vec![
        Part::Text("invoice_id", invoice_id),
        Part::Text("payment_method", "bank_transfer"),
        Part::Text("manual_reference", reference),
        Part::Text("amount", "89.00"),
    ]
}

pub fn file(file_name: &'static str, claimed: &'static str, bytes: Vec<u8>) -> Part<'static> {
    Part::File {
        name: "proof",
        file_name,
        claimed,
        bytes,
    }
}

pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
