//! What the lifecycle tests share: moving the clock and ticking, paying an invoice the way a
//! customer and staff do, reading the account's standing, and the mails written.
#![allow(dead_code)] // Each test file uses its own part of these.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tollgate::domain::lifecycle::{self, Ticked};
use tollgate::entities::invoice;

use crate::common::TestApp;
use crate::common::smtp::{self, Captured};

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

pub fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// Moves billing's clock to `when` and runs the lifecycle's due steps as of then.
pub async fn tick(app: &TestApp, when: DateTime<Utc>) -> Ticked {
    app.db.clock().set(when);
    lifecycle::tick(&app.db, when).await.expect("tick")
}

/// `GET billing/subscription/`.
pub async fn standing(app: &TestApp, token: &str) -> Value {
    let r = app.get("/billing/subscription/", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.data().clone()
}

pub fn period_end(standing: &Value) -> DateTime<Utc> {
    at(standing["subscription"]["current_period_end"]
        .as_str()
        .expect("a period"))
}

/// The one open invoice: (id, total).
pub fn open_invoice(standing: &Value) -> (i64, String) {
    let open = standing["open_invoices"].as_array().unwrap();
    assert_eq!(open.len(), 1, "one open invoice: {standing}");
    (
        open[0]["id"].as_i64().unwrap(),
        open[0]["total"].as_str().unwrap().to_owned(),
    )
}

/// Confirms a transfer for the invoice; the payment's id.
pub async fn confirm(app: &TestApp, token: &str, invoice: i64, amount: &str) -> i64 {
    let r = app
        .confirm(token, invoice, amount, &format!("BT-{invoice}"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.data()["payment_id"].as_i64().unwrap()
}

/// Confirms and approves: the approval's data.
pub async fn pay(app: &TestApp, token: &str, staff: &str, invoice: i64, amount: &str) -> Value {
    let payment = confirm(app, token, invoice, amount).await;
    let r = app.approve(staff, payment).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.data().clone()
}

/// Registers a customer on `plan`, and signs them in.
pub async fn customer_on(app: &TestApp, email: &str, plan: &str) -> (String, i64) {
    let r = app
        .post(
            "/auth/register/",
            None,
            json!({
                "email": email, "password": crate::common::PASSWORD,
                "password_confirm": crate::common::PASSWORD,
                "first_name": "Life", "last_name": "Cycle", "plan_slug": plan,
                "billing_country": "PK", "billing_city": "Karachi",
                "billing_address_line1": "1 Main Street", "payment_method": "bank_transfer"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        r.data()["token"].as_str().unwrap().to_owned(),
        r.data()["invoice"]["id"].as_i64().unwrap(),
    )
}

/// The account's invoices, oldest first.
pub async fn invoices_of(app: &TestApp, account_id: i64) -> Vec<invoice::Model> {
    invoice::Entity::find()
        .filter(invoice::Column::AccountId.eq(account_id))
        .order_by_asc(invoice::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}

/// `POST billing/credits/usage/` of one clustering request.
pub async fn spend(app: &TestApp, token: &str) -> crate::common::Res {
    app.post(
        "/billing/credits/usage/",
        Some(token),
        json!({"operation_type": "clustering"}),
    )
    .await
}

/// Waits for a mail to `to` whose subject contains `subject`.
pub async fn mail(app: &TestApp, to: &str, subject: &str) -> Captured {
    smtp::mail_file(&app.mail_dir, |m| {
        m.subject.contains(subject) && m.to.contains(to)
    })
    .await
}

/// `tollgate verify` finds nothing.
pub async fn assert_verified(app: &TestApp) {
    let violations = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}
