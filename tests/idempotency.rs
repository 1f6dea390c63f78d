//! `Idempotency-Key`: a retried money call replays its first answer and does the work once.

mod common;

use common::{PASSWORD, Res, TestApp};
use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tollgate::domain::idempotency::{self, Answer, Claim, Seal};
use tollgate::entities::idempotency_key;

on_both_backends!(
    a_retried_confirmation_is_replayed,
    a_key_reused_for_another_request_is_refused,
    keys_belong_to_their_user,
    concurrent_requests_with_one_key_do_the_work_once,
    sign_up_and_approval_honour_keys,
    no_token_is_kept_with_a_key,
    failed_authentication_keeps_nothing,
    sign_up_keys_belong_to_the_client_address,
    expired_keys_are_purged,
    an_abandoned_claim_is_taken_over_and_its_late_work_rolls_back,
    an_oversized_keyed_request_is_refused_as_too_large,
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

async fn stored_keys(app: &TestApp) -> Vec<idempotency_key::Model> {
    idempotency_key::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap()
}

async fn no_token_is_kept_with_a_key(app: TestApp) {
    let body = json!({"email": "k@test.com", "password": PASSWORD, "password_confirm": PASSWORD,
                      "first_name": "K", "last_name": "Ey"});
    let (first, replayed) = keyed(&app, "/auth/register/", None, "signup-1", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!replayed);
    let access = first.data()["access"].as_str().unwrap().to_owned();
    let refresh = first.data()["refresh"].as_str().unwrap().to_owned();
    for key in stored_keys(&app).await {
        let stored = key.response_body.unwrap_or_default();
        assert!(!stored.contains(&access), "access token stored: {stored}");
        assert!(!stored.contains(&refresh), "refresh token stored: {stored}");
    }
    // The replay says the account exists and how to get tokens, without any.
    let (again, replayed) = keyed(&app, "/auth/register/", None, "signup-1", body).await;
    assert!(replayed);
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.data()["user"]["id"], first.data()["user"]["id"]);
    for field in ["token", "access", "refresh"] {
        assert_eq!(again.data()[field], Value::Null, "{field}");
    }
    assert!(again.body["message"].as_str().unwrap().contains("sign in"));
    // The live answer's tokens work; the sign-in is the customer's own.
    assert_eq!(
        app.get("/auth/me/", Some(&access)).await.status,
        StatusCode::OK
    );
}

async fn failed_authentication_keeps_nothing(app: TestApp) {
    for i in 0..30 {
        let bogus = if i % 2 == 0 {
            Some("not-a-token")
        } else {
            None
        };
        let body = json!({"operation_type": "clustering"});
        let (r, replayed) = keyed(
            &app,
            "/billing/credits/usage/",
            bogus,
            &format!("k{i}"),
            body,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(!replayed);
    }
    assert!(stored_keys(&app).await.is_empty());
}

async fn sign_up_keys_belong_to_the_client_address(app: TestApp) {
    app.register_free("first@test.com").await;
    let body = json!({"email": "k@test.com", "password": PASSWORD, "password_confirm": PASSWORD,
                      "first_name": "K", "last_name": "Ey"});
    keyed(&app, "/auth/register/", None, "signup-1", body).await;
    let scopes: Vec<String> = stored_keys(&app)
        .await
        .into_iter()
        .map(|k| k.scope)
        .collect();
    assert_eq!(scopes, ["anonymous:127.0.0.1"]);
}

async fn expired_keys_are_purged(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"operation_type": "clustering"});
    keyed(&app, "/billing/credits/usage/", Some(&token), "new", body).await;
    let old = idempotency_key::ActiveModel {
        scope: Set("user:1".into()),
        key: Set("old".into()),
        fingerprint: Set("f".into()),
        state: Set("done".into()),
        status_code: Set(Some(201)),
        response_body: Set(Some("{}".into())),
        created_at: Set(chrono::Utc::now() - chrono::Duration::hours(25)),
        ..Default::default()
    };
    old.insert(app.db.conn()).await.unwrap();
    let purged = tollgate::housekeeping::run_once(&app.db, &app.proofs)
        .await
        .unwrap();
    assert_eq!(purged.idempotency_keys, 1);
    let keys: Vec<String> = stored_keys(&app).await.into_iter().map(|k| k.key).collect();
    assert_eq!(keys, ["new"]);
}

/// A request that outlives its lease (its server hung, say) is taken over by a retry; when the
/// first one finally reaches its commit, its seal finds the claim gone and the work rolls back.
async fn an_abandoned_claim_is_taken_over_and_its_late_work_rolls_back(app: TestApp) {
    app.register_free("free@test.com").await;
    let user = tollgate::entities::user::Entity::find()
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    let account = tollgate::domain::accounts::find_account(&app.db, user.account_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    let member = tollgate::domain::Member { user, account };
    let Claim::Fresh(first) = idempotency::claim(&app.db, "user:1", "k", "f")
        .await
        .unwrap()
    else {
        panic!("first claim is fresh");
    };
    assert_eq!(
        idempotency::claim(&app.db, "user:1", "k", "f")
            .await
            .unwrap(),
        Claim::InProgress
    );
    // The lease runs out.
    let stale = chrono::Utc::now() - chrono::Duration::seconds(idempotency::LEASE_SECONDS + 1);
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::CreatedAt, stale.into())
        .exec(app.db.conn())
        .await
        .unwrap();
    let Claim::Fresh(second) = idempotency::claim(&app.db, "user:1", "k", "f")
        .await
        .unwrap()
    else {
        panic!("a retry takes the abandoned claim over");
    };
    assert_ne!(first, second);
    let answer = |_: &tollgate::domain::credits::Spent| Answer {
        status: 201,
        body: "{}".into(),
    };
    let spend = || tollgate::domain::credits::UsageInput {
        operation_type: Some("clustering".into()),
        quantity: Some(1),
    };
    let late =
        tollgate::domain::credits::spend(&app.db, &member, spend(), &Seal::new(first, answer))
            .await;
    assert!(late.is_err(), "the first request's work is refused");
    tollgate::domain::credits::spend(&app.db, &member, spend(), &Seal::new(second, answer))
        .await
        .expect("the retry's work is done");
    let ledger = tollgate::entities::credit_transaction::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(ledger, 2, "the trial grant and one spend");
    assert_eq!(
        idempotency::claim(&app.db, "user:1", "k", "f")
            .await
            .unwrap(),
        Claim::Replay {
            status: 201,
            body: "{}".into()
        }
    );
}

async fn an_oversized_keyed_request_is_refused_as_too_large(app: TestApp) {
    let huge = "x".repeat(2 * 1024 * 1024);
    let resp = reqwest::Client::new()
        .post(app.url("/auth/register/"))
        .header("content-type", "application/json")
        .header("idempotency-key", "big")
        .body(format!("{{\"email\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(stored_keys(&app).await.is_empty());
}
