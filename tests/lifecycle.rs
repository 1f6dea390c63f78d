//! The subscription lifecycle end to end, on SQLite and PostgreSQL, with billing's clock
//! moved by the test: a year of monthly renewals paid by transfer and approval; an unpaid
//! renewal's dunning (past due, suspended, cancelled) with its mails, paused by a payment
//! under review; a payment approved while suspended; a trial's reminders and expiry.

mod common;
#[path = "lifecycle/support.rs"]
mod support;

use chrono::Months;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tollgate::domain::status::{CreditTransactionType, InvoicePurpose, InvoiceStatus};
use tollgate::entities::credit_transaction as ledger;

use common::TestApp;
use support::*;

on_both_backends!(
    configure = super::with_mail;
    a_year_of_monthly_renewals,
    an_unpaid_renewal_is_dunned,
    a_trial_ends
);

/// The job runner writes the mails as files, so the tests read what customers get.
fn with_mail(settings: &mut tollgate::config::Settings) {
    settings.notifications.run_jobs = true;
}

async fn a_year_of_monthly_renewals(app: TestApp) {
    let start = at("2027-01-01T09:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let (token, first) = app.paid_customer("year@test.com").await;
    let account = app.get("/auth/me/", Some(&token)).await.data()["user"]["account"]["id"]
        .as_i64()
        .unwrap();
    let approved = pay(&app, &token, &staff, first, "89.00").await;
    assert_eq!(approved["subscription_status"], "active", "{approved}");
    let mut end = period_end(&standing(&app, &token).await);
    assert_eq!(end, start.checked_add_months(Months::new(1)).unwrap());

    for month in 1..12 {
        // A week before the period ends the renewal is issued, once however often one ticks.
        let issue_at = end - days(7);
        assert_eq!(tick(&app, issue_at - days(1)).await.renewals_issued, 0);
        assert_eq!(
            tick(&app, issue_at).await.renewals_issued,
            1,
            "month {month}"
        );
        assert_eq!(
            tick(&app, issue_at).await.total(),
            0,
            "a second tick does nothing"
        );
        let state = standing(&app, &token).await;
        let (invoice, total) = open_invoice(&state);
        assert_eq!(total, "89.00");
        if month == 1 {
            mail(&app, "billing@test.com", "89.00 USD due").await;
        }
        // Paid and approved two days later: the next period starts where this one ends.
        app.db.clock().set(issue_at + days(2));
        pay(&app, &token, &staff, invoice, "89.00").await;
        let state = standing(&app, &token).await;
        let sub = &state["subscription"];
        assert_eq!(sub["status"], "active");
        assert_eq!(at(sub["current_period_start"].as_str().unwrap()), end);
        let next = end.checked_add_months(Months::new(1)).unwrap();
        assert_eq!(period_end(&state), next, "month {month}");
        assert!(state["open_invoices"].as_array().unwrap().is_empty());
        end = next;
    }

    let invoices = invoices_of(&app, account).await;
    assert_eq!(invoices.len(), 12);
    assert!(invoices.iter().all(|i| i.status == InvoiceStatus::Paid));
    // Renewals cover the year without a gap or an overlap.
    let renewals: Vec<_> = invoices
        .iter()
        .filter(|i| i.purpose == InvoicePurpose::Renewal)
        .collect();
    assert_eq!(renewals.len(), 11);
    for pair in renewals.windows(2) {
        assert_eq!(pair[0].period_end, pair[1].period_start);
    }
    assert_eq!(
        renewals[0].period_start,
        start.checked_add_months(Months::new(1))
    );
    // Numbered in the account's month of issue: the first renewal (25 January) is January's
    // second invoice, every later one its month's first.
    assert_eq!(
        invoices[0].invoice_number,
        format!("INV-{account}-202701-0001")
    );
    for (i, invoice) in renewals.iter().enumerate() {
        let month = start.checked_add_months(Months::new(i as u32 + 1)).unwrap();
        let n = if i == 0 { 2 } else { 1 };
        let expected = format!("INV-{account}-{}-{n:04}", (month - days(7)).format("%Y%m"));
        assert_eq!(invoice.invoice_number, expected);
    }
    let grants = ledger::Entity::find()
        .filter(ledger::Column::AccountId.eq(account))
        .filter(ledger::Column::TransactionType.eq(CreditTransactionType::Subscription))
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(grants, 12);
    assert_eq!(app.assert_ledger_consistent(&token).await, 12_000);
    assert_verified(&app).await;
}

async fn an_unpaid_renewal_is_dunned(app: TestApp) {
    let start = at("2027-03-01T00:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    // Two customers on the same dates: one pays while suspended, one never pays.
    let (late, late_first) = customer_on(&app, "late@test.com", "starter").await;
    let (never, never_first) = customer_on(&app, "never@test.com", "starter").await;
    pay(&app, &late, &staff, late_first, "89.00").await;
    pay(&app, &never, &staff, never_first, "89.00").await;
    let due = period_end(&standing(&app, &late).await);

    assert_eq!(tick(&app, due - days(7)).await.renewals_issued, 2);
    let (late_renewal, _) = open_invoice(&standing(&app, &late).await);
    let (never_renewal, _) = open_invoice(&standing(&app, &never).await);

    // At the due date: past due, still working.
    let t = tick(&app, due).await;
    assert_eq!((t.past_due, t.suspended, t.cancelled), (2, 0, 0));
    let state = standing(&app, &never).await;
    assert_eq!(state["subscription"]["status"], "past_due");
    assert_eq!(state["account_status"], "active");
    assert_eq!(spend(&app, &never).await.status, StatusCode::CREATED);
    mail(&app, "never@test.com", "is past due").await;
    // No plan change while past due.
    let r = app
        .post(
            "/billing/subscription/plan/",
            Some(&never),
            serde_json::json!({"plan_slug": "growth"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.error().contains("past due"), "{}", r.body);

    // A week later: suspended — no spending, no new site, each answered 402 saying why.
    let t = tick(&app, due + days(7)).await;
    assert_eq!((t.past_due, t.suspended, t.cancelled), (0, 2, 0));
    assert_eq!(standing(&app, &never).await["account_status"], "suspended");
    let refused = spend(&app, &never).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        refused.body
    );
    assert!(refused.error().contains("suspended"), "{}", refused.body);
    let site = app
        .post(
            "/sites/",
            Some(&never),
            serde_json::json!({"name": "Blog", "industry_id": 1}),
        )
        .await;
    assert_eq!(site.status, StatusCode::PAYMENT_REQUIRED, "{}", site.body);
    mail(&app, "never@test.com", "is suspended").await;

    // Paid while suspended: active again for the period that began at the due date.
    app.db.clock().set(due + days(10));
    let credits = app.assert_ledger_consistent(&late).await;
    pay(&app, &late, &staff, late_renewal, "89.00").await;
    let state = standing(&app, &late).await;
    assert_eq!(state["account_status"], "active");
    assert_eq!(state["subscription"]["status"], "active");
    assert_eq!(
        at(state["subscription"]["current_period_start"]
            .as_str()
            .unwrap()),
        due
    );
    assert_eq!(
        period_end(&state),
        due.checked_add_months(Months::new(1)).unwrap()
    );
    assert_eq!(app.assert_ledger_consistent(&late).await, credits + 1000);
    assert_eq!(spend(&app, &late).await.status, StatusCode::CREATED);

    // A confirmation under review pauses the escalation; its rejection lets it go on.
    app.db.clock().set(due + days(20));
    let payment = confirm(&app, &never, never_renewal, "89.00").await;
    let t = tick(&app, due + days(21)).await;
    assert_eq!(t.cancelled, 0, "paused while a payment awaits review");
    let rejected = app
        .post(
            &format!("/billing/admin/payments/{payment}/reject/"),
            Some(&staff),
            serde_json::json!({"failure_reason": "No such transfer"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    let t = tick(&app, due + days(21)).await;
    assert_eq!(t.cancelled, 1);
    let state = standing(&app, &never).await;
    assert_eq!(state["account_status"], "cancelled");
    assert_eq!(state["subscription"]["status"], "cancelled");
    assert!(state["open_invoices"].as_array().unwrap().is_empty());
    let void = invoices_of(&app, state_account(&app, &never).await).await;
    assert_eq!(void.last().unwrap().status, InvoiceStatus::Void);
    mail(&app, "never@test.com", "subscription has ended").await;
    // The late payer renewed and is not touched.
    assert_eq!(standing(&app, &late).await["account_status"], "active");
    assert_eq!(tick(&app, due + days(21)).await.total(), 0);
    assert_verified(&app).await;
}

async fn state_account(app: &TestApp, token: &str) -> i64 {
    app.get("/auth/me/", Some(token)).await.data()["user"]["account"]["id"]
        .as_i64()
        .unwrap()
}

async fn a_trial_ends(app: TestApp) {
    let start = at("2027-05-01T12:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let r = app.register_free("trial@test.com").await;
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let ends = at(standing(&app, &token).await["trial_ends_at"]
        .as_str()
        .unwrap());
    assert_eq!(ends, start + days(14));

    assert_eq!(tick(&app, ends - days(3)).await.trial_reminders, 1);
    assert_eq!(tick(&app, ends - days(2)).await.trial_reminders, 0);
    mail(&app, "trial@test.com", "trial ends on").await;
    assert_eq!(tick(&app, ends - days(1)).await.trial_reminders, 1);
    assert_eq!(tick(&app, ends - days(1)).await.total(), 0);
    assert_eq!(spend(&app, &token).await.status, StatusCode::CREATED);

    assert_eq!(tick(&app, ends).await.trials_expired, 1);
    assert_eq!(standing(&app, &token).await["account_status"], "expired");
    let refused = spend(&app, &token).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        refused.body
    );
    assert!(refused.error().contains("trial has ended"));
    mail(&app, "trial@test.com", "trial has ended").await;
    let kept = app.assert_ledger_consistent(&token).await;
    assert_eq!(kept, 990, "credits kept");

    // Choosing a plan: a first invoice; paid, the account is active with the plan's credits.
    let r = app
        .post(
            "/billing/subscription/plan/",
            Some(&token),
            serde_json::json!({"plan_slug": "starter"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["change"], "subscribe");
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    pay(&app, &token, &staff, invoice, "89.00").await;
    let state = standing(&app, &token).await;
    assert_eq!(state["account_status"], "active");
    assert_eq!(state["plan"]["slug"], "starter");
    assert_eq!(app.assert_ledger_consistent(&token).await, kept + 1000);
    assert_verified(&app).await;
}
