//! The admin panel's payment queue over HTTP: the guide's Option A, bulk review, CSRF.

mod common;

use common::TestApp;
use common::admin::Panel;
use reqwest::StatusCode;

on_both_backends!(bulk_approval_is_all_or_nothing);

/// Three paid customers who each confirmed their invoice; returns their tokens.
async fn three_confirmed(app: &TestApp) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 1..=3 {
        let (token, invoice) = app.paid_customer(&format!("user{i}@test.com")).await;
        let r = app
            .confirm(&token, invoice, "89.00", &format!("BT-{i}"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        tokens.push(token);
    }
    tokens
}

async fn bulk_approval_is_all_or_nothing(app: TestApp) {
    let tokens = three_confirmed(&app).await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let list = panel
        .get("/admin/billing/payment/?status=pending_approval")
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("pending_approval (3)"), "{}", list.body);

    let path = "/admin/billing/payment/?status=pending_approval";
    let go = [
        ("action", "approve_selected"),
        ("_selected_action", "1"),
        ("_selected_action", "2"),
    ];
    let confirm = panel.post(path, &go).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Are you sure?"));
    let mut yes = go.to_vec();
    yes.push(("confirmed", "yes"));
    let done = panel.post(path, &yes).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = panel.get(done.location.as_deref().unwrap()).await;
    assert!(
        after
            .body
            .contains("Approved 2 payments; 2000 credits granted."),
        "{}",
        after.body
    );

    // Payment 1 is approved now: a bulk action including it changes nothing at all.
    let again = [
        ("action", "approve_selected"),
        ("_selected_action", "1"),
        ("_selected_action", "3"),
        ("confirmed", "yes"),
    ];
    let refused = panel.post("/admin/billing/payment/", &again).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("not pending approval: #1"),
        "{}",
        refused.body
    );
    let third = app.get("/billing/payments/", Some(&tokens[2])).await;
    assert_eq!(third.data()["results"][0]["status"], "pending_approval");

    // Without the CSRF token nothing changes either.
    let forged = panel
        .post(
            "/admin/billing/payment/",
            &[
                ("action", "approve_selected"),
                ("_selected_action", "3"),
                ("confirmed", "yes"),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let third = app.get("/billing/payments/", Some(&tokens[2])).await;
    assert_eq!(third.data()["results"][0]["status"], "pending_approval");
    assert_eq!(app.assert_ledger_consistent(&tokens[0]).await, 1000);
}
