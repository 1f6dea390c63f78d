//! The billing documents in the pages: the portal's invoice page and the admin panel's link
//! the invoice's PDF, its receipt and its credit notes, and serve them under their own
//! sessions, byte for byte what the API serves (`tests/documents_api.rs`).

mod common;

use common::TestApp;
use common::admin::Panel;
use reqwest::StatusCode;
use tollgate::domain::refunds::{self, RefundInput};

on_both_backends!(the_portal_and_the_panel_link_and_serve_the_same_pdfs);

async fn the_portal_and_the_panel_link_and_serve_the_same_pdfs(app: TestApp) {
    let (staff_token, actor) = app.staff_actor().await;
    let (token, id) = app.paid_customer("portal-pdf@test.com").await;
    let paid = app.confirm(&token, id, "89.00", "REF-PORTAL-1").await;
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(
        app.approve(&staff_token, payment).await.status,
        StatusCode::OK
    );
    let input = RefundInput {
        amount: Some("1.00".into()),
        reason: Some("Goodwill".into()),
    };
    let note = refunds::refund(&app.db, &actor, id, input, &[])
        .await
        .unwrap()
        .credit_note;
    let api = |path: String| {
        let (app, token) = (&app, &token);
        async move { app.get_file(&path, Some(token)).await.bytes }
    };
    let invoice = api(format!("/billing/invoices/{id}/pdf/")).await;
    let receipt = api(format!("/billing/invoices/{id}/receipt/pdf/")).await;
    let credit_note = api(format!("/billing/credit-notes/{}/pdf/", note.id)).await;

    // The portal links them from the invoice's page and serves the same bytes.
    let mut portal = Panel::customer(&app, "portal-pdf@test.com").await;
    let page = portal.get(&format!("/invoices/{id}/")).await;
    assert_eq!(page.status, StatusCode::OK);
    let links = [
        (format!("/invoices/{id}/pdf/"), &invoice),
        (format!("/invoices/{id}/receipt/pdf/"), &receipt),
        (format!("/credit-notes/{}/pdf/", note.id), &credit_note),
    ];
    for (path, bytes) in &links {
        assert!(
            page.body.contains(&format!("href=\"{path}\"")),
            "{path}: {}",
            page.body
        );
        let served = portal.get_file(path).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(served.header("content-type"), "application/pdf");
        assert_eq!(&served.bytes, *bytes, "{path}");
    }
    assert!(page.body.contains(&note.number), "{}", page.body);
    let list = portal.get("/invoices/").await;
    assert!(list.body.contains(&format!("href=\"/invoices/{id}/pdf/\"")));

    // Another customer's portal: not found. Nobody signed in: the sign-in page.
    app.paid_customer("portal-other@test.com").await;
    let other = Panel::customer(&app, "portal-other@test.com").await;
    for (path, _) in &links {
        assert_eq!(
            other.get_file(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        let anonymous = Panel::new(&app).get_file(path).await;
        assert!(
            anonymous.status.is_redirection(),
            "{path}: {}",
            anonymous.status
        );
    }

    // The panel links them among the invoice's facts and its credit notes, with the same bytes.
    let mut panel = Panel::staff(&app, "panel@example.com").await;
    let page = panel.get(&format!("/admin/billing/invoice/{id}/")).await;
    assert_eq!(page.status, StatusCode::OK);
    let links = [
        (format!("/admin/billing/invoice/{id}/pdf/"), &invoice),
        (
            format!("/admin/billing/invoice/{id}/receipt/pdf/"),
            &receipt,
        ),
        (
            format!("/admin/billing/creditnote/{}/pdf/", note.id),
            &credit_note,
        ),
    ];
    for (path, bytes) in links {
        assert!(
            page.body.contains(&format!("href=\"{path}\"")),
            "{path}: {}",
            page.body
        );
        let served = panel.get_file(&path).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(&served.bytes, bytes, "{path}");
        // Customers' sessions are not the panel's.
        assert!(
            portal.get_file(&path).await.status.is_redirection(),
            "{path}"
        );
    }
}
