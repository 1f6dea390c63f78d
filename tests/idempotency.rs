//! `Idempotency-Key`: a retried money call replays its first answer and does the work once.

mod common;

use common::{PASSWORD, Res, TestApp};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_retried_confirmation_is_replayed,
    a_key_reused_for_another_request_is_refused,
    keys_belong_to_their_user,
    concurrent_requests_with_one_key_do_the_work_once,
    sign_up_and_approval_honour_keys,
);

/// POSTs with an `Idempotency-Key`; returns the response and whether it was a replay.
async fn keyed(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: Value,
) -> (Res, bool) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("idempotency-key", key)
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    let status = resp.status();
    let body = resp.json().await.unwrap();
    (Res { status, body }, replayed)
}

fn confirm_body(invoice: i64, reference: &str) -> Value {
    json!({"invoice_id": invoice, "payment_method": "bank_transfer",
           "manual_reference": reference, "amount": "89.00"})
}

const CONFIRM: &str = "/billing/admin/payments/confirm/";

async fn a_retried_confirmation_is_replayed(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let (first, replayed) = keyed(
        &app,
        CONFIRM,
        Some(&token),
        "key-1",
        confirm_body(invoice, "REF"),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!replayed);
    let (again, replayed) = keyed(
        &app,
        CONFIRM,
        Some(&token),
        "key-1",
        confirm_body(invoice, "REF"),
    )
    .await;
    assert!(replayed);
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "not 409: the first answer again"
    );
    assert_eq!(again.body, first.body);
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["count"], 1);
}

async fn a_key_reused_for_another_request_is_refused(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    keyed(
        &app,
        CONFIRM,
        Some(&token),
        "key-1",
        confirm_body(invoice, "REF"),
    )
    .await;
    let (other, _) = keyed(
        &app,
        CONFIRM,
        Some(&token),
        "key-1",
        confirm_body(invoice, "OTHER"),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (bad, _) = keyed(&app, CONFIRM, Some(&token), &"x".repeat(300), json!({})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

async fn keys_belong_to_their_user(app: TestApp) {
    let (alice, alice_invoice) = app.paid_customer("alice@test.com").await;
    let (bob, bob_invoice) = app.paid_customer("bob@test.com").await;
    let (a, _) = keyed(
        &app,
        CONFIRM,
        Some(&alice),
        "same",
        confirm_body(alice_invoice, "R"),
    )
    .await;
    let (b, replayed) = keyed(
        &app,
        CONFIRM,
        Some(&bob),
        "same",
        confirm_body(bob_invoice, "R"),
    )
    .await;
    assert!(!replayed, "Bob's key is his own");
    assert_eq!(b.status, StatusCode::CREATED);
    assert_ne!(a.data()["payment_id"], b.data()["payment_id"]);
}

async fn concurrent_requests_with_one_key_do_the_work_once(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"operation_type": "clustering", "quantity": 1});
    let tries = (0..8).map(|_| {
        keyed(
            &app,
            "/billing/credits/usage/",
            Some(&token),
            "spend-1",
            body.clone(),
        )
    });
    let results = join_all(tries).await;
    for (r, _) in &results {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.data()["usage_id"], results[0].0.data()["usage_id"]);
    }
    assert_eq!(
        app.assert_ledger_consistent(&token).await,
        990,
        "charged once"
    );
}

async fn sign_up_and_approval_honour_keys(app: TestApp) {
    let body = json!({"email": "k@test.com", "password": PASSWORD, "password_confirm": PASSWORD,
                      "first_name": "K", "last_name": "Ey"});
    let (first, _) = keyed(&app, "/auth/register/", None, "signup-1", body.clone()).await;
    let (again, replayed) = keyed(&app, "/auth/register/", None, "signup-1", body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(replayed);
    assert_eq!(again.data()["user"]["id"], first.data()["user"]["id"]);

    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let id = app.confirm(&token, invoice, "89.00", "REF").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let staff = app.staff_token("admin@example.com").await;
    let path = format!("/billing/admin/payments/{id}/approve/");
    let (ok, _) = keyed(&app, &path, Some(&staff), "approve-1", json!({})).await;
    let (retry, replayed) = keyed(&app, &path, Some(&staff), "approve-1", json!({})).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(replayed);
    assert_eq!(
        retry.status,
        StatusCode::OK,
        "a retried approval is not a conflict"
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
}
