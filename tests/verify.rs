//! `tollgate verify` finds nothing on a database built through the API, and names each kind
//! of violation on a deliberately corrupted one.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tollgate::ops::verify::verify;

on_both_backends!(a_sound_database_has_no_violations, each_corruption_is_named);

/// Free trial with spends; a paid account approved, one pending, one rejected.
async fn populate(app: &TestApp) {
    let free = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        let r = app
            .post(
                "/billing/credits/usage/",
                Some(&free),
                json!({"operation_type": "clustering"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let staff = app.staff_token("admin@example.com").await;
    for (i, decision) in ["approve", "pending", "reject"].iter().enumerate() {
        let (token, invoice) = app.paid_customer(&format!("paid{i}@test.com")).await;
        let id = app
            .confirm(&token, invoice, "89.00", &format!("REF-{i}"))
            .await
            .data()["payment_id"]
            .as_i64()
            .unwrap();
        if *decision != "pending" {
            let path = format!("/billing/admin/payments/{id}/{decision}/");
            assert_eq!(
                app.post(&path, Some(&staff), json!({})).await.status,
                StatusCode::OK
            );
        }
    }
}

async fn a_sound_database_has_no_violations(app: TestApp) {
    populate(&app).await;
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn each_corruption_is_named(app: TestApp) {
    populate(&app).await;
    let corruptions = [
        (
            "DELETE FROM audit_log WHERE action = 'credits.spend'",
            "money-change-audited",
        ),
        (
            "DELETE FROM audit_log WHERE action = 'payment.reject'",
            "payment-review-audited",
        ),
        (
            "UPDATE accounts SET credits = credits + 5 WHERE id = 1",
            "credits-equal-ledger",
        ),
        (
            "UPDATE credit_transactions SET balance_after = balance_after + 1 WHERE id = 2",
            "ledger-balance-chain",
        ),
        (
            "UPDATE accounts SET credits = -1 WHERE id = 3",
            "credits-not-negative",
        ),
        (
            "UPDATE payments SET amount = 100 WHERE status = 'succeeded'",
            "paid-invoice-has-one-payment",
        ),
        (
            "UPDATE invoices SET status = 'pending' WHERE status = 'paid'",
            "succeeded-payment-has-paid-invoice",
        ),
        (
            "UPDATE invoices SET status = 'pending' WHERE status = 'paid'",
            "active-subscription-is-paid",
        ),
        (
            "UPDATE invoices SET invoice_number = invoice_number || '9' WHERE id = 2",
            "invoice-numbering",
        ),
        (
            "UPDATE accounts SET status = 'suspended' WHERE id = 1",
            "suspended-account-is-past-due",
        ),
        (
            "UPDATE subscriptions SET status = 'past_due'",
            "past-due-has-unpaid-renewal",
        ),
        (
            "UPDATE subscriptions SET status = 'active', current_period_end = NULL",
            "running-subscription-has-period",
        ),
        (
            "UPDATE subscriptions SET status = 'active', \
             account_id = (SELECT MIN(account_id) FROM subscriptions)",
            "one-running-subscription-per-account",
        ),
        (
            "UPDATE accounts SET status = 'trial', trial_ends_at = created_at WHERE id = 1",
            "trial-expired",
        ),
    ];
    // Two days on, a trial that ended at its start is overdue for expiry.
    app.db
        .clock()
        .set(chrono::Utc::now() + chrono::Duration::days(2));
    for (sql, check) in corruptions {
        app.db.conn().execute_unprepared(sql).await.unwrap();
        let found = verify(&app.db).await.unwrap();
        assert!(
            found.iter().any(|v| v.check == check),
            "{check} after {sql}: {found:?}"
        );
    }
}
