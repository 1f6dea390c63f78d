//! The guide's journeys through the pages only — the customer portal and staff's panel in one
//! headless Chromium — on SQLite and PostgreSQL: a free trial, a paid sign-up, "I have paid",
//! approval, buying credits, rejection and a second confirmation, bad input through the forms,
//! and the paid sign-up once more with the pages' JavaScript off. The API is used only to read state for
//! assertions. Every portal page visited is checked with axe-core (no "serious" or
//! "critical" violation): its script comes from `TOLLGATE_AXE_JS` (`.ci/run` installs the npm
//! package); without it the check is skipped with a note, unless the browser is required.
//!
//! The browser and when these tests skip: `common::browser`.

mod common;

use std::time::{Duration, Instant};

use common::browser::{Browser, PATIENCE};
use common::{PASSWORD, TestApp};
use fantoccini::Locator;
use serde_json::json;

on_both_backends!(
    free_trial_site_and_the_plans_limit,
    paid_sign_up_confirm_and_approval,
    rejection_then_a_second_confirmation,
    bad_input_is_answered_beside_the_fields,
    paid_sign_up_and_confirmation_without_javascript,
);

const STAFF_EMAIL: &str = "admin@example.com";
const STAFF_PASSWORD: &str = "adminpass";
const QUEUE: &str = "/admin/billing/payment/?status=pending_approval";

// --- Steps ------------------------------------------------------------------------------------

/// Waits until `css`'s text satisfies `ok` (for what the pages' scripts change in place).
async fn wait_for_text(b: &Browser, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = match b.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never became as expected: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn choose(b: &Browser, select: &str, value: &str) {
    b.find(select)
        .await
        .select_by_value(value)
        .await
        .expect("option chosen");
}

/// Fills the sign-up form; `paid` picks Starter with a PK billing step and bank transfer.
async fn sign_up(b: &Browser, email: &str, paid: bool, javascript: bool) {
    b.goto("/signup/").await;
    if javascript {
        // (axe itself is a script: it runs in the journeys with JavaScript on.)
        b.assert_accessible().await;
    }
    if paid {
        b.click("input[name=plan_slug][value=starter]").await;
    }
    b.type_into("input[name=email]", email).await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.type_into("input[name=password_confirm]", PASSWORD).await;
    b.type_into("input[name=first_name]", "Ayesha").await;
    b.type_into("input[name=last_name]", "Khan").await;
    if paid {
        b.type_into("input[name=account_name]", "Karachi Traders")
            .await;
        choose(b, "select[name=billing_country]", "PK").await;
        if javascript {
            let methods = wait_for_text(b, "#methods", |t| t.contains("JazzCash")).await;
            assert!(methods.contains("Bank Transfer"), "{methods}");
        } else {
            b.click_to_page("button[name=refresh]").await;
            assert!(b.text("#methods").await.contains("JazzCash"));
            b.type_into("input[name=password]", PASSWORD).await;
            b.type_into("input[name=password_confirm]", PASSWORD).await;
        }
        b.type_into("input[name=billing_city]", "Karachi").await;
        b.type_into("input[name=billing_address_line1]", "123 Main Street")
            .await;
        b.click("input[name=payment_method][value=bank_transfer]")
            .await;
    }
    b.click_to_page("form.signup button.primary").await;
    assert_eq!(b.location().await, "/", "signed up and in");
}

/// Sends "I have paid" for the invoice shown, with `reference`; with `screenshot`, the dialog
/// is the README's picture.
async fn i_have_paid(b: &Browser, reference: &str, javascript: bool, screenshot: bool) {
    if javascript {
        b.click("#open-confirm").await;
        wait_for_text(b, "dialog[open] h2", |t| t == "I have paid").await;
        b.assert_accessible().await;
        if screenshot {
            b.screenshot("portal-invoice-confirm").await;
        }
    }
    b.type_into("input[name=manual_reference]", reference).await;
    b.click_to_page("#confirm button.primary").await;
}

/// Staff approve (or reject, with `reason`) the pending payment with `reference` in the panel.
async fn review(b: &Browser, reference: &str, reject: Option<&str>) {
    b.goto(QUEUE).await;
    if b.location().await.starts_with("/admin/login/") {
        b.log_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    }
    let row =
        format!("//tr[td[contains(., '{reference}')]]//input[contains(@class,'action-select')]");
    b.client
        .find(Locator::XPath(&row))
        .await
        .unwrap_or_else(|e| panic!("{reference} not in the queue: {e}"))
        .click()
        .await
        .expect("tick");
    let action = match reject {
        Some(_) => "Reject selected manual payments",
        None => "Approve selected manual payments",
    };
    b.choose_action(action).await;
    b.click_to_page("#action-go").await;
    if let Some(reason) = reject {
        b.type_into("input[name=failure_reason]", reason).await;
    }
    b.click_to_page("#confirm-go").await;
}

async fn create_staff(app: &TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, STAFF_EMAIL, STAFF_PASSWORD)
        .await
        .expect("staff user");
}

