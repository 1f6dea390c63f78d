//! Plan changes through the API, on SQLite and PostgreSQL: an upgrade mid-period prorated to
//! the cent and effective once paid; a downgrade refused over the site limit (naming the
//! sites), then scheduled and effective from the period its renewal pays; cancel and undo;
//! nothing while past due.

mod common;
#[path = "lifecycle/support.rs"]
mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Res, TestApp};
use support::*;

on_both_backends!(
    an_upgrade_is_prorated_and_takes_effect_when_paid,
    a_downgrade_waits_for_the_period_end,
    cancel_and_undo
);

async fn change(app: &TestApp, token: &str, plan: &str) -> Res {
    app.post(
        "/billing/subscription/plan/",
        Some(token),
        json!({"plan_slug": plan}),
    )
    .await
}

async fn site(app: &TestApp, token: &str, name: &str) {
    let r = app
        .post(
            "/sites/",
            Some(token),
            json!({"name": name, "industry_id": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn an_upgrade_is_prorated_and_takes_effect_when_paid(app: TestApp) {
    // April has 30 days: the period is 2027-04-01 → 2027-05-01.
    let start = at("2027-04-01T00:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let (token, first) = app.paid_customer("up@test.com").await;
    pay(&app, &token, &staff, first, "89.00").await;
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);

    // Day 10 of 30: Starter (89.00) → Growth (139.00) costs 50.00 × 20/30 = 33.33.
    app.db.clock().set(start + days(10));
    let r = change(&app, &token, "growth").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["change"], "upgrade");
    assert_eq!(r.data()["invoice"]["total"], "33.33");
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    let detail = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    let line = &detail.data()["line_items"][0];
    assert_eq!(line["amount"], "33.33");
    assert!(
        line["description"]
            .as_str()
            .unwrap()
            .starts_with("Upgrade from Starter to Growth: 20 of 30 days"),
        "{line}"
    );
    // Not yet: the plan is still Starter, and a second upgrade waits for this invoice.
    assert_eq!(standing(&app, &token).await["plan"]["slug"], "starter");
    let again = change(&app, &token, "scale").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    pay(&app, &token, &staff, invoice, "33.33").await;
    let state = standing(&app, &token).await;
    assert_eq!(state["plan"]["slug"], "growth");
    assert_eq!(state["subscription"]["plan"]["slug"], "growth");
    // The same period, and Growth's extra 1,000 credits.
    assert_eq!(
        at(state["subscription"]["current_period_start"]
            .as_str()
            .unwrap()),
        start
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 2000);
    // Growth allows three sites.
    for name in ["One", "Two", "Three"] {
        site(&app, &token, name).await;
    }
    // The renewal bills Growth.
    let end = period_end(&state);
    assert_eq!(tick(&app, end - days(7)).await.renewals_issued, 1);
    let (_, total) = open_invoice(&standing(&app, &token).await);
    assert_eq!(total, "139.00");
    assert_verified(&app).await;
}

async fn a_downgrade_waits_for_the_period_end(app: TestApp) {
    let start = at("2027-06-01T00:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let (token, first) = customer_on(&app, "down@test.com", "growth").await;
    pay(&app, &token, &staff, first, "139.00").await;
    site(&app, &token, "Blog").await;
    site(&app, &token, "Shop").await;

    // Starter allows one site: refused, naming the two.
    app.db.clock().set(start + days(5));
    let refused = change(&app, &token, "starter").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.error().contains("Blog, Shop"), "{}", refused.body);
    assert!(refused.error().contains("Remove 1"), "{}", refused.body);
    assert!(standing(&app, &token).await["subscription"]["scheduled_plan"].is_null());

    // A second account on Growth with one site downgrades at the period end.
    let (other, first) = customer_on(&app, "down2@test.com", "growth").await;
    pay(&app, &other, &staff, first, "139.00").await;
    site(&app, &other, "Only").await;
    let r = change(&app, &other, "starter").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["change"], "downgrade");
    let state: Value = r.data()["state"].clone();
    assert_eq!(state["subscription"]["scheduled_plan"]["slug"], "starter");
    assert_eq!(
        state["plan"]["slug"], "growth",
        "Growth until the period ends"
    );
    // Choosing Growth again withdraws it; choosing Starter again schedules it again.
    assert_eq!(
        change(&app, &other, "growth").await.data()["change"],
        "keep"
    );
    assert_eq!(change(&app, &other, "starter").await.status, StatusCode::OK);

    // The renewal bills Starter (the first account's, Growth); paid early, Growth stays
    // until the new period begins.
    let end = period_end(&state);
    assert_eq!(tick(&app, end - days(7)).await.renewals_issued, 2);
    assert_eq!(open_invoice(&standing(&app, &token).await).1, "139.00");
    let (renewal, total) = open_invoice(&standing(&app, &other).await);
    assert_eq!(total, "89.00");
    app.db.clock().set(end - days(5));
    pay(&app, &other, &staff, renewal, "89.00").await;
    let paid_early = standing(&app, &other).await;
    assert_eq!(paid_early["plan"]["slug"], "growth");
    assert_eq!(
        paid_early["subscription"]["scheduled_plan"]["slug"],
        "starter"
    );
    let t = tick(&app, end).await;
    assert_eq!(t.plans_switched, 1);
    let switched = standing(&app, &other).await;
    assert_eq!(switched["plan"]["slug"], "starter");
    assert_eq!(switched["subscription"]["plan"]["slug"], "starter");
    assert!(switched["subscription"]["scheduled_plan"].is_null());
    assert_eq!(tick(&app, end).await.total(), 0);
    assert_verified(&app).await;
}

async fn cancel_and_undo(app: TestApp) {
    let start = at("2027-08-01T00:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let (token, first) = app.paid_customer("bye@test.com").await;
    pay(&app, &token, &staff, first, "89.00").await;
    let end = period_end(&standing(&app, &token).await);

    // The renewal is out; cancelling voids it, undoing lets the next tick issue it again.
    assert_eq!(tick(&app, end - days(7)).await.renewals_issued, 1);
    let r = app
        .post("/billing/subscription/cancel/", Some(&token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["subscription"]["cancel_at_period_end"], true);
    assert!(r.data()["open_invoices"].as_array().unwrap().is_empty());
    let twice = app
        .post("/billing/subscription/cancel/", Some(&token), json!({}))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(tick(&app, end - days(6)).await.renewals_issued, 0);
    let r = app
        .post("/billing/subscription/resume/", Some(&token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["subscription"]["cancel_at_period_end"], false);
    assert_eq!(tick(&app, end - days(6)).await.renewals_issued, 1);

    // Cancelled again, it ends with the period: subscription and account cancelled.
    let r = app
        .post("/billing/subscription/cancel/", Some(&token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = tick(&app, end).await;
    assert_eq!((t.ended_at_period_end, t.past_due), (1, 0));
    let state = standing(&app, &token).await;
    assert_eq!(state["subscription"]["status"], "cancelled");
    assert_eq!(state["account_status"], "cancelled");
    let refused = spend(&app, &token).await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    // Undo is too late now.
    let late = app
        .post("/billing/subscription/resume/", Some(&token), json!({}))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert_verified(&app).await;
}
