//! The admin panel's record pages over HTTP: accounts, users, invoices, subscriptions and the
//! credit ledger — filters, search, change pages, sign-in required — plus adjusting credits and
//! setting a user's staff and active flags.

mod common;

use common::admin::{Page, Panel};
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate::domain::backoffice::{self, UserFilter};
use tollgate::domain::page::{Listing, PageRequest};
use tollgate::domain::{accounts, credits};
use tollgate::error::Error;

on_both_backends!(
    lists_filter_and_search,
    change_pages_show_the_related_records,
    every_page_needs_a_signed_in_staffer,
    adjusting_credits_keeps_the_ledger_consistent,
    concurrent_removals_never_overdraw,
    deactivating_a_user_signs_them_out,
    staff_cannot_unstaff_or_deactivate_themselves,
);

/// Registers a customer with a named account (paid: starter plan, bank transfer); returns the
/// registration's `data`.
async fn customer(app: &TestApp, email: &str, account: &str, paid: bool) -> Value {
    let mut body = json!({
        "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "first_name": "Test", "last_name": "Customer", "account_name": account,
    });
    if paid {
        body["plan_slug"] = json!("starter");
        body["billing_email"] = json!("billing@test.com");
        body["billing_country"] = json!("PK");
        body["billing_city"] = json!("Karachi");
        body["billing_address_line1"] = json!("123 Main Street");
        body["payment_method"] = json!("bank_transfer");
    }
    let r = app.post("/auth/register/", None, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.data().clone()
}

fn token(data: &Value) -> String {
    data["token"].as_str().unwrap().to_owned()
}

/// Alpha Co (free trial, with a site), Beta Ltd (paid and approved, reference BT-1) and
/// Gamma Inc (paid, awaiting payment). Returns their registration data.
async fn three_accounts(app: &TestApp) -> [Value; 3] {
    let alpha = customer(app, "alpha@test.com", "Alpha Co", false).await;
    let beta = customer(app, "beta@test.com", "Beta Ltd", true).await;
    let gamma = customer(app, "gamma@test.com", "Gamma Inc", true).await;
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    let site = json!({"name": "Alpha Blog", "industry_id": industry});
    let created = app.post("/sites/", Some(&token(&alpha)), site).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let invoice = beta["invoice"]["id"].as_i64().unwrap();
    let confirmed = app.confirm(&token(&beta), invoice, "89.00", "BT-1").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let approver = app.staff_token("approver@example.com").await;
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    assert_eq!(app.approve(&approver, payment).await.status, StatusCode::OK);
    [alpha, beta, gamma]
}

/// The page's pager says `n total`.
fn total(page: &Page, n: u64) -> bool {
    page.body.contains(&format!(">{n} total<"))
}

async fn listed(panel: &mut Panel, path: &str, n: u64) -> Page {
    let page = panel.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    assert!(total(&page, n), "{path}: expected {n} rows\n{}", page.body);
    page
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    let filter = UserFilter {
        listing: Listing {
            search: Some(email.into()),
            sort: None,
        },
        ..Default::default()
    };
    let req = PageRequest {
        page: 1,
        page_size: 1,
    };
    let page = backoffice::users(&app.db, &filter, req).await.unwrap();
    page.items[0].user.id
}

/// Follows a POST's redirect and returns the page it lands on, with its flash message.
async fn after(panel: &mut Panel, posted: Page) -> Page {
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    panel.get(posted.location.as_deref().unwrap()).await
}

async fn lists_filter_and_search(app: TestApp) {
    three_accounts(&app).await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;

    let accounts = "/admin/accounts/account/";
    let all = listed(&mut panel, accounts, 3).await;
    assert!(all.body.contains("trial (1)") && all.body.contains("active (1)"));
    let trial = listed(&mut panel, &format!("{accounts}?status=trial"), 1).await;
    assert!(trial.body.contains("Alpha Co") && !trial.body.contains("Beta Ltd"));
    listed(&mut panel, &format!("{accounts}?plan=starter"), 2).await;
    let by_member = listed(&mut panel, &format!("{accounts}?q=GAMMA%40test"), 1).await;
    assert!(by_member.body.contains("Gamma Inc"));
    listed(&mut panel, &format!("{accounts}?q=beta-ltd"), 1).await;
    listed(&mut panel, &format!("{accounts}?q=50%25"), 0).await;
    listed(
        &mut panel,
        &format!("{accounts}?plan=starter&o=-credits"),
        2,
    )
    .await;
    let bogus = panel.get(&format!("{accounts}?status=bogus")).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);

    let users = "/admin/accounts/user/";
    listed(&mut panel, users, 5).await;
    let staff = listed(&mut panel, &format!("{users}?staff=yes"), 2).await;
    assert!(staff.body.contains("approver@example.com"));
    listed(&mut panel, &format!("{users}?staff=no&active=yes"), 3).await;
    listed(&mut panel, &format!("{users}?active=no"), 0).await;
    listed(&mut panel, &format!("{users}?q=alpha"), 1).await;
    // Unsearched, the totals come from the users' counters (m0021), which follow a user
    // deactivated and one made staff through the panel's access form.
    for (email, form) in [
        ("alpha@test.com", &[][..]),
        (
            "beta@test.com",
            &[("is_staff", "on"), ("is_active", "on")][..],
        ),
    ] {
        let id = user_id(&app, email).await;
        let saved = panel.post(&format!("{users}{id}/access/"), form).await;
        after(&mut panel, saved).await;
    }
    listed(&mut panel, users, 5).await;
    listed(&mut panel, &format!("{users}?active=no"), 1).await;
    listed(&mut panel, &format!("{users}?staff=yes"), 3).await;
    listed(&mut panel, &format!("{users}?staff=no&active=yes"), 1).await;

    let invoices = "/admin/billing/invoice/";
    // Unfiltered (and by status alone) the counts come from the status counters.
    let all = listed(&mut panel, invoices, 2).await;
    assert!(all.body.contains("paid (1)") && all.body.contains("pending (1)"));
    let paid = listed(&mut panel, &format!("{invoices}?status=paid"), 1).await;
    assert!(paid.body.contains("Beta Ltd") && !paid.body.contains("Gamma Inc"));
    let pending = listed(&mut panel, &format!("{invoices}?q=gamma"), 1).await;
    assert!(pending.body.contains("pending (1)"));
    listed(&mut panel, &format!("{invoices}?q=INV-2-"), 1).await;

    let subscriptions = "/admin/billing/subscription/";
    let active = listed(&mut panel, &format!("{subscriptions}?status=active"), 1).await;
    assert!(active.body.contains("BT-1") && !active.body.contains("Gamma Inc"));
    listed(&mut panel, &format!("{subscriptions}?plan=starter"), 2).await;
    listed(&mut panel, &format!("{subscriptions}?plan=free"), 0).await;

    let ledger = "/admin/billing/credittransaction/";
    listed(&mut panel, ledger, 2).await;
    let trial = listed(&mut panel, &format!("{ledger}?type=trial"), 1).await;
    assert!(trial.body.contains("Alpha Co") && !trial.body.contains("Beta Ltd"));
    listed(&mut panel, &format!("{ledger}?type=subscription&q=beta"), 1).await;
    listed(&mut panel, &format!("{ledger}?q=trial+credits"), 1).await;
    listed(&mut panel, &format!("{ledger}?account=3"), 0).await;
    let broken = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert_eq!(broken, vec![], "the counters agree with the tables");
}