/// The dashboard's facts: (status, plan, credits).
async fn overview(b: &Browser) -> (String, String, String) {
    b.goto("/").await;
    let facts = b.find_all(".facts dd").await;
    let mut texts = Vec::new();
    for f in facts {
        texts.push(f.text().await.expect("text"));
    }
    (texts[0].clone(), texts[1].clone(), texts[2].clone())
}

async fn banner(b: &Browser) -> Option<String> {
    match b.client.find(Locator::Css(".banner p")).await {
        Ok(e) => Some(e.text().await.expect("banner text")),
        Err(_) => None,
    }
}

// --- Journeys ---------------------------------------------------------------------------------

async fn free_trial_site_and_the_plans_limit(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    sign_up(&b, "trial@test.com", false, true).await;
    assert_eq!(
        overview(&b).await,
        ("trial".into(), "Free".into(), "1000".into())
    );
    assert!(b.text("main").await.contains("No invoice is waiting"));
    assert_eq!(banner(&b).await, None);
    b.assert_accessible().await;

    b.goto("/sites/").await;
    b.assert_accessible().await;
    b.type_into("input[name=name]", "My blog").await;
    b.click_to_page("form button.primary").await;
    assert_eq!(b.text("#e-industry_id").await, "This field is required.");
    choose(&b, "select[name=industry_id]", "1").await;
    b.click_to_page("form button.primary").await;
    assert!(b.message("success").await.contains("My blog"));
    b.type_into("input[name=name]", "Second").await;
    choose(&b, "select[name=industry_id]", "1").await;
    b.click_to_page("form button.primary").await;
    assert_eq!(
        b.text("[role=alert]").await,
        "Site limit reached: the Free plan allows 1 active site(s)."
    );
    b.assert_accessible().await;
    // Another account's or a missing invoice: the portal's own error page.
    b.goto("/invoices/999999/").await;
    assert_eq!(b.text("[role=alert]").await, "Invoice not found");
    assert_eq!(
        b.find("main a")
            .await
            .attr("href")
            .await
            .unwrap()
            .as_deref(),
        Some("/")
    );
    b.assert_accessible().await;
    b.close().await;
}

async fn paid_sign_up_confirm_and_approval(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    // The billing step offers each country its own methods.
    b.goto("/signup/").await;
    b.click("input[name=plan_slug][value=starter]").await;
    choose(&b, "select[name=billing_country]", "US").await;
    let us = wait_for_text(&b, "#methods", |t| t.contains("Bank Transfer")).await;
    assert!(!us.contains("JazzCash"), "{us}");
    choose(&b, "select[name=billing_country]", "PK").await;
    wait_for_text(&b, "#methods", |t| t.contains("JazzCash")).await;
    b.screenshot_whole_page("portal-signup-billing").await;

    sign_up(&b, "paid@test.com", true, true).await;
    assert_eq!(
        overview(&b).await,
        ("pending_payment".into(), "Starter".into(), "0".into())
    );
    let open = b.text("a.invoice-number").await;
    assert!(
        open.starts_with("INV-") && open.ends_with("-0001"),
        "{open}"
    );
    assert!(b.text("main section").await.contains("89.00 USD"));
    let text = banner(&b).await.expect("a banner");
    assert_eq!(
        text,
        format!("Your account is not active yet — pay invoice {open} to activate it.")
    );

    b.click_to_page(".banner a").await;
    b.assert_accessible().await;
    let payee = b.text(".pay").await;
    assert!(
        payee.contains("ABC Bank") && payee.contains("1234567890"),
        "{payee}"
    );
    i_have_paid(&b, "BT-20251208-12345", true, true).await;
    assert_eq!(
        b.message("success").await,
        "Payment confirmation submitted for review. You will be notified once approved."
    );
    let pending = banner(&b).await.expect("the pending banner");
    assert!(pending.starts_with("Payment pending — we are checking your transfer of 89.00 USD (ref BT-20251208-12345) submitted"), "{pending}");
    b.goto("/").await;
    b.screenshot("portal-pending-banner").await;
    // (The top-up page of an account awaiting approval says why it may not buy yet.)
    for page in [
        "/plan/",
        "/invoices/",
        "/payments/",
        "/credits/",
        "/credits/top-ups/",
        "/billing/",
    ] {
        b.goto(page).await;
        b.assert_accessible().await;
    }

    review(&b, "BT-20251208-12345", None).await;
    assert_eq!(
        overview(&b).await,
        ("active".into(), "Starter".into(), "1000".into())
    );
    assert_eq!(banner(&b).await, None, "the banner is gone");
    b.goto("/invoices/").await;
    assert!(b.text("table.list tbody").await.contains("paid"));

    // Buying credits, now the account is active: the README's picture, then the invoice.
    b.goto("/credits/").await;
    b.click_to_page("a[href='/credits/top-ups/']").await;
    b.assert_accessible().await;
    b.click("input[name=package_id]").await;
    b.click("input[name=payment_method][value=bank_transfer]")
        .await;
    b.screenshot_whole_page("portal-top-ups").await;
    b.click_to_page("form.top-up button.primary").await;
    assert!(b.location().await.starts_with("/invoices/"));
    assert!(
        b.message("success")
            .await
            .contains("issued for 500 credits")
    );
    b.assert_accessible().await;
    b.close().await;

    // The same pages at a phone's width, for the README.
    if let Some(phone) = Browser::launch(&app, 375, true).await {
        phone.goto("/login/").await;
        phone.assert_accessible().await;
        phone.type_into("input[name=email]", "paid@test.com").await;
        phone.type_into("input[name=password]", PASSWORD).await;
        phone.click_to_page("form button").await;
        phone.goto("/invoices/").await;
        phone.screenshot("portal-invoices-phone").await;
        phone.close().await;
    }
}

