//! Credit top-ups through the API, on SQLite and PostgreSQL: the packages on sale; buying one
//! issues an invoice (with its audit entry and mail) that is paid like any other, and its
//! credits land once — with a `purchase` ledger row, the account's status unchanged — even when
//! ten approvals of its payment arrive at once; a retried purchase issues one invoice; and every
//! refusal (suspended, trial ended, awaiting approval, unknown or withdrawn package, a method
//! the country does not offer) says why and creates nothing. `tollgate verify` stays clean.
//! The portal's page and staff's panel are `tests/top_up_pages.rs`.

mod common;
#[path = "lifecycle/support.rs"]
mod support;

use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::{Value, json};
use tollgate::domain::status::{CreditTransactionType, InvoicePurpose};
use tollgate::entities::{audit_entry, credit_transaction, invoice, job, top_up_package};

use common::{Res, TestApp};
use support::{assert_verified, at, customer_on, days, pay, period_end, standing, tick};

on_both_backends!(
    packages_are_listed_in_order_with_their_prices,
    a_trial_buys_credits_by_transfer_and_stays_a_trial,
    ten_approvals_at_once_grant_the_credits_once,
    a_retried_purchase_issues_one_invoice,
    refusals_say_why_and_create_nothing,
);

const TOP_UPS: &str = "/billing/credits/top-ups/";

async fn buy(app: &TestApp, token: &str, package: i64, method: &str) -> Res {
    let body = json!({"package_id": package, "payment_method": method});
    app.post(TOP_UPS, Some(token), body).await
}

/// The packages on sale, as the public list gives them.
async fn packages(app: &TestApp) -> Vec<Value> {
    let r = app.get(TOP_UPS, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.data()["results"].as_array().unwrap().clone()
}

async fn first_package(app: &TestApp) -> i64 {
    packages(app).await[0]["id"].as_i64().unwrap()
}

async fn top_up_invoices(app: &TestApp) -> u64 {
    invoice::Entity::find()
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::TopUp))
        .count(app.db.conn())
        .await
        .unwrap()
}

async fn purchases(app: &TestApp) -> Vec<credit_transaction::Model> {
    credit_transaction::Entity::find()
        .filter(credit_transaction::Column::TransactionType.eq(CreditTransactionType::Purchase))
        .all(app.db.conn())
        .await
        .unwrap()
}

/// `GET billing/credits/balance/`: (credits, account status).
async fn balance(app: &TestApp, token: &str) -> (i64, String) {
    let r = app.get("/billing/credits/balance/", Some(token)).await;
    let status = r.data()["account_status"].as_str().unwrap().to_owned();
    (r.data()["credits"].as_i64().unwrap(), status)
}

async fn packages_are_listed_in_order_with_their_prices(app: TestApp) {
    let all = packages(&app).await;
    let seen: Vec<(&str, i64, &str, i64, &str)> = all
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().unwrap();
            let number = |k: &str| p[k].as_i64().unwrap();
            let per_credit = text("price_per_credit");
            (
                text("name"),
                number("credits"),
                text("price"),
                number("price_minor"),
                per_credit,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("500 credits", 500, "49.00", 4_900, "0.098"),
            ("2,000 credits", 2_000, "179.00", 17_900, "0.0895"),
            ("10,000 credits", 10_000, "790.00", 79_000, "0.079"),
        ]
    );
    assert!(all.iter().all(|p| p["currency"] == "USD"));
    // A package taken off sale is no longer listed.
    let id = all[1]["id"].as_i64().unwrap();
    withdraw(&app, id).await;
    let names: Vec<Value> = packages(&app)
        .await
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("500 credits"), json!("10,000 credits")]);
}

