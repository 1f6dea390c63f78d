//! The guide's troubleshooting cases and the API's error conventions: every bad request gets
//! the error envelope with the right status and changes nothing.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    invoice_not_found_also_for_another_accounts_invoice,
    amount_mismatch_compares_as_money,
    payment_not_pending_approval,
    confirmation_while_pending_or_paid_is_a_conflict,
    site_needs_industry_and_respects_max_sites,
    insufficient_credits_is_402_and_changes_nothing,
    staff_routes_are_for_staff_only,
    staff_queue_filters_searches_and_paginates,
);

async fn invoice_not_found_also_for_another_accounts_invoice(app: TestApp) {
    let (alice, alice_invoice) = app.paid_customer("alice@test.com").await;
    let (bob, _) = app.paid_customer("bob@test.com").await;
    let missing = app.confirm(&alice, 999, "89.00", "REF-1").await;
    let foreign = app.confirm(&bob, alice_invoice, "89.00", "REF-1").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error(), "Invoice not found");
    assert_eq!(foreign.status, missing.status);
    assert_eq!(foreign.error(), missing.error());
    let read = app
        .get(&format!("/billing/invoices/{alice_invoice}/"), Some(&bob))
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(read.error(), "Invoice not found");
    let junk = app.get("/billing/invoices/abc/", Some(&bob)).await;
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
}

async fn amount_mismatch_compares_as_money(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    for wrong in ["90.00", "8.90", "89.01"] {
        let r = app.confirm(&token, invoice, wrong, "REF").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert_eq!(r.error(), "Amount mismatch");
        assert!(r.body["errors"]["amount"].is_array());
    }
    let malformed = app.confirm(&token, invoice, "89.001", "REF").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.body["errors"]["amount"].is_array());
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(
        payments.data()["count"],
        0,
        "rejected confirmations store nothing"
    );
    // "89" is the same money as "89.00"; so is a JSON number.
    let ok = app.confirm(&token, invoice, "89", "REF").await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.data()["amount"], "89.00");
}

async fn payment_not_pending_approval(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let staff = app.staff_token("admin@example.com").await;
    let id = app.confirm(&token, invoice, "89.00", "REF").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    assert_eq!(app.approve(&staff, id).await.status, StatusCode::OK);
    let again = app.approve(&staff, id).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error(), "Payment not pending approval");
    let reject = app
        .post(
            &format!("/billing/admin/payments/{id}/reject/"),
            Some(&staff),
            json!({}),
        )
        .await;
    assert_eq!(reject.status, StatusCode::CONFLICT);
    let missing = app.approve(&staff, 999).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error(), "Payment not found");
    assert_eq!(
        app.assert_ledger_consistent(&token).await,
        1000,
        "credits granted once"
    );
}

async fn confirmation_while_pending_or_paid_is_a_conflict(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let staff = app.staff_token("admin@example.com").await;
    let first = app.confirm(&token, invoice, "89.00", "REF-1").await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = app.confirm(&token, invoice, "89.00", "REF-2").await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(
        second.error().contains("already pending"),
        "{}",
        second.error()
    );
    let id = first.data()["payment_id"].as_i64().unwrap();
    app.approve(&staff, id).await;
    let paid = app.confirm(&token, invoice, "89.00", "REF-3").await;
    assert_eq!(paid.status, StatusCode::CONFLICT);
    assert_eq!(paid.error(), "Invoice is already paid");
}

async fn site_needs_industry_and_respects_max_sites(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = app
        .post("/sites/", Some(&token), json!({"name": "Blog"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body["errors"]["industry_id"][0],
        "This field is required."
    );
    let unknown = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Blog", "industry_id": 9999}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body["errors"]["industry_id"].is_array());
    let first = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Blog", "industry_id": 1}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let over = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Shop", "industry_id": 1}),
        )
        .await;
    assert_eq!(over.status, StatusCode::FORBIDDEN);
    assert!(over.error().contains("Site limit"), "{}", over.error());
    let list = app.get("/sites/", Some(&token)).await;
    assert_eq!(list.data()["count"], 1);
    // Another account's site is not found.
    let other = app.register_free("other@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = first.data()["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/sites/{id}/"), Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn insufficient_credits_is_402_and_changes_nothing(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let big = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "site_structure_generation", "quantity": 21}),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYMENT_REQUIRED);
    assert!(
        big.error().starts_with("Insufficient credits"),
        "{}",
        big.error()
    );
    let unknown = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "teleport"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let zero = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering", "quantity": 0}),
        )
        .await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    assert!(zero.body["errors"]["quantity"].is_array());
    // 150 words at 1 credit per 100 words cost 2 credits: every started unit counts.
    let words = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "content_generation", "quantity": 150}),
        )
        .await;
    assert_eq!(words.data()["credits_used"], 2);
    assert_eq!(app.assert_ledger_consistent(&token).await, 998);
}

