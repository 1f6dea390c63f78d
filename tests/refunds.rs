//! Refunds and credit notes: a full refund of an unspent top-up, a partial one capped by what
//! was spent, refunds racing spends and each other, and the API's view of the refunded
//! payment; `tollgate verify` stays clean throughout.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tollgate::domain::refunds::{self, RefundInput, Refunded};
use tollgate::domain::staff::StaffActor;
use tollgate::domain::status::{CreditTransactionType, PaymentStatus, PayoutStatus};
use tollgate::entities::{credit_transaction as ledger, invoice, payment, top_up_package};
use tollgate::error::Error;
use tollgate::ops::verify::verify;

on_both_backends!(
    an_unspent_top_up_is_refunded_in_full,
    spent_credits_cap_a_partial_refund,
    refunds_racing_spends_never_go_below_zero,
    two_refunds_of_the_last_amount_give_it_back_once,
    a_plan_payment_without_spends_is_refunded_with_its_credits,
    staff_refund_from_the_invoice_page,
);

/// A customer on a free trial (1,000 trial credits), with their token and account id.
async fn customer(app: &TestApp, email: &str) -> (String, i64) {
    let r = app.register_free(email).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = app.login(email, PASSWORD).await;
    let me = app.get("/auth/me/", Some(&token)).await;
    (token, me.data()["user"]["account"]["id"].as_i64().unwrap())
}

async fn staff(app: &TestApp) -> StaffActor {
    let user =
        tollgate::domain::accounts::create_staff_user(&app.db, "refunds@staff.test", "adminpass")
            .await
            .unwrap();
    StaffActor::verify(user).unwrap()
}

/// Buys `credits` for `price` minor units USD: the top-up invoice, confirmed by transfer and
/// approved by staff. Returns the invoice id.
async fn paid_top_up(app: &TestApp, token: &str, account_id: i64, credits: i64, price: i64) -> i64 {
    let now = app.db.now();
    let package = top_up_package::ActiveModel {
        name: Set(format!("Test {credits} for {price} ({account_id})")),
        credits: Set(credits),
        price: Set(price),
        currency: Set("USD".into()),
        is_active: Set(true),
        sort_order: Set(99),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db.conn())
    .await
    .unwrap();
    let account = tollgate::domain::accounts::find_account(&app.db, account_id)
        .await
        .unwrap()
        .unwrap();
    let txn = app.db.begin_write().await.unwrap();
    let invoice = tollgate::domain::invoices::issue_top_up(&*txn, &account, &package, now)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let amount = tollgate::domain::money::format_minor(price, "USD");
    let confirmed = app.confirm(token, invoice.id, &amount, "TOPUP-1").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment_id = confirmed.data()["payment_id"].as_i64().unwrap();
    let reviewer = app
        .staff_token(&format!("reviewer{account_id}@staff.test"))
        .await;
    let approved = app.approve(&reviewer, payment_id).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    invoice.id
}

fn input(amount: &str) -> RefundInput {
    RefundInput {
        amount: Some(amount.into()),
        reason: Some("Customer asked".into()),
    }
}

async fn balance(app: &TestApp, token: &str) -> i64 {
    app.assert_ledger_consistent(token).await
}

async fn payment_of(app: &TestApp, invoice_id: i64) -> payment::Model {
    payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap()
}

fn amount_error(e: &Error) -> String {
    match e {
        Error::Invalid { fields, .. } => fields
            .get("amount")
            .map(|m| m.join(" "))
            .unwrap_or_default(),
        other => panic!("a field error expected, got {other:?}"),
    }
}

