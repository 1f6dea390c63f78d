//! The authorization matrix: every API route × {anonymous, customer of account A, customer of
//! account B, a viewer member of A, staff}, with the status each gets. Another account's
//! objects answer exactly like missing ones.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

on_both_backends!(every_route_answers_each_identity_as_it_should);

/// Who calls, in the order the matrix is walked (state-changing calls succeed last).
const WHO: [&str; 5] = ["anonymous", "B", "staff", "viewer", "A"];

struct World {
    tokens: [Option<String>; 5],
    a_invoice: i64,
    /// A's approved payment, without a proof.
    a_payment: i64,
    a_site: i64,
    /// A credit note of A's invoice (a partial refund).
    a_credit_note: i64,
    pending: [i64; 2],
}

async fn viewer_of(app: &TestApp, account_id: i64) -> String {
    tollgate::entities::user::ActiveModel {
        email: Set("viewer@test.com".into()),
        password_hash: Set(tollgate::auth::password::hash(PASSWORD).await.unwrap()),
        first_name: Set("View".into()),
        last_name: Set("Only".into()),
        account_id: Set(Some(account_id)),
        role: Set("viewer".into()),
        is_staff: Set(false),
        is_superuser: Set(false),
        is_active: Set(true),
        created_at: Set(chrono::Utc::now()),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(app.db.conn())
    .await
    .unwrap();
    app.login("viewer@test.com", PASSWORD).await
}

async fn world(app: &TestApp) -> World {
    let staff = app.staff_token("admin@example.com").await;
    let (a, a_invoice) = app.paid_customer("a@test.com").await;
    let paid = app.confirm(&a, a_invoice, "89.00", "REF-A").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    assert_eq!(app.approve(&staff, paid).await.status, StatusCode::OK);
    let site = app
        .post(
            "/sites/",
            Some(&a),
            json!({"name": "A's", "industry_id": 1}),
        )
        .await;
    let a_site = site.data()["id"].as_i64().unwrap();
    let a_credit_note = refund_a_little(app, a_invoice).await;
    let b = app.register_free("b@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut pending = [0; 2];
    for (i, slot) in pending.iter_mut().enumerate() {
        let (c, invoice) = app.paid_customer(&format!("c{i}@test.com")).await;
        *slot = app.confirm(&c, invoice, "89.00", "REF-C").await.data()["payment_id"]
            .as_i64()
            .unwrap();
    }
    let me = app.get("/auth/me/", Some(&a)).await;
    let viewer = viewer_of(app, me.data()["user"]["account_id"].as_i64().unwrap()).await;
    World {
        tokens: [None, Some(b), Some(staff), Some(viewer), Some(a)],
        a_invoice,
        a_payment: paid,
        a_site,
        a_credit_note,
        pending,
    }
}

/// Refunds 1.00 of the paid invoice (A keeps most of its credits for the calls below), and
/// gives its credit note's id.
async fn refund_a_little(app: &TestApp, invoice_id: i64) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let staff = tollgate::entities::user::Entity::find()
        .filter(tollgate::entities::user::Column::IsStaff.eq(true))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    let staff = tollgate::domain::staff::StaffActor::verify(staff).unwrap();
    let input = tollgate::domain::refunds::RefundInput {
        amount: Some("1.00".into()),
        reason: Some("Goodwill".into()),
    };
    tollgate::domain::refunds::refund(&app.db, &staff, invoice_id, input, &[])
        .await
        .unwrap()
        .credit_note
        .id
}

use StatusCode as S;
const OK: S = S::OK;
const CREATED: S = S::CREATED;
const BAD: S = S::BAD_REQUEST;
const UNAUTH: S = S::UNAUTHORIZED;
const FORBID: S = S::FORBIDDEN;
const MISSING: S = S::NOT_FOUND;
const CONFLICT: S = S::CONFLICT;
const NOT_FORM: S = S::UNSUPPORTED_MEDIA_TYPE;
const UNAVAILABLE: S = S::UNPROCESSABLE_ENTITY;

/// (method, path, body, expected status for anonymous, B, staff, viewer, A)
fn matrix(w: &World) -> Vec<(&'static str, String, Value, [S; 5])> {
    let confirm = json!({"invoice_id": w.a_invoice, "payment_method": "bank_transfer",
                         "manual_reference": "X", "amount": "89.00"});
    let spend = json!({"operation_type": "clustering"});
    let site = json!({"name": "New", "industry_id": 1});
    let customer_read = [UNAUTH, OK, FORBID, OK, OK];
    let staff_only = [UNAUTH, FORBID, OK, FORBID, FORBID];
    let own_object = [UNAUTH, MISSING, FORBID, OK, OK];
    // Documents: the account's members and staff.
    let own_document = [UNAUTH, MISSING, OK, OK, OK];
    vec![
        ("post", "/auth/register".into(), json!({}), [BAD; 5]),
        ("post", "/auth/login".into(), json!({}), [BAD; 5]),
        ("post", "/auth/refresh".into(), json!({}), [BAD; 5]),
        ("post", "/auth/password-reset".into(), json!({}), [BAD; 5]),
        (
            "post",
            "/auth/password-reset/confirm".into(),
            json!({}),
            [BAD; 5],
        ),
        (
            "get",
            "/auth/me".into(),
            json!({}),
            [UNAUTH, OK, OK, OK, OK],
        ),
        ("get", "/industries".into(), json!({}), [OK; 5]),
        ("get", "/billing/plans".into(), json!({}), [OK; 5]),
        ("get", "/billing/credit-costs".into(), json!({}), [OK; 5]),
        (
            "get",
            "/billing/admin/payment-methods".into(),
            json!({}),
            [OK; 5],
        ),
        ("get", "/billing/invoices".into(), json!({}), customer_read),
        (
            "get",
            format!("/billing/invoices/{}", w.a_invoice),
            json!({}),
            own_object,
        ),
        ("get", "/billing/payments".into(), json!({}), customer_read),
        (
            "get",
            format!("/billing/invoices/{}/pdf", w.a_invoice),
            json!({}),
            own_document,
        ),
        (
            "get",
            format!("/billing/invoices/{}/receipt/pdf", w.a_invoice),
            json!({}),
            own_document,
        ),
        (
            "get",
            "/billing/credit-notes".into(),
            json!({}),
            customer_read,
        ),
        (
            "get",
            format!("/billing/credit-notes/{}/pdf", w.a_credit_note),
            json!({}),
            own_document,
        ),
        // A JSON body is no upload (tests/proofs.rs sends real ones); A's payment has no proof.
        (
            "post",
            format!("/billing/payments/{}/proof", w.a_payment),
            json!({}),
            [UNAUTH, NOT_FORM, FORBID, NOT_FORM, NOT_FORM],
        ),
        (
            "get",
            format!("/billing/payments/{}/proof", w.a_payment),
            json!({}),
            [UNAUTH, MISSING, FORBID, MISSING, MISSING],
        ),
        // No provider is set up here: starting or capturing is refused (422) to any customer
        // who may write, and the webhooks are not there at all.
        (
            "post",
            format!("/billing/invoices/{}/pay/card", w.a_invoice),
            json!({}),
            [UNAUTH, UNAVAILABLE, FORBID, FORBID, UNAVAILABLE],
        ),
        (
            "post",
            format!("/billing/invoices/{}/pay/paypal", w.a_invoice),
            json!({}),
            [UNAUTH, UNAVAILABLE, FORBID, FORBID, UNAVAILABLE],
        ),
        (
            "post",
            format!("/billing/payments/{}/paypal/capture", w.a_payment),
            json!({}),
            [UNAUTH, UNAVAILABLE, FORBID, FORBID, UNAVAILABLE],
        ),
        (
            "post",
            "/billing/webhooks/stripe".into(),
            json!({}),
            [MISSING; 5],
        ),
        (
            "post",
            "/billing/webhooks/paypal".into(),
            json!({}),
            [MISSING; 5],
        ),
        (
            "post",
            "/billing/admin/payments/confirm".into(),
            confirm,
            [UNAUTH, MISSING, FORBID, FORBID, CONFLICT],
        ),
        (
            "get",
            "/billing/admin/payments".into(),
            json!({}),
            staff_only,
        ),
        ("get", "/billing/admin/audit".into(), json!({}), staff_only),
        (
            "post",
            format!("/billing/admin/payments/{}/approve", w.pending[0]),
            json!({}),
            staff_only,
        ),
        (
            "post",
            format!("/billing/admin/payments/{}/reject", w.pending[1]),
            json!({}),
            staff_only,
        ),
        (
            "get",
            "/billing/credits/balance".into(),
            json!({}),
            customer_read,
        ),
        (
            "get",
            "/billing/credits/transactions".into(),
            json!({}),
            customer_read,
        ),
        (
            "post",
            "/billing/credits/usage".into(),
            spend,
            [UNAUTH, CREATED, FORBID, FORBID, CREATED],
        ),
        // Packages are public; B (a trial, no country: the global methods) and A (active)
        // may buy; staff have no account and a viewer may not.
        ("get", "/billing/credits/top-ups".into(), json!({}), [OK; 5]),
        (
            "post",
            "/billing/credits/top-ups".into(),
            json!({"package_id": 1, "payment_method": "bank_transfer"}),
            [UNAUTH, CREATED, FORBID, FORBID, CREATED],
        ),
        ("get", "/sites".into(), json!({}), customer_read),
        (
            "post",
            "/sites".into(),
            site,
            [UNAUTH, CREATED, FORBID, FORBID, FORBID],
        ),
        ("get", format!("/sites/{}", w.a_site), json!({}), own_object),
        // The subscription: B (a trial) subscribes, A (active) upgrades; then cancelling and
        // resuming need an active subscription, which B's (awaiting payment) is not.
        (
            "get",
            "/billing/subscription".into(),
            json!({}),
            customer_read,
        ),
        (
            "post",
            "/billing/subscription/plan".into(),
            json!({"plan_slug": "growth"}),
            [UNAUTH, OK, FORBID, FORBID, OK],
        ),
        (
            "post",
            "/billing/subscription/cancel".into(),
            json!({}),
            [UNAUTH, CONFLICT, FORBID, FORBID, OK],
        ),
        (
            "post",
            "/billing/subscription/resume".into(),
            json!({}),
            [UNAUTH, CONFLICT, FORBID, FORBID, OK],
        ),
        (
            "post",
            "/auth/logout".into(),
            json!({}),
            [UNAUTH, OK, OK, OK, OK],
        ),
    ]
}

async fn every_route_answers_each_identity_as_it_should(app: TestApp) {
    let w = world(&app).await;
    let mut failures = Vec::new();
    for (method, path, body, expected) in matrix(&w) {
        for (i, who) in WHO.iter().enumerate() {
            let token = w.tokens[i].as_deref();
            // A document answers a PDF, not JSON.
            let status = match method {
                "get" if path.ends_with("/pdf") => app.get_file(&path, token).await.status,
                "get" => app.get(&path, token).await.status,
                _ => app.post(&path, token, body.clone()).await.status,
            };
            if status != expected[i] {
                failures.push(format!(
                    "{method} {path} as {who}: {status} (expected {})",
                    expected[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every documented operation is in the matrix.
    let spec = app.openapi().await;
    let operations: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        operations,
        matrix(&w).len(),
        "the matrix covers every route"
    );

    // Another account's invoice and site answer exactly like missing ones.
    let b = w.tokens[1].as_deref();
    for (theirs, missing) in [
        (
            format!("/billing/invoices/{}", w.a_invoice),
            "/billing/invoices/999999".to_owned(),
        ),
        (format!("/sites/{}", w.a_site), "/sites/999999".to_owned()),
        (
            format!("/billing/invoices/{}/pdf", w.a_invoice),
            "/billing/invoices/999999/pdf".to_owned(),
        ),
        (
            format!("/billing/credit-notes/{}/pdf", w.a_credit_note),
            "/billing/credit-notes/999999/pdf".to_owned(),
        ),
    ] {
        let (x, y) = (app.get(&theirs, b).await, app.get(&missing, b).await);
        assert_eq!(
            (x.status, &x.body["error"], &x.body["errors"]),
            (y.status, &y.body["error"], &y.body["errors"])
        );
    }
}