async fn staff_routes_are_for_staff_only(app: TestApp) {
    let (customer, invoice) = app.paid_customer("paid@test.com").await;
    let id = app.confirm(&customer, invoice, "89.00", "REF").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let staff = app.staff_token("admin@example.com").await;
    for (path, body) in [
        (
            format!("/billing/admin/payments/{id}/approve/"),
            Some(json!({})),
        ),
        (
            format!("/billing/admin/payments/{id}/reject/"),
            Some(json!({})),
        ),
        ("/billing/admin/payments/".to_owned(), None),
    ] {
        let anon = match &body {
            Some(b) => app.post(&path, None, b.clone()).await,
            None => app.get(&path, None).await,
        };
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{path}");
        let cust = match &body {
            Some(b) => app.post(&path, Some(&customer), b.clone()).await,
            None => app.get(&path, Some(&customer)).await,
        };
        assert_eq!(cust.status, StatusCode::FORBIDDEN, "{path}");
    }
    let bad_token = app.get("/billing/admin/payments/", Some("not-a-jwt")).await;
    assert_eq!(bad_token.status, StatusCode::UNAUTHORIZED);
    // Staff have no customer account.
    let staff_as_customer = app.get("/billing/invoices/", Some(&staff)).await;
    assert_eq!(staff_as_customer.status, StatusCode::FORBIDDEN);
    let still_pending = app.get("/billing/payments/", Some(&customer)).await;
    assert_eq!(
        still_pending.data()["results"][0]["status"],
        "pending_approval"
    );
}

async fn staff_queue_filters_searches_and_paginates(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (token, invoice) = app.paid_customer(&format!("user{i}@test.com")).await;
        let r = app
            .confirm(&token, invoice, "89.00", &format!("BT-2025_{i}"))
            .await;
        ids.push(r.data()["payment_id"].as_i64().unwrap());
    }
    app.approve(&staff, ids[0]).await;
    let pending = app
        .get(
            "/billing/admin/payments/?status=pending_approval",
            Some(&staff),
        )
        .await;
    assert_eq!(pending.data()["count"], 2);
    let search = app
        .get("/billing/admin/payments/?search=bt-2025_1", Some(&staff))
        .await;
    assert_eq!(
        search.data()["count"],
        1,
        "case-insensitive, `_` matched literally"
    );
    assert_eq!(search.data()["results"][0]["manual_reference"], "BT-2025_1");
    let by_email = app
        .get("/billing/admin/payments/?search=USER2@", Some(&staff))
        .await;
    assert_eq!(by_email.data()["count"], 1);
    let by_invoice = app
        .get("/billing/admin/payments/?search=INV-3-", Some(&staff))
        .await;
    assert_eq!(by_invoice.data()["count"], 1);
    let page = app
        .get("/billing/admin/payments/?page_size=2", Some(&staff))
        .await;
    assert_eq!(page.data()["count"], 3);
    assert_eq!(page.data()["results"].as_array().unwrap().len(), 2);
    let next = page.data()["next"].as_str().unwrap();
    assert!(
        next.contains("page=2") && next.contains("page_size=2"),
        "{next}"
    );
    let bad = app
        .get("/billing/admin/payments/?status=bogus", Some(&staff))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let approved = app
        .get("/billing/admin/payments/?status=succeeded", Some(&staff))
        .await;
    assert_eq!(
        approved.data()["results"][0]["approved_by"],
        "admin@example.com"
    );
}
