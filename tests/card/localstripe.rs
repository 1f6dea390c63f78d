//! The whole card sign-up against the real localstripe: tollgate creates the PaymentIntent,
//! localstripe charges the test card and delivers its own signed webhook, and the account
//! becomes active with its credits. localstripe's bodies are pretty-printed: the signature is
//! over those exact bytes.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tollgate::domain::status::PayoutStatus;
use tollgate::entities::{credit_note, job};
use tollgate::jobs::Handler;

use crate::common::fake_stripe::{self, LocalStripe, WEBHOOK_SECRET};
use crate::common::{Backend, Res, TestApp, spawn_app_with};
use crate::support::{register_card, standing};

async fn app_on(backend: Backend) -> Option<(TestApp, LocalStripe)> {
    let stripe = LocalStripe::start().await?;
    let app = spawn_app_with(backend, |s| fake_stripe::configure(s, &stripe.base)).await?;
    let hook = app.url("/billing/webhooks/stripe/");
    stripe.register_webhook(&hook, WEBHOOK_SECRET).await;
    Some((app, stripe))
}

/// Waits for localstripe's webhook (it sends about a second after the charge).
async fn until_status(app: &TestApp, token: &str, status: &str) -> (String, i64) {
    for _ in 0..100 {
        let now = standing(app, token).await;
        if now.0 == status {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    standing(app, token).await
}

/// Signs up for Starter by card and pays the invoice with the test card `number`, tokenised
/// at localstripe as Stripe.js would: (token, invoice id, the answer to paying).
async fn sign_up_and_pay(
    app: &TestApp,
    stripe: &LocalStripe,
    email: &str,
    number: &str,
) -> (String, i64, Res) {
    let r = register_card(app, email).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    let card = stripe.card(number).await;
    let paid = app
        .post(
            &format!("/billing/invoices/{invoice}/pay/card/"),
            Some(&token),
            json!({"payment_method": card}),
        )
        .await;
    (token, invoice, paid)
}

async fn signup_by_card_through_localstripe(backend: Backend) {
    let Some((app, stripe)) = app_on(backend).await else {
        return;
    };
    let (token, invoice, paid) =
        sign_up_and_pay(&app, &stripe, "ls-card@test.com", "4242424242424242").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert_eq!(paid.data()["provider_status"], "succeeded");
    assert!(
        paid.data()["provider_ref"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    assert_eq!(
        until_status(&app, &token, "active").await,
        ("active".into(), 1000)
    );
    let inv = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    assert_eq!(inv.data()["status"], "paid");
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    assert_eq!(
        tollgate::ops::verify::verify(&app.db).await.unwrap(),
        vec![]
    );
}

async fn a_declined_card_fails_and_changes_nothing_else(backend: Backend) {
    let Some((app, stripe)) = app_on(backend).await else {
        return;
    };
    let (token, _, paid) =
        sign_up_and_pay(&app, &stripe, "ls-declined@test.com", "4000000000000341").await;
    assert_eq!(paid.status, StatusCode::PAYMENT_REQUIRED, "{}", paid.body);
    assert_eq!(paid.error(), "Your card was declined.");
    // localstripe's `payment_intent.payment_failed` arrives and finds the attempt failed.
    let mut outcome = None;
    for _ in 0..100 {
        let kept = crate::support::events(&app).await;
        if let Some(e) = kept.first() {
            outcome = Some((e.event_type.clone(), e.verified));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        outcome,
        Some(("payment_intent.payment_failed".into(), true))
    );
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["results"][0]["status"], "failed");
    assert_eq!(standing(&app, &token).await, ("pending_payment".into(), 0));
    assert_eq!(
        tollgate::ops::verify::verify(&app.db).await.unwrap(),
        vec![]
    );
}

/// A paid card payment refunded by staff: the credit note is written at once with the refund
/// pending, and the outbox job asks localstripe for it, recording Stripe's refund id.
async fn a_card_payment_is_refunded_through_stripe(backend: Backend) {
    let Some((app, stripe)) = app_on(backend).await else {
        return;
    };
    let (token, invoice, paid) =
        sign_up_and_pay(&app, &stripe, "ls-refund@test.com", "4242424242424242").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert_eq!(until_status(&app, &token, "active").await.0, "active");
    let user =
        tollgate::domain::accounts::create_staff_user(&app.db, "ls-staff@test.com", "pw-ls-staff")
            .await
            .unwrap();
    let staff = tollgate::domain::staff::StaffActor::verify(user).unwrap();
    let input = tollgate::domain::refunds::RefundInput {
        amount: Some("89.00".into()),
        reason: Some("Cancelled in the first week".into()),
    };
    let refunded = tollgate::domain::refunds::refund(&app.db, &staff, invoice, input, &[])
        .await
        .unwrap();
    let note = refunded.credit_note;
    assert_eq!(note.payout_status, PayoutStatus::Pending);

    // The job the refund wrote, run by the handler the job runner uses.
    let job = job::Entity::find()
        .filter(job::Column::Kind.eq(tollgate::domain::refunds::payout::JOB))
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("the refund's job is in the outbox");
    let mut settings = tollgate::config::Settings::default();
    fake_stripe::configure(&mut settings, &stripe.base);
    let payouts = tollgate::providers::refunds::Payouts {
        db: app.db.clone(),
        providers: tollgate::providers::Configured::from_settings(&settings.providers).unwrap(),
    };
    payouts.run(&job).await.unwrap();
    let after = credit_note::Entity::find_by_id(note.id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.payout_status, PayoutStatus::Refunded, "{after:?}");
    assert!(
        after
            .provider_ref
            .as_deref()
            .unwrap_or("")
            .starts_with("re_"),
        "{after:?}"
    );
    // A repeated job finds it recorded and asks nothing again.
    payouts.run(&job).await.unwrap();
    let again = credit_note::Entity::find_by_id(note.id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.provider_ref, after.provider_ref);
    assert_eq!(app.assert_ledger_consistent(&token).await, 0);
    assert_eq!(
        tollgate::ops::verify::verify(&app.db).await.unwrap(),
        vec![]
    );
}

mod sqlite {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_card_payment_is_refunded_through_stripe() {
        super::a_card_payment_is_refunded_through_stripe(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn signup_by_card_through_localstripe() {
        super::signup_by_card_through_localstripe(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_declined_card_fails_and_changes_nothing_else() {
        super::a_declined_card_fails_and_changes_nothing_else(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_card_payment_is_refunded_through_stripe() {
        super::a_card_payment_is_refunded_through_stripe(Backend::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn signup_by_card_through_localstripe() {
        super::signup_by_card_through_localstripe(Backend::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_declined_card_fails_and_changes_nothing_else() {
        super::a_declined_card_fails_and_changes_nothing_else(Backend::Postgres).await;
    }
}
