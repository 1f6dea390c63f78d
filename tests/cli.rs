//! The command line, run as a separate process against the test's database (for SQLite that
//! is a second process writing the same file while the server runs).

mod common;

use std::process::{Command, Stdio};

use common::TestApp;
use reqwest::StatusCode;

on_both_backends!(
    createsuperuser_makes_staff_who_can_sign_in,
    account_show_prints_the_guides_verification_queries,
    migrate_is_idempotent,
    tick_runs_the_due_steps_once_as_of_a_moment,
);

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

async fn tollgate(app: &TestApp, args: &[&str]) -> Output {
    let url = app.database_url.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args(&args)
            .env("TOLLGATE_DATABASE_URL", url)
            .env("TOLLGATE_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("tollgate runs");
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

async fn createsuperuser_makes_staff_who_can_sign_in(app: TestApp) {
    let made = tollgate(
        &app,
        &[
            "createsuperuser",
            "--email",
            "admin@example.com",
            "--password",
            "adminpass",
        ],
    )
    .await;
    assert!(made.ok, "{}", made.stderr);
    assert!(made.stdout.contains("admin@example.com"));
    let token = app.login("admin@example.com", "adminpass").await;
    let queue = app.get("/billing/admin/payments/", Some(&token)).await;
    assert_eq!(queue.status, StatusCode::OK);

    let again = tollgate(
        &app,
        &[
            "createsuperuser",
            "--email",
            "ADMIN@example.com",
            "--password",
            "adminpass",
        ],
    )
    .await;
    assert!(!again.ok);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let weak = tollgate(
        &app,
        &[
            "createsuperuser",
            "--email",
            "b@example.com",
            "--password",
            "123",
        ],
    )
    .await;
    assert!(!weak.ok);
    assert!(weak.stderr.contains("password"), "{}", weak.stderr);
    // No terminal to prompt on: say what is missing instead of hanging.
    let no_tty = tollgate(&app, &["createsuperuser", "--email", "c@example.com"]).await;
    assert!(!no_tty.ok);
    assert!(no_tty.stderr.contains("--password"), "{}", no_tty.stderr);
}

async fn account_show_prints_the_guides_verification_queries(app: TestApp) {
    app.register_free("freetrial@test.com").await;
    let (token, invoice) = app.paid_customer("paiduser@test.com").await;
    app.confirm(&token, invoice, "89.00", "BT-20251208-12345")
        .await;
    let made = tollgate(
        &app,
        &[
            "createsuperuser",
            "--email",
            "admin@example.com",
            "--password",
            "adminpass",
        ],
    )
    .await;
    assert!(made.ok, "{}", made.stderr);
    let staff = app.login("admin@example.com", "adminpass").await;
    assert_eq!(app.approve(&staff, 1).await.status, StatusCode::OK);

    let shown = tollgate(&app, &["account", "show", "2"]).await;
    assert!(shown.ok, "{}", shown.stderr);
    for line in [
        "Account: Paid User",
        "Status: active",
        "Credits: 1000",
        "Plan: Starter",
        "Billing Email: billing@test.com",
        "Subscription Status: active",
        "Status: paid",
        "Total: 89.00 USD",
        "Has billing snapshot: true",
        "Payment Status: succeeded",
        "Reference: BT-20251208-12345",
        "Approved by: admin@example.com",
        "Credit Transactions: 1",
        "| subscription    |   1000 credits | Balance: 1000",
    ] {
        assert!(
            shown.stdout.contains(line),
            "missing {line:?} in:\n{}",
            shown.stdout
        );
    }
    let trial = tollgate(&app, &["account", "show", "1"]).await;
    assert!(
        trial.stdout.contains("Status: trial") && trial.stdout.contains("| trial"),
        "{}",
        trial.stdout
    );
    let missing = tollgate(&app, &["account", "show", "999"]).await;
    assert!(!missing.ok);
    assert!(missing.stderr.contains("not found"), "{}", missing.stderr);
}

async fn migrate_is_idempotent(app: TestApp) {
    for _ in 0..2 {
        let out = tollgate(&app, &["migrate"]).await;
        assert!(out.ok, "{}", out.stderr);
        assert!(out.stdout.contains("up to date"));
    }
    let plans = app.get("/billing/plans/", None).await;
    assert_eq!(plans.data()["count"], 4, "seeding twice adds nothing");
    let methods = app
        .get("/billing/admin/payment-methods/?country=PK", None)
        .await;
    assert_eq!(methods.data()["count"], 4);
}

async fn tick_runs_the_due_steps_once_as_of_a_moment(app: TestApp) {
    let staff = app.staff_token("staff@example.com").await;
    let (token, invoice) = app.paid_customer("tick@test.com").await;
    let payment = app
        .confirm(&token, invoice, "89.00", "BT-TICK")
        .await
        .data()["payment_id"]
        .as_i64()
        .unwrap();
    assert_eq!(app.approve(&staff, payment).await.status, StatusCode::OK);
    let me = app.get("/billing/subscription/", Some(&token)).await;
    let end: chrono::DateTime<chrono::Utc> = me.data()["subscription"]["current_period_end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // A day after the period ended: the renewal is issued and is already past due.
    let at = (end + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let first = tollgate(&app, &["tick", "--now", &at]).await;
    assert!(first.ok, "{}", first.stderr);
    assert!(
        first.stdout.contains(&format!("Lifecycle as of {at}")),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("1  renewal invoices issued"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("1  subscriptions past due"),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("2  in all"), "{}", first.stdout);
    let again = tollgate(&app, &["tick", "--now", &at]).await;
    assert!(again.stdout.contains("0  in all"), "{}", again.stdout);
    let state = app.get("/billing/subscription/", Some(&token)).await;
    assert_eq!(state.data()["subscription"]["status"], "past_due");
    let bad = tollgate(&app, &["tick", "--now", "next tuesday"]).await;
    assert!(!bad.ok);
    assert!(bad.stderr.contains("--now"), "{}", bad.stderr);
}
