//! The admin panel in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! one browser per test. Walks the guide's "Option A" as staff do, plus bulk reject, a bulk
//! action that meets an already-approved payment, customers refused at login, forms without a
//! CSRF token refused, hostile text shown as text, and the analytics dashboard (axe-core).
//!
//! The browser and when these tests skip: `common::browser`.

mod common;

use common::browser::Browser;
use common::{PASSWORD, TestApp};
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    guide_option_a_filter_search_tick_and_approve,
    bulk_reject_with_a_reason,
    bulk_action_meeting_an_approved_payment_changes_nothing,
    customers_cannot_log_in,
    forms_without_a_csrf_token_are_refused,
    hostile_references_and_notes_show_as_text,
    analytics_dashboard_renders_and_is_accessible,
);

const STAFF_EMAIL: &str = "admin@example.com";
const STAFF_PASSWORD: &str = "adminpass";
const LIST: &str = "/admin/billing/payment/";
/// The panel's own steps, on top of the shared browser.
impl Browser {
    /// The ids of the payments listed, top to bottom.
    async fn listed_ids(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        for b in self.find_all("input.action-select").await {
            let v = b.attr("value").await.expect("value").expect("a value");
            ids.push(v.parse().expect("numeric id"));
        }
        ids
    }

    /// Asserts the page runs no script but the panel's own: exactly one `<script>`, admin.js.
    async fn assert_only_admin_js(&self) {
        let scripts = self
            .js("return Array.from(document.querySelectorAll('script')).map(s => s.src);")
            .await;
        let scripts: Vec<&str> = scripts
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s.as_str().unwrap_or_default())
            .collect();
        assert_eq!(scripts.len(), 1, "scripts on the page: {scripts:?}");
        assert!(
            scripts[0].ends_with("/admin/static/admin.js"),
            "{scripts:?}"
        );
        assert!(
            self.client.get_alert_text().await.is_err(),
            "no alert may be open"
        );
    }
}

// --- Data -------------------------------------------------------------------------------------

struct Customer {
    token: String,
    payment_id: i64,
    invoice_id: i64,
    reference: String,
}

