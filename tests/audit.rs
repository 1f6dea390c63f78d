//! The audit log: every money and staff action, written in the same transaction as the change,
//! with who, when, which request, and before → after; readable by staff.

mod common;

use common::TestApp;
use common::admin::Panel;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    money_actions_are_audited_with_their_request,
    staff_edits_are_audited
);

async fn entries(app: &TestApp, staff: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/billing/admin/audit/?{query}"), Some(staff))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.data()["results"].as_array().unwrap().clone()
}

async fn money_actions_are_audited_with_their_request(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let confirmed = app.confirm(&token, invoice, "89.00", "REF").await;
    let id = confirmed.data()["payment_id"].as_i64().unwrap();
    let approved = app.approve(&staff, id).await;
    // A refused second approval changes nothing, so it records nothing either.
    assert_eq!(app.approve(&staff, id).await.status, StatusCode::CONFLICT);

    let history = entries(&app, &staff, &format!("object_type=payment&object_id={id}")).await;
    let actions: Vec<&str> = history
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["payment.approve", "payment.confirm"]);
    let approval = &history[0];
    assert_eq!(
        approval["request_id"], approved.body["request_id"],
        "which request did it"
    );
    assert_eq!(approval["before"]["status"], "pending_approval");
    assert_eq!(approval["after"]["status"], "succeeded");
    assert_eq!(approval["before"]["credits"], 0);
    assert_eq!(approval["after"]["credits"], 1000);
    assert!(approval["ledger_id"].is_i64());
    let me = app.get("/auth/me/", Some(&staff)).await;
    assert_eq!(approval["actor_id"], me.data()["user"]["id"]);

    let spend = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering"}),
        )
        .await;
    let spends = entries(&app, &staff, "object_type=account").await;
    let spent = spends
        .iter()
        .find(|e| e["action"] == "credits.spend")
        .unwrap();
    assert_eq!(spent["ledger_id"], spend.data()["transaction_id"]);
    assert_eq!(spent["before"]["credits"], 1000);
    assert_eq!(spent["after"]["credits"], 990);
    assert!(
        tollgate::ops::verify::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn staff_edits_are_audited(app: TestApp) {
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let staff = app.login("admin@example.com", "adminpass").await;
    let page = panel.get("/admin/billing/plan/2/").await;
    assert_eq!(page.status, StatusCode::OK);
    let saved = panel
        .post(
            "/admin/billing/plan/2/",
            &[
                ("name", "Starter"),
                ("price", "99.50"),
                ("billing_cycle", "monthly"),
                ("included_credits", "1000"),
                ("max_sites", "1"),
                ("max_users", "2"),
                ("is_active", "on"),
                ("is_public", "on"),
                ("sort_order", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let history = entries(&app, &staff, "object_type=plan&object_id=2").await;
    assert_eq!(history[0]["action"], "plan.update");
    assert_eq!(history[0]["before"]["price"], 8900);
    assert_eq!(history[0]["after"]["price"], 9950);
}
