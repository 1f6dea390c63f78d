//! The portal's plan page and the lifecycle's banners, on both databases: what the page shows
//! a trial and a paying account, that each of its forms does what `lifecycle::plans` does
//! (an upgrade's prorated invoice, a downgrade scheduled and withdrawn, cancel and undo), that
//! the domain's refusals come back as messages, and the banners of a renewal left unpaid.
//! Time is the billing clock, set by each test; the lifecycle moves by explicit ticks.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::admin::{Page, Panel};
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use tollgate::domain::lifecycle::{self, plans::prorate};
use tollgate::domain::status::{InvoicePurpose, SubscriptionStatus};
use tollgate::entities::{invoice, subscription, user};

on_both_backends!(
    a_trial_sees_its_end_and_subscribes_from_the_page,
    an_expired_trial_is_sent_to_choose_a_plan,
    an_upgrade_issues_the_prorated_invoice_and_leads_to_it,
    a_downgrade_is_scheduled_and_keeping_the_plan_withdraws_it,
    cancel_at_period_end_and_undo,
    an_unpaid_renewal_shows_past_due_suspended_then_cancelled_banners,
    plan_forms_without_the_csrf_token_are_refused,
    a_viewer_sees_the_page_and_is_told_it_is_read_only,
);

/// When every test's story begins: a period from here ends on 2027-02-15 (31 days).
fn start() -> DateTime<Utc> {
    "2027-01-15T12:00:00Z".parse().unwrap()
}

/// Moves the billing clock to `at` and runs the lifecycle's steps due then.
async fn tick(app: &TestApp, at: DateTime<Utc>) {
    app.db.clock().set(at);
    lifecycle::tick(&app.db, at).await.expect("tick");
}

/// An active customer on `plan` (signed up, paid and approved at the clock's now), signed in
/// to the portal with the plan page open.
async fn active_on(app: &TestApp, email: &str, plan: &str, price: &str) -> (String, Panel) {
    let signup = json!({
        "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "first_name": "Paid", "last_name": "User", "plan_slug": plan,
        "billing_email": "billing@test.com", "billing_country": "PK",
        "billing_city": "Karachi", "billing_address_line1": "123 Main Street",
        "payment_method": "bank_transfer"
    });
    let r = app.post("/auth/register/", None, signup).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    let confirmed = app.confirm(&token, invoice, price, "REF-1").await;
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    let staff = app.staff_token(&format!("staff-{email}")).await;
    assert_eq!(app.approve(&staff, payment).await.status, StatusCode::OK);
    let mut portal = Panel::customer(app, email).await;
    let page = portal.get("/plan/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    (token, portal)
}

/// The page a redirect leads to.
async fn follow(portal: &mut Panel, page: &Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    portal.get(page.location.as_deref().unwrap()).await
}

async fn latest_subscription(app: &TestApp) -> subscription::Model {
    subscription::Entity::find()
        .order_by_desc(subscription::Column::Id)
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("a subscription")
}

async fn a_trial_sees_its_end_and_subscribes_from_the_page(app: TestApp) {
    app.db.clock().set(start());
    app.register_free("trial@test.com").await;
    let mut portal = Panel::customer(&app, "trial@test.com").await;
    let page = portal.get("/plan/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(r#"<a href="/plan/" aria-current="page">Plan</a>"#)
    );
    assert!(page.body.contains("<dt>Trial ends</dt><dd>2027-01-29</dd>"));
    assert!(
        page.body.contains("Current plan"),
        "the free plan is the trial's"
    );
    assert!(
        page.body
            .contains("Subscribe<span class=\"vh\"> to Growth</span>")
    );
    assert!(!page.body.contains("class=\"banner"), "no banner yet");

    app.db.clock().set(start() + Duration::days(12));
    let page = portal.get("/").await;
    assert!(
        page.body
            .contains("Your free trial ends on 2027-01-29; choose a plan")
    );

    let done = portal
        .post("/plan/change/", &[("plan_slug", "growth")])
        .await;
    let first = invoice::Entity::find()
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("the first invoice");
    assert_eq!(first.purpose, InvoicePurpose::Subscription);
    assert_eq!(first.total, 13_900);
    assert_eq!(done.location, Some(format!("/invoices/{}/", first.id)));
    let page = follow(&mut portal, &done).await;
    assert!(page.body.contains(&format!(
        "Invoice {} of 139.00 USD issued for the Growth plan, which starts once it is paid.",
        first.invoice_number
    )));
    let page = portal.get("/plan/").await;
    assert!(
        page.body
            .contains("Chosen: it starts once its invoice is paid.")
    );
    assert!(page.body.contains(&first.invoice_number), "listed as open");
}

async fn an_upgrade_issues_the_prorated_invoice_and_leads_to_it(app: TestApp) {
    app.db.clock().set(start());
    let (_, mut portal) = active_on(&app, "up@test.com", "starter", "89.00").await;
    // Day 10 of 31: Growth costs 50.00 more, for the 21 days left.
    app.db.clock().set(start() + Duration::days(10));
    let page = portal.get("/plan/").await;
    assert!(page.body.contains("<dt>Renews on</dt><dd>2027-02-15</dd>"));
    let amount = prorate(5_000, 21, 31);
    assert_eq!(amount, 3_387);
    assert!(
        page.body.contains(
            "Now, with an invoice of 33.87 USD: the price difference for the 21 days left of this \
         period (until 2027-02-15)."
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Upgrade<span class=\"vh\"> to Growth</span>")
    );

    let done = portal
        .post("/plan/change/", &[("plan_slug", "growth")])
        .await;
    let upgrade = invoice::Entity::find()
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::PlanChange))
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("the upgrade's invoice");
    assert_eq!(upgrade.total, amount);
    assert_eq!(done.location, Some(format!("/invoices/{}/", upgrade.id)));
    let page = follow(&mut portal, &done).await;
    assert!(page.body.contains("33.87 USD"));
    assert!(
        page.body
            .contains("issued for the upgrade to the Growth plan")
    );
    // A second upgrade waits for this one to be paid: the domain's conflict, as a message.
    let again = portal
        .post("/plan/change/", &[("plan_slug", "scale")])
        .await;
    let page = follow(&mut portal, &again).await;
    let refusal = format!(
        "Invoice {} is open; pay it before changing plans.",
        upgrade.invoice_number
    );
    assert!(page.body.contains(&refusal), "{}", page.body);
}