/// Paid customers (with accounts named like real ones, for the screenshots) who each
/// confirmed their invoice by bank transfer.
async fn confirmed_customers(app: &TestApp, n: usize) -> Vec<Customer> {
    const PEOPLE: [(&str, &str, &str); 3] = [
        ("Ayesha", "Khan", "Karachi Traders"),
        ("Bilal", "Ahmed", "Lahore Books"),
        ("Sana", "Malik", "Indus Textiles"),
    ];
    let mut out = Vec::new();
    for (i, (first, last, company)) in PEOPLE.iter().cycle().take(n).enumerate() {
        let email = format!("{}{i}@test.com", first.to_lowercase());
        let r = app
            .post(
                "/auth/register/",
                None,
                json!({
                    "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                    "first_name": first, "last_name": last, "account_name": company,
                    "plan_slug": "starter", "billing_email": email, "billing_country": "PK",
                    "billing_city": "Karachi", "billing_address_line1": "123 Main Street",
                    "payment_method": "bank_transfer"
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.data()["token"].as_str().expect("token").to_owned();
        let invoice_id = r.data()["invoice"]["id"].as_i64().expect("invoice id");
        let reference = format!("BT-20251208-{}", 48213 + 1117 * i);
        let r = app.confirm(&token, invoice_id, "89.00", &reference).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        out.push(Customer {
            token,
            payment_id: r.data()["payment_id"].as_i64().expect("payment id"),
            invoice_id,
            reference,
        });
    }
    out
}

async fn create_staff(app: &TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, STAFF_EMAIL, STAFF_PASSWORD)
        .await
        .expect("superuser created");
}

/// The customer's account as `GET /auth/me/` shows it.
async fn account_of(app: &TestApp, token: &str) -> Value {
    let me = app.get("/auth/me/", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    me.data()["user"]["account"].clone()
}

/// The customer's only payment, through the API.
async fn payment_of(app: &TestApp, token: &str) -> Value {
    let r = app.get("/billing/payments/", Some(token)).await;
    assert_eq!(r.data()["count"], 1, "{}", r.body);
    r.data()["results"][0].clone()
}

async fn assert_untouched(app: &TestApp, c: &Customer) {
    assert_eq!(
        payment_of(app, &c.token).await["status"],
        "pending_approval"
    );
    let account = account_of(app, &c.token).await;
    assert_eq!(account["status"], "pending_payment", "{account}");
    assert_eq!(account["credits"], 0);
    assert_eq!(app.assert_ledger_consistent(&c.token).await, 0);
}

// --- Tests ------------------------------------------------------------------------------------

/// The guide's Option A, steps 1–5, as written: the queue URL, filter, (search), tick, action, Go.
async fn guide_option_a_filter_search_tick_and_approve(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let customers = confirmed_customers(&app, 3).await;
    let (first, second, third) = (&customers[0], &customers[1], &customers[2]);

    // 1. Go to the queue: the panel asks for the superuser's login first, then comes back.
    b.goto(LIST).await;
    assert_eq!(b.place().await, "/admin/login?next=/admin/billing/payment/");
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    // Back at the guide's URL, trailing slash and all.
    let url = b.client.current_url().await.expect("current url");
    assert_eq!(url.path(), "/admin/billing/payment/");
    assert_eq!(b.text("h1").await, "Select payment to change");

    // 2. Filter by status "pending_approval" (the sidebar shows its count).
    b.click_link_to_page(
        "//aside[contains(@class,'filters')]//a[starts-with(normalize-space(.),'pending_approval')]",
    )
    .await;
    assert_eq!(
        b.location().await,
        format!("{LIST}?status=pending_approval")
    );
    assert_eq!(
        b.text("aside.filters li.selected").await,
        "pending_approval (3)"
    );
    let mut all_three = vec![first.payment_id, second.payment_id, third.payment_id];
    all_three.sort_unstable_by(|a, b| b.cmp(a)); // newest first
    assert_eq!(b.listed_ids().await, all_three);

    // Search by one reference: the filter stays.
    b.type_into("input[name=q]", &second.reference).await;
    b.click_to_page("form.search button[type=submit]").await;
    let searched = b.location().await;
    assert!(searched.contains("status=pending_approval"), "{searched}");
    assert!(
        searched.contains(&format!("q={}", second.reference)),
        "{searched}"
    );
    assert_eq!(b.listed_ids().await, vec![second.payment_id]);
    assert!(
        b.text("table.results tbody")
            .await
            .contains(&second.reference)
    );
    // …and clear it again.
    b.find("input[name=q]").await.clear().await.expect("clear");
    b.click_to_page("form.search button[type=submit]").await;
    // (an empty search box submits `q=`, which the list ignores)
    assert_eq!(
        b.place().await,
        "/admin/billing/payment?status=pending_approval&q="
    );
    assert_eq!(b.listed_ids().await, all_three);

    // 3. Select two payments; 4. choose the action.
    b.tick(first.payment_id).await;
    b.tick(second.payment_id).await;
    assert_eq!(b.text("#selected-count").await, "2");
    b.choose_action("Approve selected manual payments").await;
    b.screenshot("payments-list").await;

    // 5. Go: a confirmation page lists exactly the two payments.
    b.click_to_page("#action-go").await;
    assert_eq!(b.text("h1").await, "Are you sure?");
    let mut confirming = Vec::new();
    for input in b.find_all("input[name=_selected_action]").await {
        let id = input.attr("value").await.expect("value").expect("id");
        confirming.push(id.parse::<i64>().expect("id"));
    }
    confirming.sort_unstable();
    assert_eq!(confirming, vec![first.payment_id, second.payment_id]);
    let rows = b.text("form table.results tbody").await;
    assert!(rows.contains(&first.reference) && rows.contains(&second.reference));
    assert!(!rows.contains(&third.reference));
    b.type_into(
        "textarea[name=admin_notes]",
        "Both found on the bank statement",
    )
    .await;
    b.screenshot("payment-confirm").await;
    b.click_to_page("#confirm-go").await;

    assert_eq!(
        b.message("success").await,
        "Approved 2 payments; 2000 credits granted."
    );
    assert_eq!(
        b.location().await,
        format!("{LIST}?status=pending_approval")
    );
    assert_eq!(b.listed_ids().await, vec![third.payment_id]);

    // The accounts, through the JSON API; the staff view names the approver.
    let staff_token = app.login(STAFF_EMAIL, STAFF_PASSWORD).await;
    for c in [first, second] {
        let account = account_of(&app, &c.token).await;
        assert_eq!(account["status"], "active", "{account}");
        assert_eq!(account["credits"], 1000);
        assert_eq!(app.assert_ledger_consistent(&c.token).await, 1000);
        assert_eq!(payment_of(&app, &c.token).await["status"], "succeeded");
        let queue = app
            .get(
                &format!("/billing/admin/payments/?search={}", c.reference),
                Some(&staff_token),
            )
            .await;
        let payment = &queue.data()["results"][0];
        assert_eq!(payment["id"], c.payment_id, "{}", queue.body);
        assert_eq!(payment["approved_by"], STAFF_EMAIL);
        assert_eq!(payment["admin_notes"], "Both found on the bank statement");
    }
    assert_untouched(&app, third).await;

    // The account's page, reached from the queue: active, with the credits and their ledger row.
    let account_id = account_of(&app, &first.token).await["id"]
        .as_i64()
        .expect("account id");
    b.goto(LIST).await;
    b.click_link_to_page(
        "//table[contains(@class,'results')]//a[normalize-space(.)='Karachi Traders']",
    )
    .await;
    assert_eq!(
        b.location().await,
        format!("/admin/accounts/account/{account_id}/")
    );
    assert!(b.text("h1").await.contains("Karachi Traders"));
    let page = b.text("main").await;
    assert!(page.contains("Credits 1000"), "{page}");
    assert!(page.contains(&first.reference), "{page}");
    b.screenshot_whole_page("account").await;
    b.close().await;
}

async fn bulk_reject_with_a_reason(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let customers = confirmed_customers(&app, 2).await;

    b.goto(&format!("{LIST}?status=pending_approval")).await;
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    assert_eq!(
        b.place().await,
        "/admin/billing/payment?status=pending_approval"
    );
    for c in &customers {
        b.tick(c.payment_id).await;
    }
    b.choose_action("Reject selected manual payments").await;
    b.click_to_page("#action-go").await;
    assert_eq!(b.text("h1").await, "Are you sure?");
    b.type_into("textarea[name=admin_notes]", "No matching transfer")
        .await;
    b.type_into("input[name=failure_reason]", "Reference not found")
        .await;
    b.click_to_page("#confirm-go").await;
    assert_eq!(b.message("success").await, "Rejected 2 payments.");
    assert!(b.listed_ids().await.is_empty());
    b.close().await;

    for c in &customers {
        let payment = payment_of(&app, &c.token).await;
        assert_eq!(payment["status"], "failed", "{payment}");
        assert_eq!(payment["failure_reason"], "Reference not found");
        assert_eq!(payment["admin_notes"], "No matching transfer");
        let account = account_of(&app, &c.token).await;
        assert_eq!(account["status"], "pending_payment", "{account}");
        assert_eq!(account["credits"], 0);
        let invoice = app
            .get(
                &format!("/billing/invoices/{}/", c.invoice_id),
                Some(&c.token),
            )
            .await;
        assert_eq!(invoice.data()["status"], "pending", "{}", invoice.body);
        assert_eq!(app.assert_ledger_consistent(&c.token).await, 0);
    }
}

async fn bulk_action_meeting_an_approved_payment_changes_nothing(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let customers = confirmed_customers(&app, 3).await;
    let (first, second, third) = (&customers[0], &customers[1], &customers[2]);
    let reviewer = app.staff_token("reviewer@example.com").await;

    // Staff tick two pending payments and reach the confirmation page…
    b.goto(LIST).await;
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    b.tick(first.payment_id).await;
    b.tick(second.payment_id).await;
    b.choose_action("Approve selected manual payments").await;
    b.click_to_page("#action-go").await;
    assert_eq!(b.text("h1").await, "Are you sure?");
    assert!(b.find_all(".warn").await.is_empty());
    // …while a colleague approves one of them through the API.
    assert_eq!(
        app.approve(&reviewer, first.payment_id).await.status,
        StatusCode::OK
    );
    b.click_to_page("#confirm-go").await;

    let error = b.message("error").await;
    assert_eq!(
        error,
        format!(
            "Nothing was changed. Payments not pending approval: #{}.",
            first.payment_id
        )
    );
    // The page is the confirmation again, flagging the payment that moved on.
    assert_eq!(b.text("h1").await, "Are you sure?");
    let warned = b.find_all("table.results tbody tr .warn").await;
    assert_eq!(warned.len(), 1);
    let row = b
        .text(&format!(
            "table.results tbody tr:has(input[value='{}'])",
            first.payment_id
        ))
        .await;
    assert!(row.contains("no longer pending"), "{row}");
    assert_untouched(&app, second).await;
    assert_eq!(app.assert_ledger_consistent(&first.token).await, 1000);

    // From the list, with the approved payment shown as succeeded: nothing changes either.
    b.goto(LIST).await;
    b.tick(first.payment_id).await;
    b.tick(third.payment_id).await;
    b.choose_action("Approve selected manual payments").await;
    b.click_to_page("#action-go").await;
    let row = b
        .text(&format!(
            "table.results tbody tr:has(input[value='{}'])",
            first.payment_id
        ))
        .await;
    assert!(row.contains("no longer pending"), "{row}");
    b.click_to_page("#confirm-go").await;
    assert_eq!(
        b.message("error").await,
        format!(
            "Nothing was changed. Payments not pending approval: #{}.",
            first.payment_id
        )
    );
    b.close().await;
    assert_untouched(&app, third).await;
    let ledger = app
        .get("/billing/credits/transactions/", Some(&first.token))
        .await;
    assert_eq!(ledger.data()["count"], 1, "credits granted once");
}

async fn customers_cannot_log_in(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let r = app.register_free("customer@test.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    b.goto("/admin/").await;
    assert_eq!(b.place().await, "/admin/login?next=/admin/");
    // A customer with their correct password…
    b.log_in("customer@test.com", PASSWORD).await;
    assert!(b.location().await.starts_with("/admin/login/"));
    let refused_customer = b.message("error").await;
    // …is told exactly what staff with a wrong password are told.
    b.log_in(STAFF_EMAIL, "wrong-password").await;
    let refused_password = b.message("error").await;
    assert_eq!(refused_customer, refused_password);
    assert!(
        refused_customer.contains("correct email and password"),
        "{refused_customer}"
    );
    b.goto("/admin/").await;
    assert!(
        b.location().await.starts_with("/admin/login/"),
        "no session"
    );

    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    assert_eq!(b.place().await, "/admin");
    assert_eq!(b.text("h1").await, "Site administration");
    b.close().await;
}

async fn forms_without_a_csrf_token_are_refused(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let customers = confirmed_customers(&app, 1).await;
    let c = &customers[0];

    b.goto(LIST).await;
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    // The list's action form with its token removed.
    b.tick(c.payment_id).await;
    b.choose_action("Approve selected manual payments").await;
    b.js(
        "document.querySelector('#changelist-form input[name=csrf_token]').remove(); return true;",
    )
    .await;
    b.click_to_page("#action-go").await;
    assert_eq!(b.text("h1").await, "Forbidden");
    assert!(
        b.text(".msg-error")
            .await
            .contains("CSRF verification failed")
    );

    // The confirmation page's form with a forged token.
    b.goto(LIST).await;
    b.tick(c.payment_id).await;
    b.choose_action("Approve selected manual payments").await;
    b.click_to_page("#action-go").await;
    b.js("document.querySelector('form.panel input[name=csrf_token]').value = 'forged'; return true;")
        .await;
    b.click_to_page("#confirm-go").await;
    assert_eq!(b.text("h1").await, "Forbidden");
    b.close().await;
    assert_untouched(&app, c).await;
}

async fn hostile_references_and_notes_show_as_text(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let reference = r#"<script>alert(1)</script>"'><img src=x onerror=alert(2)>"#;
    let notes = r#"Paid "in full" <b>today</b>, it's <script>alert(3)</script><iframe src="/admin/"></iframe>"#;
    let (token, invoice_id) = app.paid_customer("mallory@test.com").await;
    let r = app
        .post(
            "/billing/admin/payments/confirm/",
            Some(&token),
            json!({
                "invoice_id": invoice_id, "payment_method": "bank_transfer",
                "manual_reference": reference, "manual_notes": notes, "amount": "89.00"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.data()["payment_id"].as_i64().expect("payment id");
    let injected = "return document.querySelectorAll('main img, main b, main iframe').length;";

    // The list.
    b.goto(LIST).await;
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    assert!(b.text("table.results tbody").await.contains(reference));
    b.assert_only_admin_js().await;
    assert_eq!(b.js(injected).await, 0);

    // Searching for it: the search box shows it back as its value.
    b.type_into("input[name=q]", reference).await;
    b.click_to_page("form.search button[type=submit]").await;
    assert_eq!(b.listed_ids().await, vec![id]);
    let value = b
        .find("input[name=q]")
        .await
        .prop("value")
        .await
        .expect("prop");
    assert_eq!(value.as_deref(), Some(reference));
    b.assert_only_admin_js().await;
    assert_eq!(b.js(injected).await, 0);

    // The change page shows both fields verbatim.
    b.goto(&format!("{LIST}{id}/")).await;
    let field = |label: &str| {
        format!("//table[contains(@class,'fields')]//tr[th[normalize-space(.)='{label}']]/td")
    };
    for (label, expected) in [("Manual reference", reference), ("Manual notes", notes)] {
        let cell = b
            .client
            .find(Locator::XPath(&field(label)))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(cell.text().await.expect("text"), expected);
    }
    b.assert_only_admin_js().await;
    assert_eq!(b.js(injected).await, 0);

    // And the confirmation page.
    b.goto(LIST).await;
    b.tick(id).await;
    b.choose_action("Approve selected manual payments").await;
    b.click_to_page("#action-go").await;
    assert!(b.text("table.results tbody").await.contains(reference));
    b.assert_only_admin_js().await;
    assert_eq!(b.js(injected).await, 0);
    b.close().await;
}

/// The dashboard over a few reviewed and waiting payments: linked from the home page, its SVG
/// charts drawn, axe-core content, and the README's screenshot.
async fn analytics_dashboard_renders_and_is_accessible(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    let staff = app.login(STAFF_EMAIL, STAFF_PASSWORD).await;
    let customers = confirmed_customers(&app, 6).await;
    for c in customers.iter().take(3) {
        assert_eq!(
            app.approve(&staff, c.payment_id).await.status,
            StatusCode::OK
        );
    }
    let reject = format!(
        "/billing/admin/payments/{}/reject/",
        customers[3].payment_id
    );
    let r = app
        .post(
            &reject,
            Some(&staff),
            json!({"failure_reason": "Reference not found"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.register_free("trial@test.com").await;

    b.goto("/admin/").await;
    b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    b.click_to_page("#analytics-link").await;
    assert_eq!(b.text("h1").await, "Payment analytics");
    let charts = b.find_all("svg.chart[role=img]").await;
    assert!(charts.len() >= 8, "{} charts", charts.len());
    assert!(
        b.text("#table-queue-by-method")
            .await
            .contains("bank_transfer")
    );
    b.assert_accessible().await;
    b.screenshot("admin-analytics").await;
    b.close().await;
}
