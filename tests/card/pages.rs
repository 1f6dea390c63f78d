//! Card payments in the portal and the admin panel: the invoice's "Pay by card", the card
//! page (the only one whose CSP lets Stripe in), and staff's view of the provider's events.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::admin::Panel;
use crate::common::fake_stripe::{self, WEBHOOK_SECRET, sign};
use crate::support::{CardApp, now};

pub async fn the_portal_offers_the_card_and_its_page_lets_stripe_in(app: CardApp) {
    let (_, invoice) = app.card_customer("portal-card@test.com").await;
    let mut portal = Panel::customer(&app, "portal-card@test.com").await;
    let page = portal.get(&format!("/invoices/{invoice}/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("action=\"/invoices/{invoice}/card/\""))
    );
    assert!(
        !page.body.contains("Pay with PayPal"),
        "PayPal is not set up here"
    );
    let csp = |p: &crate::common::admin::Page| {
        p.headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        !csp(&page).contains("stripe.com"),
        "only the card page lets Stripe in"
    );

    let card = portal
        .post(&format!("/invoices/{invoice}/card/"), &[])
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    assert!(card.body.contains("data-secret=\"pi_fake_1_secret_abc\""));
    assert!(
        card.body
            .contains(&format!("data-key=\"{}\"", fake_stripe::PUBLISHABLE_KEY))
    );
    assert!(
        card.body
            .contains("<script src=\"https://js.stripe.com/v3/\"></script>")
    );
    let policy = csp(&card);
    for part in [
        "script-src 'self' https://js.stripe.com",
        "frame-src https://js.stripe.com",
        "connect-src 'self' https://api.stripe.com",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(part), "{part} in {policy}");
    }
    // Without the CSRF token nothing is started.
    let forged = portal
        .post(
            &format!("/invoices/{invoice}/card/"),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.stripe.intents().len(), 1);
}

pub async fn staff_see_the_payment_s_provider_and_its_events(app: CardApp) {
    let (token, invoice) = app.card_customer("staff-view@test.com").await;
    let payment = app.start_card(&token, invoice).await;
    let body = fake_stripe::succeeded("evt_seen", "pi_fake_1", payment, 8900, "usd");
    app.deliver(&body, &sign(&body, WEBHOOK_SECRET, now()))
        .await;
    let refused = json!({"id": "evt_forged"}).to_string();
    app.deliver_raw(&refused, Some("t=1,v1=00")).await;

    let mut panel = Panel::staff(&app, "admin@test.com").await;
    let page = panel
        .get(&format!("/admin/billing/payment/{payment}/"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Provider reference",
        "pi_fake_1",
        "ch_test",
        "Provider events",
        "evt_seen",
        "payment_intent.succeeded",
        "settled",
    ] {
        assert!(page.body.contains(text), "{text} on the payment page");
    }
    let list = panel.get("/admin/billing/providerevent/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("evt_seen") && list.body.contains("refused"));
    let rejected = panel
        .get("/admin/billing/providerevent/?outcome=rejected")
        .await;
    assert!(
        rejected.body.contains("Timestamp outside the tolerance"),
        "{}",
        rejected.body
    );
    assert!(!rejected.body.contains("evt_seen"));
    let events = crate::support::events(&app).await;
    let detail = panel
        .get(&format!("/admin/billing/providerevent/{}/", events[0].id))
        .await;
    assert!(
        detail.body.contains("&quot;evt_seen&quot;") || detail.body.contains("&#34;evt_seen&#34;"),
        "the raw body, escaped"
    );
    // Read-only, and staff-only.
    let customer = Panel::customer(&app, "staff-view@test.com")
        .await
        .get("/admin/billing/providerevent/")
        .await;
    assert_ne!(customer.status, StatusCode::OK);
}