/// Takes a package off sale, behind the API's back.
async fn withdraw(app: &TestApp, id: i64) {
    let row = top_up_package::Entity::find_by_id(id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.is_active = Set(false);
    row.update(app.db.conn()).await.unwrap();
}

async fn a_trial_buys_credits_by_transfer_and_stays_a_trial(app: TestApp) {
    app.db.clock().set(at("2027-05-10T09:00:00Z"));
    let r = app.register_free("trial@test.com").await;
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let staff = app.staff_token("staff@example.com").await;
    let package = first_package(&app).await;

    let bought = buy(&app, &token, package, "bank_transfer").await;
    assert_eq!(bought.status, StatusCode::CREATED, "{}", bought.body);
    let data = bought.data();
    let number = data["invoice_number"].as_str().unwrap();
    assert!(
        number.starts_with("INV-") && number.ends_with("-202705-0001"),
        "{number}"
    );
    assert_eq!(
        bought.body["message"],
        format!(
            "Invoice {number} of 49.00 USD issued for 500 credits; they are added once it is paid."
        )
    );
    assert_eq!(
        (
            &data["total"],
            &data["currency"],
            &data["status"],
            &data["due_date"]
        ),
        (
            &json!("49.00"),
            &json!("USD"),
            &json!("pending"),
            &json!("2027-05-17")
        )
    );
    assert_eq!(
        (&data["credits"], &data["package"]["id"]),
        (&json!(500), &json!(package))
    );
    let lines = data["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{data}");
    assert_eq!(
        (&lines[0]["amount"], &lines[0]["quantity"]),
        (&json!("49.00"), &json!(1))
    );
    // A trial has no payment method of its own: the invoice says how to pay by the one chosen.
    let how = &data["payment_instructions"];
    assert_eq!(how["payment_method"], "bank_transfer", "{data}");
    assert_eq!(how["details"]["bank_name"], "ABC Bank", "{how}");
    let id = data["id"].as_i64().unwrap();
    let detail = app
        .get(&format!("/billing/invoices/{id}/"), Some(&token))
        .await;
    assert_eq!(detail.data()["metadata"]["payment_method"], "bank_transfer");
    assert_eq!(detail.data()["payment_instructions"], *how);

    // Its audit entry and its mail, written with it.
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("top_up.buy"))
        .all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(
        (audited[0].object_type.as_str(), audited[0].object_id),
        ("invoice", id)
    );
    let mails = job::Entity::find()
        .filter(job::Column::Kind.eq("mail.invoice_issued"))
        .all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].payload.contains(&format!("\"invoice_id\":{id}")),
        "{mails:?}"
    );

    // Nothing yet: the credits come with the payment.
    assert_eq!(balance(&app, &token).await, (1000, "trial".into()));
    let approved = pay(&app, &token, &staff, id, "49.00").await;
    assert_eq!(approved["credits_added"], 500, "{approved}");
    assert_eq!(balance(&app, &token).await, (1500, "trial".into()));
    let rows = purchases(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].amount, 500);
    let payment = approved["payment_id"].as_i64().unwrap();
    assert_eq!(rows[0].reference, Some(format!("payment:{payment}")));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1500);
    let paid = app
        .get(&format!("/billing/invoices/{id}/"), Some(&token))
        .await;
    assert_eq!(paid.data()["status"], "paid");
    assert_verified(&app).await;
}

async fn ten_approvals_at_once_grant_the_credits_once(app: TestApp) {
    let staff = app.staff_token("staff@example.com").await;
    let (token, first) = app.paid_customer("paid@test.com").await;
    pay(&app, &token, &staff, first, "89.00").await;
    assert_eq!(balance(&app, &token).await, (1000, "active".into()));
    let package = packages(&app).await[2]["id"].as_i64().unwrap();
    // Pakistan offers its wallet too.
    let bought = buy(&app, &token, package, "local_wallet").await;
    assert_eq!(bought.status, StatusCode::CREATED, "{}", bought.body);
    assert_eq!(
        bought.data()["payment_instructions"]["payment_method"],
        "local_wallet"
    );
    let id = bought.data()["id"].as_i64().unwrap();
    let confirmed = app.confirm(&token, id, "790.00", "JC-777").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();

    let answers = join_all((0..10).map(|_| app.approve(&staff, payment))).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        answers.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    }
    assert_eq!(balance(&app, &token).await, (11_000, "active".into()));
    assert_eq!(purchases(&app).await.len(), 1);
    assert_eq!(app.assert_ledger_consistent(&token).await, 11_000);
    assert_verified(&app).await;
}

