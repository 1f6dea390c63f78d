//! Card payments (Stripe): a PaymentIntent per attempt, settled only by Stripe's signed event,
//! once, through the same cascade as a staff approval. Against a small fake Stripe API for the
//! rules (signatures, duplicates, races, odd events), and against the real `localstripe` for
//! the whole sign-up (`card/localstripe.rs`). Each test runs on SQLite and PostgreSQL.

mod common;

#[path = "card/localstripe.rs"]
mod localstripe;
#[path = "card/pages.rs"]
mod pages;
#[path = "card/support.rs"]
mod support;

use reqwest::StatusCode;
use serde_json::json;
use tollgate::domain::status::EventOutcome;

use common::fake_stripe::{self, WEBHOOK_SECRET, sign};
use support::{CardApp, events, now};

both!(
    a_card_signup_is_settled_by_the_signed_event,
    refused_deliveries_change_nothing,
    rolled_secrets_still_verify,
    twenty_concurrent_deliveries_settle_once,
    a_card_event_racing_a_staff_approval_settles_once,
    late_odd_and_unknown_events_change_nothing,
    an_unconfigured_provider_is_listed_but_refused,
    a_retried_start_replays_instead_of_starting_again,
    the_portal_offers_the_card_and_its_page_lets_stripe_in,
    staff_see_the_payment_s_provider_and_its_events,
);

use pages::{
    staff_see_the_payment_s_provider_and_its_events,
    the_portal_offers_the_card_and_its_page_lets_stripe_in,
};

async fn a_card_signup_is_settled_by_the_signed_event(app: CardApp) {
    let (token, invoice) = app.card_customer("card@test.com").await;
    let started = app
        .post(
            &format!("/billing/invoices/{invoice}/pay/card/"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let data = started.data();
    assert_eq!(data["status"], "processing");
    assert_eq!(data["provider"], "stripe");
    assert_eq!(data["amount"], "89.00");
    assert_eq!(data["publishable_key"], fake_stripe::PUBLISHABLE_KEY);
    assert!(
        data["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("pi_fake_1_secret")
    );
    let payment = data["payment_id"].as_i64().unwrap();
    let sent = &app.stripe.intents()[0];
    for part in [
        "amount=8900",
        "currency=usd",
        &format!("metadata%5Bpayment_id%5D={payment}"),
    ] {
        assert!(sent.contains(part), "{part} in {sent}");
    }
    // Not paid by starting: only the event pays.
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));

    let body = fake_stripe::succeeded("evt_1", "pi_fake_1", payment, 8900, "usd");
    let r = app
        .deliver(&body, &sign(&body, WEBHOOK_SECRET, now()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["outcome"], "settled");
    assert_eq!(r.data()["duplicate"], false);
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    let inv = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    assert_eq!(inv.data()["status"], "paid");
    // The same event again: 200, nothing more.
    let again = app
        .deliver(&body, &sign(&body, WEBHOOK_SECRET, now()))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.data()["duplicate"], true);
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    let kept = events(&app).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, EventOutcome::Settled);
    assert_eq!(kept[0].payment_id, Some(payment));
    app.assert_verified_clean().await;
}

