//! The quick-start guide's three scenarios, end to end over HTTP.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    scenario_1_free_trial_journey,
    scenario_2_paid_user_happy_path,
    scenario_3_rejected_payment_can_be_resubmitted,
    payment_methods_follow_the_guides_table,
);

async fn scenario_1_free_trial_journey(app: TestApp) {
    let r = app.register_free("FreeTrial@Test.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.data();
    assert_eq!(d["account"]["status"], "trial");
    assert_eq!(d["account"]["credits"], 1000);
    assert_eq!(d["account"]["plan"]["slug"], "free");
    assert_eq!(d["subscription"], json!(null));
    assert_eq!(d["invoice"], json!(null));
    assert_eq!(
        d["user"]["email"], "freetrial@test.com",
        "emails are case-insensitive"
    );
    assert_eq!(d["token"], d["access"]);
    let token = d["token"].as_str().unwrap().to_owned();

    // The trial credits are in the ledger.
    let ledger = app
        .get("/billing/credits/transactions/", Some(&token))
        .await;
    assert_eq!(ledger.data()["count"], 1);
    assert_eq!(ledger.data()["results"][0]["transaction_type"], "trial");
    assert_eq!(ledger.data()["results"][0]["amount"], 1000);

    // A site needs an industry; the creator gets access; max_sites = 1.
    let no_industry = app
        .post("/sites/", Some(&token), json!({"name": "Blog"}))
        .await;
    assert_eq!(no_industry.status, StatusCode::BAD_REQUEST);
    assert!(no_industry.body["errors"]["industry_id"].is_array());
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    let site = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Blog", "industry_id": industry}),
        )
        .await;
    assert_eq!(site.status, StatusCode::CREATED, "{}", site.body);
    let site_id = site.data()["id"].as_i64().unwrap();
    let detail = app.get(&format!("/sites/{site_id}/"), Some(&token)).await;
    assert_eq!(
        detail.data()["user_access"][0]["email"],
        "freetrial@test.com"
    );
    assert_eq!(detail.data()["user_access"][0]["role"], "owner");
    let second = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Shop", "industry_id": industry}),
        )
        .await;
    assert_eq!(second.status, StatusCode::FORBIDDEN);

    // AI features spend the trial credits.
    let spend = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "idea_generation", "quantity": 2}),
        )
        .await;
    assert_eq!(spend.status, StatusCode::CREATED, "{}", spend.body);
    assert_eq!(spend.data()["credits_used"], 30);
    assert_eq!(spend.data()["balance_after"], 970);
    assert_eq!(app.assert_ledger_consistent(&token).await, 970);
}

async fn scenario_2_paid_user_happy_path(app: TestApp) {
    app.register_free("freetrial@test.com").await;
    let r = app.register_paid("paiduser@test.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.data();
    assert_eq!(d["account"]["id"], 2);
    assert_eq!(d["account"]["status"], "pending_payment");
    assert_eq!(d["account"]["credits"], 0);
    assert_eq!(d["subscription"]["status"], "pending_payment");
    assert_eq!(d["invoice"]["status"], "pending");
    assert_eq!(d["invoice"]["total"], "89.00");
    assert_eq!(d["invoice"]["id"], 1);
    let number = d["invoice"]["invoice_number"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with("INV-2-") && number.ends_with("-0001"),
        "{number}"
    );

    let token = app.login("paiduser@test.com", PASSWORD).await;
    // The invoice carries the billing snapshot and payment instructions.
    let invoice = app.get("/billing/invoices/1/", Some(&token)).await;
    let snapshot = &invoice.data()["metadata"]["billing_snapshot"];
    assert_eq!(snapshot["billing_email"], "billing@test.com");
    assert_eq!(snapshot["billing_city"], "Karachi");
    assert_eq!(snapshot["billing_country"], "PK");
    assert_eq!(
        invoice.data()["payment_instructions"]["instructions"],
        "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA"
    );
    let me = app.get("/auth/me/", Some(&token)).await;
    assert_eq!(
        me.data()["user"]["account"]["billing_email"],
        "billing@test.com"
    );

    // While pending payment: no sites, no spending — with a reason.
    let site = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Blog", "industry_id": 1}),
        )
        .await;
    assert_eq!(site.status, StatusCode::FORBIDDEN);
    assert!(site.error().contains("payment"), "{}", site.error());
    let spend = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering"}),
        )
        .await;
    assert_eq!(spend.status, StatusCode::FORBIDDEN);

    let confirmed = app.confirm(&token, 1, "89.00", "BT-20251208-12345").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    assert_eq!(
        confirmed.body["message"],
        "Payment confirmation submitted for review. You will be notified once approved."
    );
    assert_eq!(
        confirmed.data(),
        &json!({
            "payment_id": 1, "invoice_id": 1, "invoice_number": number,
            "status": "pending_approval", "amount": "89.00", "currency": "USD",
            "manual_reference": "BT-20251208-12345"
        })
    );

    let staff = app.staff_token("admin@example.com").await;
    let approved = app.approve(&staff, 1).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(
        approved.body["message"],
        "Payment approved successfully. Account activated."
    );
    let a = approved.data();
    assert_eq!(a["payment_id"], 1);
    assert_eq!(a["invoice_id"], 1);
    assert_eq!(a["invoice_number"], number.as_str());
    assert_eq!(a["account_id"], 2);
    assert_eq!(a["account_status"], "active");
    assert_eq!(a["subscription_status"], "active");
    assert_eq!(a["credits_added"], 1000);
    assert_eq!(a["total_credits"], 1000);
    assert_eq!(a["approved_by"], "admin@example.com");
    let at = a["approved_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with('Z'),
        "{at}"
    );

    let me = app.get("/auth/me/", Some(&token)).await;
    assert_eq!(me.data()["user"]["account"]["status"], "active");
    assert_eq!(me.data()["subscription"]["status"], "active");
    assert_eq!(
        me.data()["subscription"]["external_payment_id"],
        "BT-20251208-12345"
    );
    assert!(me.data()["subscription"]["current_period_end"].is_string());
    let invoice = app.get("/billing/invoices/1/", Some(&token)).await;
    assert_eq!(invoice.data()["status"], "paid");
    assert!(invoice.data()["paid_at"].is_string());
    let ledger = app
        .get("/billing/credits/transactions/", Some(&token))
        .await;
    assert_eq!(
        ledger.data()["results"][0]["transaction_type"],
        "subscription"
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);

    // Now the user can create their one site and use features.
    let site = app
        .post(
            "/sites/",
            Some(&token),
            json!({"name": "Blog", "industry_id": 1}),
        )
        .await;
    assert_eq!(site.status, StatusCode::CREATED, "{}", site.body);
}