async fn a_retried_purchase_issues_one_invoice(app: TestApp) {
    let token = app.register_free("retry@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"package_id": first_package(&app).await, "payment_method": "bank_transfer"});
    let send = || {
        app.client
            .post(app.url(TOP_UPS))
            .bearer_auth(&token)
            .header("Idempotency-Key", "top-up-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["data"]["id"], first["data"]["id"]);
    assert_eq!(top_up_invoices(&app).await, 1);
}

async fn refusals_say_why_and_create_nothing(app: TestApp) {
    let start = at("2027-03-01T00:00:00Z");
    app.db.clock().set(start);
    let staff = app.staff_token("staff@example.com").await;
    let package = first_package(&app).await;

    // Missing fields, named together; an unknown package; one taken off sale.
    let trial = app.register_free("trial@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let empty = app.post(TOP_UPS, Some(&trial), json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
    for field in ["package_id", "payment_method"] {
        assert_eq!(empty.body["errors"][field][0], "This field is required.");
    }
    for missing in [999_999, packages(&app).await[1]["id"].as_i64().unwrap()] {
        if missing != 999_999 {
            withdraw(&app, missing).await;
        }
        let r = buy(&app, &trial, missing, "bank_transfer").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.error(), "Top-up package not found");
    }
    // Methods: unknown, not offered in the country (a trial has none: the global ones), not
    // set up on this server.
    for (method, said) in [
        ("cheque", "Choose one of:"),
        ("local_wallet", "not available in your country"),
        ("stripe", "is not set up on this server"),
    ] {
        let r = buy(&app, &trial, package, method).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let message = r.body["errors"]["payment_method"][0].as_str().unwrap();
        assert!(message.contains(said), "{method}: {message}");
    }

    // Awaiting its first approval: 403.
    let (pending, _) = app.paid_customer("pending@test.com").await;
    let r = buy(&app, &pending, package, "bank_transfer").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.error().contains("awaiting its first payment"),
        "{}",
        r.body
    );

    // Suspended for an unpaid renewal: 402, saying what to pay.
    let (late, first) = customer_on(&app, "late@test.com", "starter").await;
    pay(&app, &late, &staff, first, "89.00").await;
    let due = period_end(&standing(&app, &late).await);
    tick(&app, due - days(7)).await;
    tick(&app, due).await;
    assert_eq!(tick(&app, due + days(7)).await.suspended, 1);
    let r = buy(&app, &late, package, "bank_transfer").await;
    assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.body);
    assert_eq!(
        r.error(),
        "Your account is suspended because its renewal invoice is unpaid; pay it (GET billing/invoices/) before buying credits."
    );
    // The portal tells it instead of offering the form.
    let mut portal = common::admin::Panel::customer(&app, "late@test.com").await;
    let page = portal.get("/credits/top-ups/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Your account is suspended because its renewal invoice is unpaid")
    );
    assert!(
        !page.body.contains(r#"action="/credits/top-ups/""#),
        "no form"
    );

    // The trial ended meanwhile (14 days): 402 too.
    let r = buy(&app, &trial, package, "bank_transfer").await;
    assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.body);
    assert!(
        r.error().starts_with("Your free trial has ended"),
        "{}",
        r.body
    );

    assert_eq!(top_up_invoices(&app).await, 0);
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("top_up.buy"))
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(audited, 0);
    assert_verified(&app).await;
}