async fn an_unspent_top_up_is_refunded_in_full(app: TestApp) {
    let (token, account) = customer(&app, "full@test.com").await;
    let invoice = paid_top_up(&app, &token, account, 500, 4900).await;
    assert_eq!(balance(&app, &token).await, 1500);
    let staff = staff(&app).await;

    let Refunded {
        credit_note,
        payment,
        ..
    } = refunds::refund(&app.db, &staff, invoice, input("49.00"), &[])
        .await
        .unwrap();
    let month = app.db.now().format("%Y%m");
    assert_eq!(credit_note.number, format!("CN-{account}-{month}-0001"));
    assert_eq!((credit_note.amount, credit_note.credits), (4900, 500));
    assert_eq!(credit_note.payout_status, PayoutStatus::ByStaff);
    assert_eq!(payment.status, PaymentStatus::Refunded);
    assert_eq!(payment.refunded_amount, 4900);
    assert_eq!(balance(&app, &token).await, 1000);
    let rows = ledger::Entity::find()
        .filter(ledger::Column::TransactionType.eq(CreditTransactionType::Refund))
        .all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].amount, -500);
    assert_eq!(
        rows[0].reference.as_deref(),
        Some(&*format!("credit_note:{}", credit_note.id))
    );
    // The invoice stays paid: the credit note is what records the refund.
    let paid = invoice::Entity::find_by_id(invoice)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid.status.as_str(), "paid");

    // Nothing is left: a second refund is refused and changes nothing.
    let again = refunds::refund(&app.db, &staff, invoice, input("0.01"), &[])
        .await
        .unwrap_err();
    assert!(
        amount_error(&again).contains("refunded in full"),
        "{again:?}"
    );
    // The API shows the payment refunded.
    let listed = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(
        listed.data()["results"][0]["status"],
        "refunded",
        "{}",
        listed.body
    );
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn spent_credits_cap_a_partial_refund(app: TestApp) {
    let (token, account) = customer(&app, "partial@test.com").await;
    // 1,000 credits for 10.00, then 300 of them spent.
    let invoice = paid_top_up(&app, &token, account, 1000, 1000).await;
    let spent = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering", "quantity": 30}),
        )
        .await;
    assert_eq!(spent.status, StatusCode::CREATED, "{}", spent.body);
    assert_eq!(balance(&app, &token).await, 1700);
    let staff = staff(&app).await;

    let (_, limits) = refunds::refundable(&app.db, invoice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (limits.granted, limits.unspent, limits.max_amount),
        (1000, 700, 700)
    );
    let refused = refunds::refund(&app.db, &staff, invoice, input("7.01"), &[])
        .await
        .unwrap_err();
    let message = amount_error(&refused);
    assert!(
        message.contains("At most 7.00 USD") && message.contains("700 of the 1000"),
        "{message}"
    );
    assert_eq!(
        balance(&app, &token).await,
        1700,
        "a refused refund changes nothing"
    );

    let first = refunds::refund(&app.db, &staff, invoice, input("2.50"), &[])
        .await
        .unwrap();
    assert_eq!(
        (first.credit_note.amount, first.credit_note.credits),
        (250, 250)
    );
    assert_eq!(first.payment.status, PaymentStatus::PartiallyRefunded);
    let second = refunds::refund(&app.db, &staff, invoice, input("4.50"), &[])
        .await
        .unwrap();
    assert_eq!(second.credit_note.credits, 450);
    assert!(second.credit_note.number.ends_with("-0002"));
    assert_eq!(second.payment.refunded_amount, 700);
    assert_eq!(second.payment.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(balance(&app, &token).await, 1000);
    let none_left = refunds::refund(&app.db, &staff, invoice, input("0.01"), &[])
        .await
        .unwrap_err();
    assert!(
        amount_error(&none_left).contains("spent or taken back"),
        "{none_left:?}"
    );
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn refunds_racing_spends_never_go_below_zero(app: TestApp) {
    let (token, account) = customer(&app, "race@test.com").await;
    // Spend the trial credits first, so that every credit left is the top-up's.
    let r = app
        .post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering", "quantity": 100}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let invoice = paid_top_up(&app, &token, account, 1000, 1000).await;
    let staff = staff(&app).await;
    let spends = (0..20).map(|_| {
        app.post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "clustering", "quantity": 5}),
        )
    });
    // Half the top-up back, while twenty spends of 50 try to use all of it.
    let refund = refunds::refund(&app.db, &staff, invoice, input("5.00"), &[]);
    let (spent, refunded) = tokio::join!(futures::future::join_all(spends), refund);
    let spends_ok = spent
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count() as i64;
    for r in &spent {
        assert!(
            matches!(r.status.as_u16(), 201 | 402 | 409 | 503),
            "{}",
            r.body
        );
    }
    let left = balance(&app, &token).await;
    assert!(left >= 0);
    match refunded {
        // At most 500 were spent before it: it took 500 back, and the spends after it had
        // only what was left.
        Ok(r) => {
            assert_eq!(r.credit_note.credits, 500);
            assert!(
                spends_ok <= 10,
                "{spends_ok} spends of 50 next to a refund of 500"
            );
            assert_eq!(left, 1000 - 50 * spends_ok - 500);
        }
        // Spends came first: what they spent is no longer refundable in full.
        Err(e) => {
            let message = amount_error(&e);
            assert!(
                message.contains("At most") || message.contains("Nothing is left"),
                "{e:?}"
            );
            assert_eq!(left, 1000 - 50 * spends_ok);
        }
    }
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn two_refunds_of_the_last_amount_give_it_back_once(app: TestApp) {
    let (token, account) = customer(&app, "twice@test.com").await;
    let invoice = paid_top_up(&app, &token, account, 500, 4900).await;
    let staff = staff(&app).await;
    let attempts = (0..8).map(|_| refunds::refund(&app.db, &staff, invoice, input("49.00"), &[]));
    let results = futures::future::join_all(attempts).await;
    let done = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(done, 1, "{results:?}");
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(
                e,
                Error::Invalid { .. } | Error::Conflict(_) | Error::Contended
            ),
            "{e:?}"
        );
    }
    assert_eq!(payment_of(&app, invoice).await.refunded_amount, 4900);
    assert_eq!(balance(&app, &token).await, 1000);
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn a_plan_payment_without_spends_is_refunded_with_its_credits(app: TestApp) {
    let (token, invoice) = app.paid_customer("plan@test.com").await;
    let id = app.confirm(&token, invoice, "89.00", "PLAN-1").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let reviewer = app.staff_token("reviewer@staff.test").await;
    assert_eq!(app.approve(&reviewer, id).await.status, StatusCode::OK);
    let before = balance(&app, &token).await;
    let staff = staff(&app).await;
    // The plan's 1,000 credits for 89.00: a third of the money takes back a third of them.
    let r = refunds::refund(&app.db, &staff, invoice, input("29.67"), &[])
        .await
        .unwrap();
    assert_eq!(r.credit_note.credits, 334); // 29.67 × 1000 / 89.00 = 333.4, rounded up
    assert_eq!(balance(&app, &token).await, before - 334);
    // The subscription and the account are left as they were.
    let me = app.get("/billing/subscription/", Some(&token)).await;
    assert_eq!(me.data()["account_status"], "active", "{}", me.body);
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}

