//! The guide's troubleshooting cases and the API's error conventions: every bad request gets
//! the error envelope with the right status and changes nothing.

mod common;

use common::{PASSWORD, TestApp};
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
    registration_validates_every_field,
    malformed_requests_get_clear_answers,
    tokens_refresh_and_logout,
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

async fn registration_validates_every_field(app: TestApp) {
    let r = app.post("/auth/register/", None, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for field in [
        "email",
        "password",
        "password_confirm",
        "first_name",
        "last_name",
    ] {
        assert!(r.body["errors"][field].is_array(), "{field}: {}", r.body);
    }
    let base = json!({"email": "x@test.com", "first_name": "A", "last_name": "B"});
    for (password, confirm) in [
        ("short", "short"),
        ("1234567890", "1234567890"),
        ("password123", "password123"),
        (PASSWORD, "Other123!"),
    ] {
        let mut body = base.clone();
        body["password"] = json!(password);
        body["password_confirm"] = json!(confirm);
        let r = app.post("/auth/register/", None, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{password}");
    }
    let mut paid = base.clone();
    paid["password"] = json!(PASSWORD);
    paid["password_confirm"] = json!(PASSWORD);
    paid["plan_slug"] = json!("starter");
    let r = app.post("/auth/register/", None, paid.clone()).await;
    assert!(
        r.body["errors"]["billing_country"].is_array()
            && r.body["errors"]["payment_method"].is_array(),
        "{}",
        r.body
    );
    paid["billing_country"] = json!("US");
    paid["payment_method"] = json!("local_wallet");
    let r = app.post("/auth/register/", None, paid.clone()).await;
    assert!(
        r.body["errors"]["payment_method"].is_array(),
        "no wallet in the US: {}",
        r.body
    );
    paid["plan_slug"] = json!("internal");
    let r = app.post("/auth/register/", None, paid).await;
    assert!(
        r.body["errors"]["plan_slug"].is_array(),
        "internal is not for sale"
    );

    assert_eq!(
        app.register_free("taken@test.com").await.status,
        StatusCode::CREATED
    );
    let dup = app.register_free("TAKEN@test.com").await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert!(dup.body["errors"]["email"].is_array());
    let login = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "taken@test.com", "password": "wrong-pass"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "nobody@test.com", "password": "wrong-pass"}),
        )
        .await;
    assert_eq!(unknown.error(), login.error(), "no user enumeration");
}

async fn malformed_requests_get_clear_answers(app: TestApp) {
    let url = app.url("/auth/login/");
    let text = app.client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let wrong_type = app
        .post("/auth/login/", None, json!({"email": 5, "password": "x"}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(wrong_type.body["errors"]["email"].is_array());
    let huge = "x".repeat(2 * 1024 * 1024);
    // Its own client: the server answers 413 without reading the body and closes that
    // connection, which must not be reused by the requests after it.
    let too_big = reqwest::Client::new()
        .post(app.url("/auth/register/"))
        .header("content-type", "application/json")
        .body(format!("{{\"email\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let missing = app.get("/no/such/route/", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["success"], false);
    let method = app
        .client
        .delete(app.url("/billing/plans/"))
        .send()
        .await
        .unwrap();
    assert_eq!(method.status(), StatusCode::METHOD_NOT_ALLOWED);
    // With and without the trailing slash.
    assert_eq!(app.get("/billing/plans", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/billing/plans/", None).await.status,
        StatusCode::OK
    );
    let bad_page = app
        .get("/billing/admin/payment-methods/?country=PK&page=x", None)
        .await;
    assert_eq!(bad_page.status, StatusCode::OK, "unused params are ignored");
}

async fn tokens_refresh_and_logout(app: TestApp) {
    let r = app.register_free("free@test.com").await;
    let refresh = r.data()["refresh"].as_str().unwrap().to_owned();
    let access = r.data()["token"].as_str().unwrap().to_owned();
    let renewed = app
        .post("/auth/refresh/", None, json!({"refresh": refresh}))
        .await;
    assert_eq!(renewed.status, StatusCode::OK);
    let new_access = renewed.data()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/auth/me/", Some(&new_access)).await.status,
        StatusCode::OK
    );
    let out = app
        .post("/auth/logout/", Some(&access), json!({"refresh": refresh}))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    let revoked = app
        .post("/auth/refresh/", None, json!({"refresh": refresh}))
        .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    let forged = app
        .post("/auth/refresh/", None, json!({"refresh": "deadbeef"}))
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    // A refresh token is not an access token.
    assert_eq!(
        app.get("/auth/me/", Some(&refresh)).await.status,
        StatusCode::UNAUTHORIZED
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