async fn refused_deliveries_change_nothing(app: CardApp) {
    let (token, invoice) = app.card_customer("refused@test.com").await;
    let payment = app.start_card(&token, invoice).await;
    let body = fake_stripe::succeeded("evt_1", "pi_fake_1", payment, 8900, "usd");
    let t = now();
    let tampered = body.replace("8900", "8901");
    let cases: Vec<(&str, String, Option<String>)> = vec![
        (
            "tampered body",
            tampered,
            Some(sign(&body, WEBHOOK_SECRET, t)),
        ),
        (
            "wrong secret",
            body.clone(),
            Some(sign(&body, "whsec_other", t)),
        ),
        (
            "too old",
            body.clone(),
            Some(sign(&body, WEBHOOK_SECRET, t - 301)),
        ),
        (
            "from the future",
            body.clone(),
            Some(sign(&body, WEBHOOK_SECRET, t + 301)),
        ),
        ("no header", body.clone(), None),
        ("malformed header", body.clone(), Some("v1=abc".into())),
    ];
    for (case, body, header) in &cases {
        let r = app.deliver_raw(body, header.as_deref()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{case}: {}", r.body);
        assert!(
            r.error().starts_with("Webhook refused"),
            "{case}: {}",
            r.error()
        );
    }
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    let kept = events(&app).await;
    assert_eq!(kept.len(), cases.len());
    assert!(
        kept.iter()
            .all(|e| !e.verified && e.event_id.is_none() && e.outcome == EventOutcome::Rejected)
    );
    // The genuine delivery still works afterwards.
    let r = app.deliver(&body, &sign(&body, WEBHOOK_SECRET, t)).await;
    assert_eq!(r.data()["outcome"], "settled");
    app.assert_verified_clean().await;
}

async fn rolled_secrets_still_verify(app: CardApp) {
    let (token, invoice) = app.card_customer("rolled@test.com").await;
    let payment = app.start_card(&token, invoice).await;
    let body = fake_stripe::succeeded("evt_1", "pi_fake_1", payment, 8900, "usd");
    let t = now();
    // Stripe signs with the expiring and the new secret; ours is one of them.
    let old = sign(&body, "whsec_expiring", t);
    let new = sign(&body, WEBHOOK_SECRET, t);
    let header = format!("{},{}", old, new.split_once(',').unwrap().1);
    let r = app.deliver(&body, &header).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["outcome"], "settled");
}

async fn twenty_concurrent_deliveries_settle_once(app: CardApp) {
    let (token, invoice) = app.card_customer("twenty@test.com").await;
    let payment = app.start_card(&token, invoice).await;
    let body = fake_stripe::succeeded("evt_many", "pi_fake_1", payment, 8900, "usd");
    let header = sign(&body, WEBHOOK_SECRET, now());
    let deliveries = (0..20).map(|_| app.deliver(&body, &header));
    let answers = futures::future::join_all(deliveries).await;
    assert!(
        answers.iter().all(|r| r.status == StatusCode::OK),
        "all 200"
    );
    let first = answers
        .iter()
        .filter(|r| r.data()["duplicate"] == false)
        .count();
    assert_eq!(first, 1, "exactly one delivery applied the event");
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    assert_eq!(events(&app).await.len(), 1);
    app.assert_verified_clean().await;
}

async fn a_card_event_racing_a_staff_approval_settles_once(app: CardApp) {
    let staff = app.staff_token("admin@test.com").await;
    let (token, invoice) = app.card_customer("race@test.com").await;
    let card = app.start_card(&token, invoice).await;
    // The customer also reports a bank transfer of the same invoice.
    let manual = app.confirm(&token, invoice, "89.00", "BT-RACE-1").await;
    assert_eq!(manual.status, StatusCode::CREATED, "{}", manual.body);
    let manual = manual.data()["payment_id"].as_i64().unwrap();
    let body = fake_stripe::succeeded("evt_race", "pi_fake_1", card, 8900, "usd");
    let header = sign(&body, WEBHOOK_SECRET, now());
    let (event, approval) = tokio::join!(app.deliver(&body, &header), app.approve(&staff, manual));
    assert_eq!(event.status, StatusCode::OK, "{}", event.body);
    let settled_by_card = event.data()["outcome"] == "settled";
    let settled_by_staff = approval.status == StatusCode::OK;
    assert!(
        settled_by_card ^ settled_by_staff,
        "one settlement: {} / {}",
        event.body,
        approval.body
    );
    if settled_by_staff {
        assert_eq!(event.data()["outcome"], "flagged");
    } else {
        assert_eq!(approval.status, StatusCode::CONFLICT, "{}", approval.body);
    }
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    app.assert_verified_clean().await;
}

