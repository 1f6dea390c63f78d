//! `tollgate verify` finds nothing on a database built through the API, and names each kind
//! of violation on a deliberately corrupted one.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tollgate::ops::verify::verify;

on_both_backends!(a_sound_database_has_no_violations, each_corruption_is_named);

/// Free trial with spends; a paid account approved and partly refunded, one pending, one
/// rejected.
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
        if *decision == "approve" {
            // Part of it refunded, with its credit note and credits taken back.
            let user = tollgate::domain::accounts::create_staff_user(
                &app.db,
                "refunder@test.com",
                "pw-refunds",
            )
            .await
            .unwrap();
            let actor = tollgate::domain::staff::StaffActor::verify(user).unwrap();
            let input = tollgate::domain::refunds::RefundInput {
                amount: Some("8.90".into()),
                reason: Some("Goodwill".into()),
            };
            tollgate::domain::refunds::refund(&app.db, &actor, invoice, input, &[])
                .await
                .unwrap();
        }
    }
}

async fn a_sound_database_has_no_violations(app: TestApp) {
    populate(&app).await;
    // A user deactivated moves between the users' counters (m0021) with it.
    app.db
        .conn()
        .execute_unprepared("UPDATE users SET is_active = false WHERE email = 'free@test.com'")
        .await
        .unwrap();
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn each_corruption_is_named(app: TestApp) {
    populate(&app).await;
    let corruptions = [
        (
            "DELETE FROM audit_log WHERE action = 'payment.refund'",
            "refund-audited",
        ),
        (
            "UPDATE credit_notes SET credits = credits + 1",
            "credit-note-credits-in-ledger",
        ),
        (
            "UPDATE credit_notes SET credits = 1000000",
            "refund-within-grant",
        ),
        (
            "UPDATE payments SET status = 'refunded' WHERE status = 'partially_refunded'",
            "refund-status-matches-amount",
        ),
        (
            "UPDATE payments SET refunded_amount = refunded_amount + 1 WHERE refunded_amount > 0",
            "refunds-add-up",
        ),
        (
            "DELETE FROM audit_log WHERE action = 'credits.spend'",
            "money-change-audited",
        ),
        (
            "DELETE FROM audit_log WHERE action = 'payment.reject'",
            "payment-review-audited",
        ),
        (
            "UPDATE status_counts SET n = n + 1 WHERE list = 'invoices' AND status = 'paid'",
            "status-counters",
        ),
        (
            "UPDATE status_counts SET n = n - 1 WHERE list = 'users' AND status = 'customer active'",
            "status-counters",
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
            "UPDATE payments SET amount = 100 WHERE status IN ('succeeded', 'refunded')",
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