async fn a_downgrade_is_scheduled_and_keeping_the_plan_withdraws_it(app: TestApp) {
    app.db.clock().set(start());
    let (token, mut portal) = active_on(&app, "down@test.com", "growth", "139.00").await;
    let page = portal.get("/plan/").await;
    assert!(
        page.body
            .contains("Downgrade at period end<span class=\"vh\"> to Starter</span>")
    );
    assert!(
        page.body
            .contains("From 2027-02-15; your renewal bills this plan.")
    );

    let done = portal
        .post("/plan/change/", &[("plan_slug", "starter")])
        .await;
    assert_eq!(done.location.as_deref(), Some("/plan/"));
    let page = follow(&mut portal, &done).await;
    assert!(
        page.body
            .contains("The Starter plan starts on 2027-02-15, when the current period ends.")
    );
    assert!(
        page.body
            .contains("<dt>Scheduled change</dt><dd>Starter from 2027-02-15</dd>")
    );
    assert!(page.body.contains("Starts on 2027-02-15"));
    assert!(page.body.contains(">Keep current plan</button>"));
    let starter = latest_subscription(&app).await.scheduled_plan_id;
    assert!(starter.is_some());

    let kept = portal
        .post("/plan/change/", &[("plan_slug", "growth")])
        .await;
    let page = follow(&mut portal, &kept).await;
    assert!(
        page.body
            .contains("The scheduled change is withdrawn: you stay on the Growth plan.")
    );
    assert!(!page.body.contains("Scheduled change"));
    assert_eq!(latest_subscription(&app).await.scheduled_plan_id, None);

    // With more sites than Starter allows, the domain refuses and names them.
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    for name in ["Blog", "Shop"] {
        let site = json!({"name": name, "industry_id": industry});
        let created = app.post("/sites/", Some(&token), site).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let refused = portal
        .post("/plan/change/", &[("plan_slug", "starter")])
        .await;
    assert_eq!(refused.location.as_deref(), Some("/plan/"));
    let page = follow(&mut portal, &refused).await;
    let named = "The Starter plan allows 1 site(s) and the account has 2: Blog, Shop. \
                 Remove 1 of them first.";
    assert!(page.body.contains(named), "{}", page.body);
    assert_eq!(latest_subscription(&app).await.scheduled_plan_id, None);
}

async fn cancel_at_period_end_and_undo(app: TestApp) {
    app.db.clock().set(start());
    let (_, mut portal) = active_on(&app, "cancel@test.com", "starter", "89.00").await;
    let page = portal.get("/plan/").await;
    assert!(page.body.contains(">Cancel at period end</button>"));
    assert!(!page.body.contains("Undo cancellation"));

    let done = portal.post("/plan/cancel/", &[]).await;
    assert_eq!(done.location.as_deref(), Some("/plan/"));
    let page = follow(&mut portal, &done).await;
    assert!(page.body.contains(
        "Your subscription ends on 2027-02-15 and will not renew; you can undo this until then."
    ));
    assert!(
        page.body
            .contains("<dt>Ends on</dt><dd>2027-02-15 (cancelled)</dd>")
    );
    assert!(
        page.body.contains(
            "Your subscription ends on 2027-02-15 (cancelled); it can be resumed until then."
        ),
        "the banner"
    );
    assert!(page.body.contains(">Undo cancellation</button>"));
    assert!(page.body.contains("Undo the cancellation to change plans."));
    assert!(latest_subscription(&app).await.cancel_at_period_end);

    let done = portal.post("/plan/resume/", &[]).await;
    let page = follow(&mut portal, &done).await;
    assert!(
        page.body
            .contains("Cancellation undone: your subscription renews on 2027-02-15.")
    );
    assert!(page.body.contains("<dt>Renews on</dt><dd>2027-02-15</dd>"));
    assert!(!latest_subscription(&app).await.cancel_at_period_end);
    // Undoing twice: the domain's conflict, as a message.
    let again = portal.post("/plan/resume/", &[]).await;
    let page = follow(&mut portal, &again).await;
    assert!(page.body.contains("The subscription is not cancelled."));
}

async fn an_unpaid_renewal_shows_past_due_suspended_then_cancelled_banners(app: TestApp) {
    app.db.clock().set(start());
    let (_, mut portal) = active_on(&app, "late@test.com", "starter", "89.00").await;
    let end = start() + Duration::days(31);
    tick(&app, end - Duration::days(7)).await;
    let renewal = invoice::Entity::find()
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::Renewal))
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("the renewal");
    let number = &renewal.invoice_number;
    let page = portal.get("/plan/").await;
    assert!(page.body.contains(&format!(
        r#"<a href="/invoices/{}/">{number}</a>"#,
        renewal.id
    )));
    assert!(!page.body.contains("past due"));

    tick(&app, end + Duration::days(1)).await;
    assert_eq!(
        latest_subscription(&app).await.status,
        SubscriptionStatus::PastDue
    );
    let page = portal.get("/").await;
    let past_due = format!("Invoice {number} is past due; pay it to avoid suspension.");
    assert!(page.body.contains(&past_due), "{}", page.body);
    assert!(!page.body.contains("is open, due on"), "said once");
    // No plan changes while past due: the domain says so.
    let refused = portal
        .post("/plan/change/", &[("plan_slug", "growth")])
        .await;
    let page = follow(&mut portal, &refused).await;
    assert!(
        page.body
            .contains("The subscription is past due: pay its renewal invoice first")
    );

    tick(&app, end + Duration::days(8)).await;
    let suspended = format!("Your account is suspended until invoice {number} is paid.");
    let link = format!(
        r#"<a class="button" href="/invoices/{}/">Pay now</a>"#,
        renewal.id
    );
    for path in ["/", "/plan/", "/invoices/", "/sites/"] {
        let page = portal.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(&suspended), "{path}: {}", page.body);
        assert!(page.body.contains(&link), "{path}");
    }

    tick(&app, end + Duration::days(22)).await;
    let page = portal.get("/plan/").await;
    assert!(
        page.body
            .contains("Your subscription was cancelled; choose a plan to use your account again.")
    );
    assert!(!page.body.contains(&suspended));
    assert!(
        page.body
            .contains("Subscribe<span class=\"vh\"> to Starter</span>")
    );
}