async fn change_pages_show_the_related_records(app: TestApp) {
    let [alpha, beta, _] = three_accounts(&app).await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let beta_id = beta["account"]["id"].as_i64().unwrap();
    let page = panel
        .get(&format!("/admin/accounts/account/{beta_id}/"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for expected in [
        "Beta Ltd",
        "Starter",
        "billing@test.com",
        "Karachi",
        "/admin/billing/subscription/1/",
        "/admin/billing/invoice/1/",
        "/admin/billing/payment/1/",
        "BT-1",
        "/admin/accounts/user/",
        "Adjust credits",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    let alpha_id = alpha["account"]["id"].as_i64().unwrap();
    let page = panel
        .get(&format!("/admin/accounts/account/{alpha_id}/"))
        .await;
    assert!(page.body.contains("/admin/sites/site/1/") && page.body.contains("Alpha Blog"));
    assert!(page.body.contains("Free plan trial credits"));

    let invoice = panel.get("/admin/billing/invoice/1/").await;
    assert_eq!(invoice.status, StatusCode::OK);
    for expected in [
        "Starter plan (monthly)",
        "89.00 USD",
        "123 Main Street",
        "BT-1",
        "paid",
    ] {
        assert!(
            invoice.body.contains(expected),
            "{expected}: {}",
            invoice.body
        );
    }
    let subscription = panel.get("/admin/billing/subscription/1/").await;
    assert!(subscription.body.contains("BT-1") && subscription.body.contains("Beta Ltd"));
    let entry = panel.get("/admin/billing/credittransaction/2/").await;
    assert!(
        entry.body.contains("/admin/billing/payment/1/"),
        "{}",
        entry.body
    );
    let user = user_id(&app, "beta@test.com").await;
    let user = panel.get(&format!("/admin/accounts/user/{user}/")).await;
    assert!(user.body.contains("beta@test.com") && user.body.contains("Permissions"));

    for missing in [
        "/admin/accounts/account/999/",
        "/admin/accounts/user/abc/",
        "/admin/billing/invoice/999/",
        "/admin/billing/subscription/999/",
        "/admin/billing/credittransaction/999/",
    ] {
        assert_eq!(
            panel.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

async fn every_page_needs_a_signed_in_staffer(app: TestApp) {
    three_accounts(&app).await;
    let mut anonymous = Panel::new(&app);
    for path in [
        "/admin/accounts/account/",
        "/admin/accounts/account/1/",
        "/admin/accounts/user/",
        "/admin/accounts/user/1/",
        "/admin/billing/invoice/",
        "/admin/billing/invoice/1/",
        "/admin/billing/subscription/",
        "/admin/billing/subscription/1/",
        "/admin/billing/credittransaction/",
        "/admin/billing/credittransaction/1/",
    ] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let location = page.location.unwrap_or_default();
        assert!(
            location.starts_with("/admin/login/?next="),
            "{path}: {location}"
        );
    }
    let adjust = [("amount", "500"), ("reason", "x"), ("csrf_token", "x")];
    let posted = anonymous
        .post("/admin/accounts/account/1/adjust/", &adjust)
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
}

async fn adjusting_credits_keeps_the_ledger_consistent(app: TestApp) {
    let alpha = customer(&app, "alpha@test.com", "Alpha Co", false).await;
    let token = token(&alpha);
    let id = alpha["account"]["id"].as_i64().unwrap();
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let path = format!("/admin/accounts/account/{id}/");
    panel.get(&path).await;
    let adjust = format!("{path}adjust/");

    let added = panel
        .post(&adjust, &[("amount", "500"), ("reason", "Goodwill")])
        .await;
    let page = after(&mut panel, added).await;
    assert!(
        page.body
            .contains("Credits adjusted by +500; the balance is now 1500.")
    );
    let removed = panel
        .post(&adjust, &[("amount", "-200"), ("reason", "Double grant")])
        .await;
    let page = after(&mut panel, removed).await;
    assert!(
        page.body.contains("the balance is now 1300"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Staff adjustment by admin@example.com: Double grant")
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 1300);
    let ledger = "/admin/billing/credittransaction/?type=adjustment";
    let rows = listed(&mut panel, ledger, 2).await;
    assert!(
        rows.body.contains("staff:"),
        "the reference names the staffer"
    );

    // Refused: each leaves the balance and the ledger exactly as they were.
    let refusals: [(&[(&str, &str)], &str); 5] = [
        (
            &[("amount", "-5000"), ("reason", "Too much")],
            "Cannot remove 5000 credits",
        ),
        (
            &[("amount", "100"), ("reason", "  ")],
            "Reason: This field is required.",
        ),
        (&[("amount", "100")], "Reason: This field is required."),
        (
            &[("amount", "0"), ("reason", "Nothing")],
            "Enter a non-zero amount",
        ),
        (
            &[("amount", "ten"), ("reason", "Typo")],
            "enter a whole number",
        ),
    ];
    for (fields, message) in refusals {
        let refused = panel.post(&adjust, fields).await;
        let page = after(&mut panel, refused).await;
        assert!(page.body.contains("msg-error"), "{message}: {}", page.body);
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    let forged = [("amount", "500"), ("reason", "Forged"), ("csrf_token", "")];
    assert_eq!(
        panel.post(&adjust, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    let forged = [
        ("amount", "500"),
        ("reason", "Forged"),
        ("csrf_token", "nope"),
    ];
    assert_eq!(
        panel.post(&adjust, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 1300);
    listed(&mut panel, ledger, 2).await;
    let missing = [("amount", "5"), ("reason", "Ghost")];
    let page = panel
        .post("/admin/accounts/account/999/adjust/", &missing)
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// Ten staff removals of 300 from 1000 credits at once: exactly three succeed, the rest are
/// refused as conflicts, and the balance still equals the ledger.
async fn concurrent_removals_never_overdraw(app: TestApp) {
    let alpha = customer(&app, "alpha@test.com", "Alpha Co", false).await;
    let id = alpha["account"]["id"].as_i64().unwrap();
    let staff = accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
        .await
        .unwrap();
    let staff = tollgate::domain::staff::StaffActor::verify(staff).expect("staff");
    let removals = (0..10).map(|_| {
        let (db, staff) = (app.db.clone(), staff.clone());
        tokio::spawn(async move { credits::adjust(&db, &staff, id, -300, "Race").await })
    });
    let results = futures::future::join_all(removals).await;
    let mut done = 0;
    for result in results {
        match result.unwrap() {
            Ok(_) => done += 1,
            Err(Error::Conflict(_)) => {}
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    assert_eq!(done, 3);
    assert_eq!(app.assert_ledger_consistent(&token(&alpha)).await, 100);
}

async fn deactivating_a_user_signs_them_out(app: TestApp) {
    let alpha = customer(&app, "alpha@test.com", "Alpha Co", false).await;
    let access = token(&alpha);
    let refresh = alpha["refresh"].as_str().unwrap().to_owned();
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let mut colleague = Panel::staff(&app, "colleague@example.com").await;
    let id = alpha["user"]["id"].as_i64().unwrap();
    let path = format!("/admin/accounts/user/{id}/");
    panel.get(&path).await;

    // No boxes ticked: neither staff nor active.
    let saved = panel.post(&format!("{path}access/"), &[]).await;
    let page = after(&mut panel, saved).await;
    assert!(
        page.body.contains("alpha@test.com: staff no, inactive."),
        "{}",
        page.body
    );
    assert_eq!(
        app.get("/auth/me/", Some(&access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = app
        .post("/auth/refresh/", None, json!({"refresh": refresh}))
        .await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    let login = json!({"email": "alpha@test.com", "password": PASSWORD});
    let login = app.post("/auth/login/", None, login).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    listed(&mut panel, "/admin/accounts/user/?active=no", 1).await;

    // Active again: they may sign in again (their old sessions stay revoked).
    let saved = panel
        .post(&format!("{path}access/"), &[("is_active", "on")])
        .await;
    after(&mut panel, saved).await;
    app.login("alpha@test.com", PASSWORD).await;
    let refreshed = app
        .post("/auth/refresh/", None, json!({"refresh": refresh}))
        .await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);

    // A deactivated colleague is out of the panel at once.
    assert_eq!(colleague.get("/admin/").await.status, StatusCode::OK);
    let other = user_id(&app, "colleague@example.com").await;
    let saved = panel
        .post(
            &format!("/admin/accounts/user/{other}/access/"),
            &[("is_staff", "on")],
        )
        .await;
    let page = after(&mut panel, saved).await;
    assert!(page.body.contains("1 session signed out."), "{}", page.body);
    assert_eq!(colleague.get("/admin/").await.status, StatusCode::SEE_OTHER);
}

async fn staff_cannot_unstaff_or_deactivate_themselves(app: TestApp) {
    customer(&app, "alpha@test.com", "Alpha Co", false).await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let me = user_id(&app, "admin@example.com").await;
    let path = format!("/admin/accounts/user/{me}/");
    let own = panel.get(&path).await;
    assert!(
        own.body
            .contains("You cannot remove your own staff status.")
    );
    let access = format!("{path}access/");

    let unstaff = panel.post(&access, &[("is_active", "on")]).await;
    let page = after(&mut panel, unstaff).await;
    assert!(
        page.body
            .contains("You cannot remove your own staff status; ask another")
    );
    let deactivate = panel.post(&access, &[("is_staff", "on")]).await;
    let page = after(&mut panel, deactivate).await;
    assert!(
        page.body.contains("You cannot deactivate yourself"),
        "{}",
        page.body
    );
    assert_eq!(
        panel.get("/admin/").await.status,
        StatusCode::OK,
        "still signed in"
    );
    listed(&mut panel, "/admin/accounts/user/?staff=yes&active=yes", 1).await;

    // Making a customer staff lets them into the panel; without CSRF nothing changes.
    let alpha = user_id(&app, "alpha@test.com").await;
    let grant = format!("/admin/accounts/user/{alpha}/access/");
    let both = [("is_staff", "on"), ("is_active", "on")];
    let forged = [("is_staff", "on"), ("is_active", "on"), ("csrf_token", "")];
    assert_eq!(
        panel.post(&grant, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    listed(&mut panel, "/admin/accounts/user/?staff=yes", 1).await;
    let granted = panel.post(&grant, &both).await;
    after(&mut panel, granted).await;
    listed(&mut panel, "/admin/accounts/user/?staff=yes", 2).await;
    let mut alpha_panel = Panel::new(&app);
    let login = alpha_panel.login("alpha@test.com", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    assert_eq!(alpha_panel.get("/admin/").await.status, StatusCode::OK);
}
