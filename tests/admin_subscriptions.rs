//! The admin panel's subscriptions over HTTP: the "renews in the next 7 days" filter, a
//! subscription's timeline as the lifecycle writes it, and the plan and cancellation forms —
//! with the domain's refusals flashed on the page. Billing's clock is set and the lifecycle
//! ticked by the tests, at the moments they choose.

mod common;

use chrono::{DateTime, Utc};
use common::admin::{Page, Panel};
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use tollgate::domain::backoffice::{self, SubscriptionFilter};
use tollgate::domain::lifecycle;
use tollgate::domain::money::format_minor;
use tollgate::domain::page::{Listing, PageRequest};

on_both_backends!(
    renews_within_seven_days_lists_exactly_the_ones_due,
    timeline_shows_renewal_past_due_and_approval_in_order,
    plan_and_cancellation_forms_follow_the_lifecycle_rules,
);

const LIST: &str = "/admin/billing/subscription/";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a moment")
}

/// A customer on the starter plan (bank transfer) of account `name`, its first invoice paid
/// and approved at billing's present; returns (access token, subscription id).
async fn active_customer(app: &TestApp, staff: &str, name: &str) -> (String, i64) {
    let (token, invoice, sub) = pending_customer(app, name).await;
    pay(app, staff, &token, invoice, "89.00").await;
    (token, sub)
}