async fn staff_refund_from_the_invoice_page(app: TestApp) {
    let (token, account) = customer(&app, "panel@test.com").await;
    let invoice = paid_top_up(&app, &token, account, 500, 4900).await;
    let mut panel = common::admin::Panel::staff(&app, "panel-staff@test.com").await;
    let page = panel
        .get(&format!("/admin/billing/invoice/{invoice}/"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Refund and issue credit note"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("500 of the 500 credits it granted are unspent")
    );

    let path = format!("/admin/billing/invoice/{invoice}/refund/");
    // Too much: refused on the page, nothing changed.
    let refused = panel
        .post(&path, &[("amount", "49.01"), ("reason", "Too much")])
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let shown = panel
        .get(&format!("/admin/billing/invoice/{invoice}/"))
        .await;
    assert!(shown.body.contains("At most 49.00 USD"), "{}", shown.body);
    assert_eq!(balance(&app, &token).await, 1500);

    let done = panel
        .post(&path, &[("amount", "24.50"), ("reason", "Half back")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let shown = panel
        .get(&format!("/admin/billing/invoice/{invoice}/"))
        .await;
    let month = app.db.now().format("%Y%m");
    assert!(
        shown.body.contains(&format!(
            "Credit note CN-{account}-{month}-0001 issued for 24.50 USD"
        )),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Half back"));
    assert_eq!(balance(&app, &token).await, 1250);

    // Without the CSRF token nothing happens; a customer's session is not staff.
    let forged = panel
        .post(
            &path,
            &[
                ("amount", "1.00"),
                ("reason", "x"),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    let mut portal = common::admin::Panel::customer(&app, "panel@test.com").await;
    let as_customer = portal
        .post(&path, &[("amount", "1.00"), ("reason", "x")])
        .await;
    assert!(
        as_customer.status != StatusCode::SEE_OTHER
            || as_customer
                .location
                .as_deref()
                .is_some_and(|l| l.contains("login")),
        "{}",
        as_customer.status
    );
    assert_eq!(balance(&app, &token).await, 1250);
    assert_eq!(verify(&app.db).await.unwrap(), vec![]);
}
