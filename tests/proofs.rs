//! Payment proofs: uploaded with a multipart confirmation or on their own, sniffed and
//! limited, stored before the transaction (and removed when it fails), shown to staff in the
//! panel, downloaded by their customer only, flagged when the same file comes twice, and
//! swept when nothing refers to them. Against local folders and real S3-compatible servers.

mod common;
#[path = "proofs/files.rs"]
mod files;
#[path = "proofs/pages.rs"]
mod pages;
#[path = "proofs/s3.rs"]
mod s3_tests;

use common::TestApp;
use common::admin::Panel;
use files::{Part, confirm_fields, exe, file, header, multipart, pdf, png};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

on_both_backends!(
    a_multipart_confirmation_keeps_its_proof_for_staff_and_customer,
    a_proof_is_attached_and_replaced_while_pending,
    bad_files_are_refused_and_nothing_is_stored,
    a_retried_upload_with_its_key_is_replayed,
    the_sweep_deletes_old_orphans_only,
);

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// POSTs a multipart form to the API.
pub async fn post_form(
    app: &TestApp,
    path: &str,
    token: &str,
    parts: &[Part<'_>],
    key: Option<&str>,
) -> Answer {
    let (content_type, body) = multipart(parts);
    let mut req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let resp = req.send().await.expect("sent");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

/// GETs a file: status, headers, bytes.
pub async fn fetch(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("sent");
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// The keys of every stored proof.
pub async fn stored(app: &TestApp) -> Vec<String> {
    let listed = app.proofs.storage.list("proofs").await.expect("listed");
    listed.into_iter().map(|o| o.key).collect()
}

pub async fn payments_of(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/billing/payments/", Some(token)).await;
    r.data()["results"].as_array().unwrap().clone()
}

/// A paid customer's multipart confirmation with `proof`; returns (token, payment id).
pub async fn confirmed_with(app: &TestApp, email: &str, proof: Part<'static>) -> (String, i64) {
    let (token, invoice) = app.paid_customer(email).await;
    let mut parts = confirm_fields(&invoice.to_string(), "BT-PROOF-1");
    parts.push(proof);
    let r = post_form(
        app,
        "/billing/admin/payments/confirm/",
        &token,
        &parts,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (token, r.body["data"]["payment_id"].as_i64().unwrap())
}

async fn a_multipart_confirmation_keeps_its_proof_for_staff_and_customer(app: TestApp) {
    // The part claims a PDF named .png; the bytes are a PNG, and that is what counts.
    let proof = file("reçu déc.png", "application/pdf", png());
    let (token, id) = confirmed_with(&app, "paid@test.com", proof).await;
    let listed = payments_of(&app, &token).await;
    let p = &listed[0]["proof"];
    assert_eq!(p["name"], "reçu déc.png");
    assert_eq!(p["content_type"], "image/png");
    assert_eq!(p["size"], png().len());
    assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
    let keys = stored(&app).await;
    assert_eq!(keys.len(), 1);
    assert!(
        keys[0].starts_with("proofs/") && !keys[0].contains("re"),
        "{keys:?}"
    );

    // The customer downloads it through the API.
    let url = app.url(&format!("/billing/payments/{id}/proof/"));
    let (status, headers, bytes) = fetch(&app.client, url.clone(), Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png());
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "content-security-policy"), "sandbox");
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"re_u d_c.png\"; filename*=UTF-8''re%C3%A7u%20d%C3%A9c.png"
    );

    // Another customer gets exactly what a missing payment gets.
    let (other, _) = app.paid_customer("other@test.com").await;
    let theirs = app
        .get(&format!("/billing/payments/{id}/proof/"), Some(&other))
        .await;
    let missing = app
        .get("/billing/payments/999999/proof/", Some(&other))
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (theirs.status, theirs.error()),
        (missing.status, missing.error())
    );
    // Anonymous callers are not let in.
    let (status, _, _) = fetch(&app.client, url, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Staff see it inline on the payment's page, through the panel's own route.
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let page = panel.get(&format!("/admin/billing/payment/{id}/")).await;
    let src = format!("/admin/billing/payment/{id}/proof/");
    assert!(
        page.body.contains(&format!("<img src=\"{src}\"")),
        "{}",
        page.body
    );
    let csp = header(&page.headers, "content-security-policy");
    assert!(csp.contains("img-src 'self'"), "{csp}");
    let (status, headers, bytes) =
        fetch(&panel.client, format!("{}{src}", app.address), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png());
    assert_eq!(header(&headers, "content-security-policy"), "sandbox");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-disposition").starts_with("inline; "));
    // Not without a staff session.
    let anonymous = Panel::new(&app);
    let (status, _, _) = fetch(&anonymous.client, format!("{}{src}", app.address), None).await;
    assert_ne!(status, StatusCode::OK);
}

async fn a_proof_is_attached_and_replaced_while_pending(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let id = app.confirm(&token, invoice, "89.00", "BT-1").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let path = format!("/billing/payments/{id}/proof/");
    let r = post_form(
        &app,
        &path,
        &token,
        &[file("a.pdf", "application/pdf", pdf())],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["data"]["proof"]["content_type"], "application/pdf");
    let first = stored(&app).await;
    let r = post_form(
        &app,
        &path,
        &token,
        &[file("b.png", "image/png", png())],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["data"]["proof"]["name"], "b.png");
    let second = stored(&app).await;
    assert_eq!(second.len(), 1, "the replaced file is deleted");
    assert_ne!(first, second);

    // Another account's payment answers like a missing one, and nothing is kept.
    let (other, _) = app.paid_customer("other@test.com").await;
    let theirs = post_form(
        &app,
        &path,
        &other,
        &[file("c.png", "image/png", png())],
        None,
    )
    .await;
    let missing = "/billing/payments/999999/proof/";
    let none = post_form(
        &app,
        missing,
        &other,
        &[file("c.png", "image/png", png())],
        None,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.body["error"], none.body["error"]);
    assert_eq!(stored(&app).await, second);

    // Reviewed: no longer replaced.
    let staff = app.staff_token("admin@example.com").await;
    assert_eq!(app.approve(&staff, id).await.status, StatusCode::OK);
    let r = post_form(
        &app,
        &path,
        &token,
        &[file("d.png", "image/png", png())],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(stored(&app).await, second);
    // A JSON body is not an upload.
    let r = app.post(&path, Some(&token), serde_json::json!({})).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn bad_files_are_refused_and_nothing_is_stored(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let confirm = "/billing/admin/payments/confirm/";
    let with = |proof: Part<'static>| {
        let mut parts = confirm_fields(&invoice.to_string(), "BT-BAD");
        parts.push(proof);
        parts
    };
    for (proof, why) in [
        (
            file("receipt.pdf", "application/pdf", exe()),
            "renamed .exe",
        ),
        (
            file("empty.pdf", "application/pdf", Vec::new()),
            "empty file",
        ),
        (file("notes.txt", "text/plain", b"paid!".to_vec()), "text"),
    ] {
        let r = post_form(&app, confirm, &token, &with(proof), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.body);
        assert!(r.body["errors"]["proof"].is_array(), "{why}: {}", r.body);
    }
    // 11 MiB: over the 10 MiB limit.
    let mut big = pdf();
    big.resize(11 * 1024 * 1024, b' ');
    let r = post_form(
        &app,
        confirm,
        &token,
        &with(file("big.pdf", "application/pdf", big)),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(
        r.body["error"].as_str().unwrap().contains("10 MiB"),
        "{}",
        r.body
    );
    // A control character in a text part is refused like in JSON, naming the field.
    let mut parts = confirm_fields(&invoice.to_string(), "BT-\u{1b}[31m");
    parts.push(file("ok.png", "image/png", png()));
    let r = post_form(&app, confirm, &token, &parts, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["errors"]["manual_reference"].is_array(),
        "{}",
        r.body
    );
    // A good file with a refused confirmation (wrong amount) is deleted again.
    let mut parts = vec![
        Part::Text(
            "invoice_id",
            Box::leak(invoice.to_string().into_boxed_str()),
        ),
        Part::Text("payment_method", "bank_transfer"),
        Part::Text("manual_reference", "BT-X"),
        Part::Text("amount", "1.00"),
    ];
    parts.push(file("ok.png", "image/png", png()));
    let r = post_form(&app, confirm, &token, &parts, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Amount mismatch");

    assert!(payments_of(&app, &token).await.is_empty());
    assert!(stored(&app).await.is_empty(), "nothing kept");
    // A file input left empty is no proof at all: the confirmation goes through without.
    let r = post_form(
        &app,
        confirm,
        &token,
        &with(file("", "application/octet-stream", Vec::new())),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(payments_of(&app, &token).await[0]["proof"].is_null());
}

async fn a_retried_upload_with_its_key_is_replayed(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let mut parts = confirm_fields(&invoice.to_string(), "BT-KEY");
    parts.push(file("r.pdf", "application/pdf", pdf()));
    let path = "/billing/admin/payments/confirm/";
    // Each send has a boundary of its own, as a client's retry would.
    let first = post_form(&app, path, &token, &parts, Some("upload-1")).await;
    let again = post_form(&app, path, &token, &parts, Some("upload-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(header(&again.headers, "idempotent-replayed"), "true");
    assert_eq!(first.body["data"], again.body["data"]);
    assert_eq!(stored(&app).await.len(), 1);
    // Another file under the same key is another request.
    parts.pop();
    parts.push(file("r.png", "image/png", png()));
    let other = post_form(&app, path, &token, &parts, Some("upload-1")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Too large with a key: refused the same (413), and answered, not cut off.
    parts.pop();
    let mut big = pdf();
    big.resize(11 * 1024 * 1024, b' ');
    parts.push(file("big.pdf", "application/pdf", big));
    let r = post_form(&app, path, &token, &parts, Some("upload-2")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(stored(&app).await.len(), 1);
}

async fn the_sweep_deletes_old_orphans_only(app: TestApp) {
    let (_, _) = confirmed_with(&app, "a@test.com", file("a.pdf", "application/pdf", pdf())).await;
    let kept = stored(&app).await;
    let storage = &app.proofs.storage;
    storage.put("proofs/orphan", pdf().into()).await.unwrap();
    let sweep = |now| tollgate::domain::proofs::sweep_orphans(&app.db, &app.proofs, now);
    // Young orphans may belong to an upload still in its transaction: kept.
    assert_eq!(sweep(chrono::Utc::now()).await.unwrap(), 0);
    assert_eq!(stored(&app).await.len(), 2);
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    assert_eq!(sweep(later).await.unwrap(), 1);
    assert_eq!(stored(&app).await, kept, "the referenced proof stays");
    // Again (another server, the next round): nothing more to do.
    assert_eq!(sweep(later).await.unwrap(), 0);
    let purged = tollgate::housekeeping::run_once(&app.db, &app.proofs)
        .await
        .unwrap();
    assert_eq!(purged.orphan_proofs, 0);
}