async fn scenario_3_rejected_payment_can_be_resubmitted(app: TestApp) {
    let (token, invoice) = app.paid_customer("paiduser@test.com").await;
    let staff = app.staff_token("admin@example.com").await;
    let first = app.confirm(&token, invoice, "89.00", "BT-WRONG").await;
    let payment = first.data()["payment_id"].as_i64().unwrap();
    let rejected = app
        .post(
            &format!("/billing/admin/payments/{payment}/reject/"),
            Some(&staff),
            json!({"admin_notes": "Not in statement", "failure_reason": "Reference not found"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(rejected.data()["payment_status"], "failed");
    assert_eq!(rejected.data()["failure_reason"], "Reference not found");
    assert_eq!(rejected.data()["account_status"], "pending_payment");
    assert_eq!(rejected.data()["subscription_status"], "pending_payment");
    assert_eq!(rejected.data()["credits_added"], 0);
    assert_eq!(rejected.data()["total_credits"], 0);

    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["results"][0]["status"], "failed");
    let inv = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    assert_eq!(inv.data()["status"], "pending");

    // Rejected twice is still a conflict, not a second rejection.
    let again = app
        .post(
            &format!("/billing/admin/payments/{payment}/reject/"),
            Some(&staff),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The customer re-submits with the right reference and is approved.
    let second = app.confirm(&token, invoice, "89.00", "BT-RIGHT").await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let id = second.data()["payment_id"].as_i64().unwrap();
    let approved = app.approve(&staff, id).await;
    assert_eq!(approved.status, StatusCode::OK);
    assert_eq!(approved.data()["total_credits"], 1000);
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
}

async fn payment_methods_follow_the_guides_table(app: TestApp) {
    let pk = app
        .get("/billing/admin/payment-methods/?country=PK", None)
        .await;
    let methods: Vec<(String, String)> = pk.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["country_code"].as_str().unwrap().to_owned(),
                m["payment_method"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("*", "stripe"),
        ("*", "paypal"),
        ("*", "bank_transfer"),
        ("PK", "local_wallet"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect();
    assert_eq!(methods, expected);
    assert_eq!(
        pk.data()["results"][3]["display_name"],
        "JazzCash / Easypaisa"
    );
    assert_eq!(
        pk.data()["results"][3]["instructions"],
        "JazzCash: 03001234567"
    );
    assert_eq!(
        pk.data()["results"][0]["display_name"],
        "Credit/Debit Card (Stripe)"
    );

    let lower = app
        .get("/billing/admin/payment-methods/?country=pk", None)
        .await;
    assert_eq!(
        lower.body["data"], pk.body["data"],
        "country is case-insensitive"
    );
    let us = app
        .get("/billing/admin/payment-methods/?country=US", None)
        .await;
    assert_eq!(us.data()["count"], 3);
    let global = app.get("/billing/admin/payment-methods/", None).await;
    assert_eq!(global.data()["count"], 3);
    assert_eq!(
        global.data()["results"][2]["instructions"],
        "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA"
    );
    let bad = app
        .get("/billing/admin/payment-methods/?country=Pakistan", None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let plans = app.get("/billing/plans/", None).await;
    let slugs: Vec<&str> = plans.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        ["free", "starter", "growth", "scale"],
        "internal is not public"
    );
    assert_eq!(plans.data()["results"][1]["price"], "89.00");
}