/// A customer whose first invoice waits for payment: (token, invoice id, subscription id).
async fn pending_customer(app: &TestApp, name: &str) -> (String, i64, i64) {
    let slug = name.to_lowercase().replace(' ', "-");
    let body = json!({
        "email": format!("{slug}@test.com"), "password": PASSWORD, "password_confirm": PASSWORD,
        "first_name": "Test", "last_name": "Customer", "account_name": name,
        "plan_slug": "starter", "billing_email": "billing@test.com", "billing_country": "PK",
        "billing_city": "Karachi", "billing_address_line1": "123 Main Street",
        "payment_method": "bank_transfer",
    });
    let r = app.post("/auth/register/", None, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    (token, invoice, subscription_of(app, name).await)
}

/// Confirms a bank transfer of `amount` for the invoice, and approves it through the API.
async fn pay(app: &TestApp, staff: &str, token: &str, invoice: i64, amount: &str) {
    let reference = format!("BT-{invoice}");
    let confirmed = app.confirm(token, invoice, amount, &reference).await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    let approved = app.approve(staff, payment).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
}

/// The id of the account's newest subscription.
async fn subscription_of(app: &TestApp, account: &str) -> i64 {
    let filter = SubscriptionFilter {
        listing: Listing {
            search: Some(account.into()),
            sort: None,
        },
        ..Default::default()
    };
    let one = PageRequest {
        page: 1,
        page_size: 1,
    };
    let (page, _) = backoffice::subscriptions(&app.db, &filter, one)
        .await
        .unwrap();
    page.items[0].subscription.id
}

/// The newest invoice of the subscription: (id, total as typed in a payment).
async fn newest_invoice(app: &TestApp, sub: i64) -> (i64, String) {
    let detail = backoffice::subscription_detail(&app.db, sub).await.unwrap();
    let i = &detail.invoices[0];
    (i.id, format_minor(i.total, &i.currency))
}

/// Posts a form of the subscription's page and returns the page it comes back to.
async fn act(panel: &mut Panel, sub: i64, verb: &str, fields: &[(&str, &str)]) -> Page {
    panel.get(&format!("{LIST}{sub}/")).await;
    let posted = panel.post(&format!("{LIST}{sub}/{verb}/"), fields).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let back = panel.get(posted.location.as_deref().unwrap()).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    back
}

/// The page's timeline table, to look for events in order.
fn timeline(page: &Page) -> &str {
    let from = page.body.find("<h2>Timeline</h2>").expect("a timeline");
    let to = page
        .body
        .find("<h2>Invoices</h2>")
        .expect("an invoice table");
    &page.body[from..to]
}

fn total(page: &Page, n: u64) -> bool {
    page.body.contains(&format!(">{n} total<"))
}

async fn renews_within_seven_days_lists_exactly_the_ones_due(app: TestApp) {
    let staff = app.staff_token("approver@example.com").await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let clock = app.db.clock();
    clock.set(at("2027-01-01T09:00:00Z"));
    // Ends 2027-02-01: renews within a week of 2027-01-26.
    active_customer(&app, &staff, "Due Soon").await;
    // Cancelled at its period end, which is as near: it will not renew.
    let (_, cancelling) = active_customer(&app, &staff, "Cancelling").await;
    let cancelled = act(&mut panel, cancelling, "cancel", &[]).await;
    assert!(cancelled.body.contains("will end on"), "{}", cancelled.body);
    // Never paid: no period at all.
    pending_customer(&app, "Never Paid").await;
    // Ends 2027-02-11: more than a week away.
    clock.set(at("2027-01-11T09:00:00Z"));
    active_customer(&app, &staff, "Later On").await;
    // Ended 2026-12-28, before "now": past, not upcoming (a tick makes it past due).
    clock.set(at("2026-11-28T09:00:00Z"));
    active_customer(&app, &staff, "Overdue").await;

    let now = at("2027-01-26T09:00:00Z");
    clock.set(now);
    lifecycle::tick(&app.db, now).await.unwrap();
    let all = panel.get(LIST).await;
    assert!(total(&all, 5), "{}", all.body);
    assert!(all.body.contains("In the next 7 days"), "{}", all.body);
    let soon = panel.get(&format!("{LIST}?renews=7d")).await;
    assert_eq!(soon.status, StatusCode::OK, "{}", soon.body);
    assert!(total(&soon, 1), "{}", soon.body);
    assert!(soon.body.contains("Due Soon"), "{}", soon.body);
    for other in ["Cancelling", "Never Paid", "Later On", "Overdue"] {
        assert!(!soon.body.contains(other), "{other} listed:\n{}", soon.body);
    }
    // The filter keeps the others: active and renewing soon, on the starter plan.
    let both = panel
        .get(&format!("{LIST}?renews=7d&status=active&plan=starter"))
        .await;
    assert!(total(&both, 1), "{}", both.body);
    let bogus = panel.get(&format!("{LIST}?renews=someday")).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    // Ten days on, the first one's period has ended (unpaid) and the later one is due.
    clock.set(at("2027-02-05T09:00:00Z"));
    let next_week = panel.get(&format!("{LIST}?renews=7d")).await;
    assert!(total(&next_week, 1), "{}", next_week.body);
    assert!(next_week.body.contains("Later On"), "{}", next_week.body);
}

async fn timeline_shows_renewal_past_due_and_approval_in_order(app: TestApp) {
    let staff = app.staff_token("approver@example.com").await;
    let clock = app.db.clock();
    clock.set(at("2027-01-01T09:00:00Z"));
    let (token, sub) = active_customer(&app, &staff, "Slow Payer").await;
    // The renewal is issued a week before the period ends (2027-02-01), and falls due then.
    let renewal_day = at("2027-01-25T09:00:00Z");
    clock.set(renewal_day);
    assert_eq!(
        lifecycle::tick(&app.db, renewal_day)
            .await
            .unwrap()
            .renewals_issued,
        1
    );
    let due = at("2027-02-01T09:00:01Z");
    clock.set(due);
    assert_eq!(lifecycle::tick(&app.db, due).await.unwrap().past_due, 1);

    // Past due: staff cannot upgrade it either, and are told why on the page.
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let refused = act(&mut panel, sub, "plan", &[("plan_slug", "growth")]).await;
    assert!(
        refused.body.contains("The subscription is past due"),
        "{}",
        refused.body
    );
    let (renewal, amount) = newest_invoice(&app, sub).await;
    pay(&app, &staff, &token, renewal, &amount).await;

    let page = panel.get(&format!("{LIST}{sub}/")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let events = timeline(&page);
    let first = |what: &str| {
        events
            .find(what)
            .unwrap_or_else(|| panic!("{what}: {events}"))
    };
    let renewed = first(">Renewal issued<");
    let past_due = first(">Past due<");
    let approved = events.rfind(">Payment approved<").unwrap();
    assert!(
        first(">Created<") < first(">Payment submitted<"),
        "{events}"
    );
    assert!(first(">Payment approved<") < renewed, "{events}");
    assert!(renewed < past_due && past_due < approved, "{events}");
    assert!(events.contains("2027-02-01 – 2027-03-01"), "{events}");
    assert!(events.contains(">Invoice issued<"), "{events}");
    assert!(events.contains("approver@example.com"), "{events}");
    assert!(
        page.body.contains(">active<"),
        "active again: {}",
        page.body
    );
}

async fn plan_and_cancellation_forms_follow_the_lifecycle_rules(app: TestApp) {
    let staff = app.staff_token("approver@example.com").await;
    app.db.clock().set(at("2027-01-01T09:00:00Z"));
    let (token, sub) = active_customer(&app, &staff, "Growing Co").await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let page = panel.get(&format!("{LIST}{sub}/")).await;
    assert!(page.body.contains("Change plan") && page.body.contains("Cancel at period end"));

    let cancelled = act(&mut panel, sub, "cancel", &[]).await;
    assert!(
        cancelled.body.contains("will end on 2027-02-01"),
        "{}",
        cancelled.body
    );
    assert!(cancelled.body.contains("Undo cancellation"));
    let listed = panel.get(&format!("{LIST}?renews=7d")).await;
    assert!(total(&listed, 0), "{}", listed.body);
    let refused = act(&mut panel, sub, "plan", &[("plan_slug", "growth")]).await;
    assert!(
        refused
            .body
            .contains("undo the cancellation before changing plans"),
        "{}",
        refused.body
    );
    let resumed = act(&mut panel, sub, "resume", &[]).await;
    assert!(
        resumed.body.contains("cancellation was undone"),
        "{}",
        resumed.body
    );
    let again = act(&mut panel, sub, "resume", &[]).await;
    assert!(again.body.contains("is not cancelled"), "{}", again.body);

    // A free plan is no subscription; an unknown one is refused by its field.
    let free = act(&mut panel, sub, "plan", &[("plan_slug", "free")]).await;
    assert!(free.body.contains("Choose a paid plan"), "{}", free.body);
    let unknown = act(&mut panel, sub, "plan", &[("plan_slug", "<b>nope</b>")]).await;
    assert!(unknown.body.contains("Unknown or unavailable plan"));
    assert!(!unknown.body.contains("<b>nope</b>"));

    // Upgrade: an invoice for the rest of the period; growth once it is paid.
    let upgraded = act(&mut panel, sub, "plan", &[("plan_slug", "growth")]).await;
    assert!(
        upgraded.body.contains("Upgrade invoiced"),
        "{}",
        upgraded.body
    );
    let (invoice, amount) = newest_invoice(&app, sub).await;
    pay(&app, &staff, &token, invoice, &amount).await;
    let on_growth = panel.get(&format!("{LIST}{sub}/")).await;
    assert!(on_growth.body.contains(">Growth<"), "{}", on_growth.body);

    // Downgrade: from the period end, and withdrawn by choosing the current plan again.
    let scheduled = act(&mut panel, sub, "plan", &[("plan_slug", "starter")]).await;
    assert!(
        scheduled
            .body
            .contains("scheduled from the period end (2027-02-01)")
    );
    let listed = panel.get(&format!("{LIST}?q=Growing")).await;
    assert!(listed.body.contains(">Starter<"), "{}", listed.body);
    let withdrawn = act(&mut panel, sub, "plan", &[("plan_slug", "growth")]).await;
    assert!(
        withdrawn.body.contains("was withdrawn"),
        "{}",
        withdrawn.body
    );

    // Two sites: the starter plan (one site) is refused, naming them.
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    for name in ["Shop One", "Shop Two"] {
        let site = json!({"name": name, "industry_id": industry});
        let made = app.post("/sites/", Some(&token), site).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let over = act(&mut panel, sub, "plan", &[("plan_slug", "starter")]).await;
    assert!(
        over.body
            .contains("allows 1 site(s) and the account has 2: Shop One, Shop Two"),
        "{}",
        over.body
    );
    let events = timeline(&over);
    for step in [
        "Cancellation asked",
        "Cancellation undone",
        "Upgrade asked",
        "Downgrade scheduled",
        "Scheduled change withdrawn",
    ] {
        assert!(events.contains(step), "{step}: {events}");
    }
}