async fn an_expired_trial_is_sent_to_choose_a_plan(app: TestApp) {
    app.db.clock().set(start());
    app.register_free("expired@test.com").await;
    let mut portal = Panel::customer(&app, "expired@test.com").await;
    tick(&app, start() + Duration::days(15)).await;
    let page = portal.get("/").await;
    let banner = r#"<p>Your trial ended; choose a plan to use your sites and credits again.</p> <a class="button" href="/plan/">Choose a plan</a>"#;
    assert!(page.body.contains(banner), "{}", page.body);
    let page = portal.get("/plan/").await;
    assert!(page.body.contains("<dt>Trial ends</dt><dd>2027-01-29</dd>"));
    assert!(page.body.contains("Free: no subscription."));
    let done = portal
        .post("/plan/change/", &[("plan_slug", "starter")])
        .await;
    assert!(done.location.unwrap().starts_with("/invoices/"));
}

async fn plan_forms_without_the_csrf_token_are_refused(app: TestApp) {
    app.db.clock().set(start());
    let (_, mut portal) = active_on(&app, "csrf@test.com", "starter", "89.00").await;
    let forged = [("csrf_token", "forged"), ("plan_slug", "growth")];
    for path in ["/plan/change/", "/plan/cancel/", "/plan/resume/"] {
        let page = portal.post(path, &forged).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    let sub = latest_subscription(&app).await;
    assert!(!sub.cancel_at_period_end);
    let issued = invoice::Entity::find().all(app.db.conn()).await.unwrap();
    assert_eq!(issued.len(), 1, "only the first invoice");
}

async fn a_viewer_sees_the_page_and_is_told_it_is_read_only(app: TestApp) {
    app.db.clock().set(start());
    let (_, mut portal) = active_on(&app, "viewer@test.com", "starter", "89.00").await;
    // Made a viewer behind the portal's back (no page assigns roles yet).
    let member = user::Entity::find()
        .filter(user::Column::Email.eq("viewer@test.com"))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    let mut viewer = member.into_active_model();
    viewer.role = Set("viewer".into());
    viewer.update(app.db.conn()).await.unwrap();
    let page = portal.get("/plan/").await;
    assert_eq!(page.status, StatusCode::OK);
    let done = portal.post("/plan/cancel/", &[]).await;
    let page = follow(&mut portal, &done).await;
    assert!(
        page.body
            .contains("Your role in this account (viewer) is read-only.")
    );
    assert!(!latest_subscription(&app).await.cancel_at_period_end);
}