async fn late_odd_and_unknown_events_change_nothing(app: CardApp) {
    let (token, invoice) = app.card_customer("odd@test.com").await;
    let payment = app.start_card(&token, invoice).await;
    let t = now();
    // A different amount is flagged, never settles.
    let short = fake_stripe::succeeded("evt_short", "pi_fake_1", payment, 100, "usd");
    let r = app.deliver(&short, &sign(&short, WEBHOOK_SECRET, t)).await;
    assert_eq!(r.data()["outcome"], "flagged");
    let euro = fake_stripe::succeeded("evt_eur", "pi_fake_1", payment, 8900, "eur");
    let r = app.deliver(&euro, &sign(&euro, WEBHOOK_SECRET, t)).await;
    assert_eq!(r.data()["outcome"], "flagged");
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    // An event type tollgate does not act on, and a payment it does not know.
    let other = json!({"id": "evt_other", "type": "customer.created",
                       "data": {"object": {"id": "cus_1"}}})
    .to_string();
    let r = app.deliver(&other, &sign(&other, WEBHOOK_SECRET, t)).await;
    assert_eq!(
        (r.status, r.data()["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    let stranger = fake_stripe::succeeded("evt_stranger", "pi_unknown", 999_999, 8900, "usd");
    let r = app
        .deliver(&stranger, &sign(&stranger, WEBHOOK_SECRET, t))
        .await;
    assert_eq!(r.data()["outcome"], "ignored");
    // Metadata naming this payment under another intent is not trusted.
    let forged = fake_stripe::succeeded("evt_forged", "pi_other", payment, 8900, "usd");
    let r = app
        .deliver(&forged, &sign(&forged, WEBHOOK_SECRET, t))
        .await;
    assert_eq!(r.data()["outcome"], "ignored");
    assert_eq!(app.standing(&token).await, ("pending_payment".into(), 0));
    // Settled, then a failure arrives late: it never un-pays.
    let ok = fake_stripe::succeeded("evt_ok", "pi_fake_1", payment, 8900, "usd");
    let r = app.deliver(&ok, &sign(&ok, WEBHOOK_SECRET, t)).await;
    assert_eq!(r.data()["outcome"], "settled");
    let late = fake_stripe::failed("evt_late", "pi_fake_1", payment);
    let r = app.deliver(&late, &sign(&late, WEBHOOK_SECRET, t)).await;
    assert_eq!(r.data()["outcome"], "recorded");
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["results"][0]["status"], "succeeded");
    assert_eq!(app.standing(&token).await, ("active".into(), 1000));
    app.assert_verified_clean().await;
}

async fn an_unconfigured_provider_is_listed_but_refused(app: CardApp) {
    let bare = app.without_stripe().await;
    let methods = bare
        .get("/billing/admin/payment-methods/?country=US", None)
        .await;
    let stripe = &methods.data()["results"][0];
    assert_eq!(
        (
            stripe["payment_method"].as_str(),
            stripe["available"].as_bool()
        ),
        (Some("stripe"), Some(false))
    );
    let bank = &methods.data()["results"][2];
    assert_eq!(bank["available"], true);
    let r = support::register_card(&bare, "nostripe@test.com").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["errors"]["payment_method"][0]
            .as_str()
            .unwrap()
            .contains("not set up")
    );
    let body = fake_stripe::succeeded("evt_1", "pi_1", 1, 8900, "usd");
    let r = bare
        .client
        .post(bare.url("/billing/webhooks/stripe/"))
        .header("Stripe-Signature", sign(&body, WEBHOOK_SECRET, now()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // With Stripe set up, the same list says it is taken.
    let methods = app
        .get("/billing/admin/payment-methods/?country=US", None)
        .await;
    assert_eq!(methods.data()["results"][0]["available"], true);
}

async fn a_retried_start_replays_instead_of_starting_again(app: CardApp) {
    let (token, invoice) = app.card_customer("retry@test.com").await;
    let start = || {
        app.client
            .post(app.url(&format!("/billing/invoices/{invoice}/pay/card/")))
            .bearer_auth(&token)
            .header("Idempotency-Key", "card-attempt-1")
            .json(&json!({"payment_method": "pm_card_visa"}))
            .send()
    };
    let first = start().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: serde_json::Value = first.json().await.unwrap();
    let again = start().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(again.headers().contains_key("idempotent-replayed"));
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(
        first["data"], again["data"],
        "the same attempt, answered again"
    );
    assert_eq!(app.stripe.intents().len(), 1, "Stripe was asked once");
    assert!(app.stripe.intents()[0].contains("confirm=true"));
}