async fn rejection_then_a_second_confirmation(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    create_staff(&app).await;
    sign_up(&b, "second@test.com", true, true).await;
    b.click_to_page(".banner a").await;
    i_have_paid(&b, "BT-WRONG-1", true, false).await;
    review(
        &b,
        "BT-WRONG-1",
        Some("Reference not found in bank statement"),
    )
    .await;

    b.goto("/").await;
    let text = banner(&b).await.expect("the rejection banner");
    assert!(
        text.contains("Reference not found in bank statement"),
        "{text}"
    );
    assert_eq!(overview(&b).await.0, "pending_payment");
    b.click_to_page(".banner a").await;
    assert!(
        b.text("section[aria-labelledby=history]")
            .await
            .contains("Reference not found in bank statement")
    );
    i_have_paid(&b, "BT-20251209-777", true, false).await;
    assert!(
        banner(&b)
            .await
            .expect("pending")
            .contains("BT-20251209-777")
    );
    review(&b, "BT-20251209-777", None).await;
    assert_eq!(overview(&b).await.0, "active");
    b.close().await;
}

async fn bad_input_is_answered_beside_the_fields(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    app.register_free("taken@test.com").await;
    b.goto("/signup/").await;
    b.type_into("input[name=email]", "taken@test.com").await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.type_into("input[name=password_confirm]", "Different123!")
        .await;
    b.type_into("input[name=first_name]", "Kept").await;
    b.type_into("input[name=last_name]", "Values").await;
    b.click_to_page("form.signup button.primary").await;
    assert_eq!(
        b.text("#e-password_confirm").await,
        "Passwords do not match."
    );
    assert_eq!(
        b.text("#e-email").await,
        "A user with this email already exists."
    );
    assert_eq!(
        b.find("input[name=first_name]")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some("Kept".into())
    );
    b.assert_accessible().await;
    // A method the country is not offered: sent as a form that still carries it.
    b.click("input[name=plan_slug][value=starter]").await;
    b.type_into("input[name=email]", "new@test.com").await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.type_into("input[name=password_confirm]", PASSWORD).await;
    choose(&b, "select[name=billing_country]", "PK").await;
    wait_for_text(&b, "#methods", |t| t.contains("JazzCash")).await;
    b.click("input[name=payment_method][value=local_wallet]")
        .await;
    b.js("document.querySelector('select[name=billing_country]').value = 'US'; return 1;")
        .await;
    b.click_to_page("form.signup button.primary").await;
    assert_eq!(
        b.text("#e-payment_method").await,
        "This payment method is not available in your country."
    );
    let login = json!({"email": "new@test.com", "password": PASSWORD});
    let refused = app.post("/auth/login/", None, login).await;
    assert_eq!(refused.status, 401, "nothing created");

    // "I have paid" with a wrong amount, then an empty reference.
    sign_up(&b, "payer@test.com", true, true).await;
    b.click_to_page(".banner a").await;
    b.click("#open-confirm").await;
    b.type_into("input[name=amount]", "80.00").await;
    b.type_into("input[name=manual_reference]", "BT-1").await;
    b.click_to_page("#confirm button.primary").await;
    assert!(
        b.find("#e-amount")
            .await
            .text()
            .await
            .unwrap()
            .contains("89.00")
    );
    b.type_into("input[name=amount]", "89.00").await;
    b.type_into("input[name=manual_reference]", "").await;
    b.click_to_page("#confirm button.primary").await;
    assert_eq!(
        b.text("#e-manual_reference").await,
        "This field is required."
    );
    b.assert_accessible().await;
    assert!(
        banner(&b)
            .await
            .expect("still unpaid")
            .contains("not active yet")
    );
    b.close().await;
}

async fn paid_sign_up_and_confirmation_without_javascript(app: TestApp) {
    let Some(b) = Browser::launch(&app, 1400, false).await else {
        return;
    };
    sign_up(&b, "nojs@test.com", true, false).await;
    assert_eq!(overview(&b).await.0, "pending_payment");
    b.click_to_page(".banner a").await;
    // Without the script the copy buttons stay hidden and the form is on the page.
    assert!(!b.find("button.copy").await.is_displayed().await.unwrap());
    i_have_paid(&b, "BT-NOJS-1", false, false).await;
    assert_eq!(
        b.message("success").await,
        "Payment confirmation submitted for review. You will be notified once approved."
    );
    assert!(banner(&b).await.expect("pending").contains("BT-NOJS-1"));
    b.close().await;
}
