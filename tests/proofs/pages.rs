//! The proofs in the web pages: the panel flags a file sent for two payments, and the
//! portal's "I have paid" form takes a file and links it afterwards.

use reqwest::StatusCode;

use crate::common::TestApp;
use crate::common::admin::Panel;
use crate::files::{Part, confirm_fields, file, multipart, pdf, png};
use crate::{confirmed_with, fetch, on_both_backends};

on_both_backends!(
    the_same_file_on_two_payments_is_flagged,
    the_portal_form_takes_a_proof_and_links_it,
);

async fn the_same_file_on_two_payments_is_flagged(app: TestApp) {
    let (_, first) =
        confirmed_with(&app, "a@test.com", file("a.pdf", "application/pdf", pdf())).await;
    let (_, second) =
        confirmed_with(&app, "b@test.com", file("b.pdf", "application/pdf", pdf())).await;
    let (_, third) = confirmed_with(&app, "c@test.com", file("c.png", "image/png", png())).await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let flag = "proof file also attached to another payment";
    for (id, flagged) in [(first, true), (second, true), (third, false)] {
        let page = panel.get(&format!("/admin/billing/payment/{id}/")).await;
        assert_eq!(page.body.contains(flag), flagged, "payment {id}");
    }
    let list = panel.get("/admin/billing/payment/").await;
    let shown = format!("{flag}</span>");
    assert_eq!(
        list.body.matches(shown.as_str()).count(),
        2,
        "{}",
        list.body
    );
}

async fn the_portal_form_takes_a_proof_and_links_it(app: TestApp) {
    let (_, invoice) = app.paid_customer("paid@test.com").await;
    let mut portal = Panel::customer(&app, "paid@test.com").await;
    let page = portal.get(&format!("/invoices/{invoice}/")).await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("type=\"file\" name=\"proof\""));
    let csrf = portal.csrf.clone();
    let mut parts = vec![Part::Text("csrf_token", Box::leak(csrf.into_boxed_str()))];
    parts.extend(
        confirm_fields(&invoice.to_string(), "BT-PORTAL")
            .into_iter()
            .skip(1),
    );
    parts.push(file("scan.png", "image/png", png()));
    let (content_type, body) = multipart(&parts);
    let url = format!("{}/invoices/{invoice}/pay/", app.address);
    let resp = portal
        .client
        .post(&url)
        .header("content-type", content_type)
        .body(body);
    let resp = resp.send().await.unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{}",
        resp.text().await.unwrap()
    );
    let page = portal.get(&format!("/invoices/{invoice}/")).await;
    let link = "/proof/\" download>scan.png</a>";
    assert!(page.body.contains(link), "{}", page.body);
    let payments = portal.get("/payments/").await;
    let at = payments
        .body
        .find(link)
        .expect("linked on the payments page");
    let href_start = payments.body[..at].rfind("href=\"").unwrap() + 6;
    let href = format!("{}{}", &payments.body[href_start..at], "/proof/");
    let (status, _, bytes) = fetch(&portal.client, format!("{}{href}", app.address), None).await;
    assert_eq!((status, bytes), (StatusCode::OK, png()));
    // Without the CSRF token nothing is done.
    let (content_type, body) = multipart(&[file("x.png", "image/png", png())]);
    let resp = portal
        .client
        .post(&url)
        .header("content-type", content_type)
        .body(body);
    assert_eq!(resp.send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
