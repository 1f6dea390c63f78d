//! Mail, end to end: the guide's workflow against a real SMTP server (aiosmtpd) on both
//! databases — who gets which mail, with what in both parts — plus password reset, low
//! credits, an unreachable server, rolled-back reviews, and the `.eml` fallback.

mod common;

use std::time::{Duration, Instant};

use common::smtp::{self, Captured, SmtpServer};
use common::{Backend, PASSWORD, TestApp, spawn_app_with};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tollgate::entities::job::{self, JobState};

macro_rules! on_both_backends_by_name {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

on_both_backends_by_name!(
    the_guides_workflow_mails_each_step,
    password_reset_mails_a_single_use_link,
    low_credits_are_told_once_per_crossing,
    an_unreachable_smtp_server_never_fails_the_change,
    a_rolled_back_review_mails_nothing,
    without_smtp_mails_are_written_as_files,
    the_portal_resets_a_forgotten_password,
);

const PUBLIC: &str = "https://billing.example.test";
const STAFF_INBOX: &str = "review@tollgate.test";

/// An app whose runner sends mail to `smtp_url` (none: to files).
async fn notifying_app(backend: Backend, smtp_url: Option<String>) -> Option<TestApp> {
    spawn_app_with(backend, |s| {
        let n = &mut s.notifications;
        n.run_jobs = true;
        n.smtp_url = smtp_url.map(tollgate::config::Secret::new);
        n.staff_emails = vec![STAFF_INBOX.into()];
        n.public_url = PUBLIC.into();
        n.mail_from = "Acme Billing <billing@acme.test>".into();
        n.product_name = "Acme".into();
        n.credits_low_threshold = 950;
    })
    .await
}

async fn with_smtp(backend: Backend) -> Option<(SmtpServer, TestApp)> {
    let smtp = SmtpServer::start()?;
    let app = notifying_app(backend, Some(smtp.url())).await?;
    Some((smtp, app))
}

fn to(address: &'static str, subject: &'static str) -> impl Fn(&Captured) -> bool {
    move |m| m.to.contains(address) && m.subject.contains(subject)
}

/// Says the same in both parts: every `needle` is in the text and in the HTML.
fn says(mail: &Captured, needles: &[&str]) {
    for needle in needles {
        assert!(
            mail.text.contains(needle),
            "text lacks {needle:?}:\n{}",
            mail.text
        );
        let escaped = needle.replace('&', "&amp;");
        assert!(
            mail.html.contains(&escaped),
            "HTML lacks {needle:?}:\n{}",
            mail.html
        );
    }
}

async fn register_paid_as(app: &TestApp, email: &str, billing: &str) -> (String, i64, String) {
    let r = app
        .post(
            "/auth/register/",
            None,
            json!({
                "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                "first_name": "Paid", "last_name": "User", "plan_slug": "starter",
                "billing_email": billing, "billing_country": "PK",
                "billing_city": "Karachi", "billing_address_line1": "123 Main Street",
                "payment_method": "bank_transfer"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.data();
    (
        d["token"].as_str().unwrap().to_owned(),
        d["invoice"]["id"].as_i64().unwrap(),
        d["invoice"]["invoice_number"].as_str().unwrap().to_owned(),
    )
}

async fn the_guides_workflow_mails_each_step(backend: Backend) {
    let Some((smtp, app)) = with_smtp(backend).await else {
        return;
    };

    // Free trial: a welcome with the credits.
    assert_eq!(
        app.register_free("trial@test.com").await.status,
        StatusCode::CREATED
    );
    let welcome = &smtp
        .wait_for(1, to("trial@test.com", "free trial has started"))
        .await[0];
    assert!(
        welcome.from.contains("billing@acme.test"),
        "{}",
        welcome.from
    );
    assert_eq!(
        welcome.subject,
        "Welcome to Acme — your free trial has started"
    );
    says(
        welcome,
        &["Hello Free,", "1000 credits", &format!("{PUBLIC}/")],
    );

    // Paid sign-up: the invoice and how to pay it in Pakistan.
    let (token, invoice, number) = register_paid_as(&app, "paid@test.com", "books@test.com").await;
    let welcome = &smtp
        .wait_for(1, to("paid@test.com", "to activate your account"))
        .await[0];
    says(
        welcome,
        &[
            &number,
            "89.00 USD",
            "Starter",
            "Bank Transfer",
            "ABC Bank",
            "1234567890",
            &format!("{PUBLIC}/invoices/{invoice}/"),
        ],
    );

    // Confirmation: the customer's acknowledgement at the billing address, and staff's copy
    // with a link to the payment in the panel.
    let confirmed = app.confirm(&token, invoice, "89.00", "BT-2025-001").await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    let ack = &smtp
        .wait_for(1, to("books@test.com", "pending approval"))
        .await[0];
    assert_eq!(
        ack.subject,
        format!("Payment received for {number} — pending approval")
    );
    says(
        ack,
        &[
            "89.00 USD",
            &number,
            "BT-2025-001",
            "notified once it is approved",
        ],
    );
    let review = &smtp.wait_for(1, to(STAFF_INBOX, "Payment to review")).await[0];
    says(
        review,
        &[
            "89.00 USD",
            "BT-2025-001",
            &number,
            &format!("{PUBLIC}/admin/billing/payment/{payment}/"),
        ],
    );

    // Approval: the receipt — amount, invoice, period, credits added.
    let staff = app.staff_token("admin@example.com").await;
    assert_eq!(app.approve(&staff, payment).await.status, StatusCode::OK);
    let receipt = &smtp.wait_for(1, to("books@test.com", "Receipt for")).await[0];
    assert_eq!(
        receipt.subject,
        format!("Receipt for {number}: payment approved")
    );
    says(
        receipt,
        &[
            "Amount paid",
            "89.00 USD",
            &number,
            "BT-2025-001",
            "Period",
            "Credits added",
            "1000",
        ],
    );

    // Rejection: the staff's reason and a link to pay again.
    let (token2, invoice2, number2) =
        register_paid_as(&app, "second@test.com", "second-books@test.com").await;
    let first = app.confirm(&token2, invoice2, "89.00", "BT-WRONG").await;
    let payment2 = first.data()["payment_id"].as_i64().unwrap();
    let rejected = app
        .post(
            &format!("/billing/admin/payments/{payment2}/reject/"),
            Some(&staff),
            json!({"failure_reason": "Reference not found in the statement"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    let refusal = &smtp
        .wait_for(1, to("second-books@test.com", "not approved"))
        .await[0];
    assert_eq!(
        refusal.subject,
        format!("Payment for {number2} not approved")
    );
    says(
        refusal,
        &[
            "Reference not found in the statement",
            "BT-WRONG",
            "Pay again",
            &format!("{PUBLIC}/invoices/{invoice2}/"),
        ],
    );

    // Each mail once: 3 welcomes + 2×2 confirmations + receipt + refusal.
    wait_until_idle(&app).await;
    let all = smtp.messages();
    assert_eq!(
        all.len(),
        9,
        "{:#?}",
        all.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
    );
    let mut ids: Vec<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 9, "every mail has its own Message-ID");
}

async fn password_reset_mails_a_single_use_link(backend: Backend) {
    let Some((smtp, app)) = with_smtp(backend).await else {
        return;
    };
    app.register_free("forgetful@test.com").await;
    let asked = app
        .post(
            "/auth/password-reset/",
            None,
            json!({"email": "Forgetful@Test.com"}),
        )
        .await;
    let unknown = app
        .post(
            "/auth/password-reset/",
            None,
            json!({"email": "nobody@test.com"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(unknown.status, asked.status, "same answer");
    assert_eq!(
        unknown.body["message"], asked.body["message"],
        "same answer"
    );
    assert_eq!(unknown.body["data"], asked.body["data"], "same answer");
    let empty = app.post("/auth/password-reset/", None, json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body["errors"]["email"].is_array(), "{}", empty.body);

    let mail = &smtp
        .wait_for(1, to("forgetful@test.com", "Reset your Acme password"))
        .await[0];
    let prefix = format!("{PUBLIC}/password-reset/?token=");
    says(mail, &[&prefix, "works once, for one hour"]);
    let token: String = mail.text[mail.text.find(&prefix).unwrap() + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 20, "{token}");

    let weak = app
        .post(
            "/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": "123"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(
        weak.body["errors"]["new_password"].is_array(),
        "{}",
        weak.body
    );
    let new_password = "a-new-Passphrase-42";
    let done = app
        .post(
            "/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": new_password}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    app.login("forgetful@test.com", new_password).await;
    let old = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "forgetful@test.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let again = app
        .post(
            "/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": "another-Pass-77"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a link works once");
    assert!(again.body["errors"]["token"].is_array(), "{}", again.body);
    wait_until_idle(&app).await;
    assert_eq!(
        smtp.messages()
            .iter()
            .filter(|m| m.subject.contains("Reset"))
            .count(),
        1
    );
}

async fn low_credits_are_told_once_per_crossing(backend: Backend) {
    let Some((smtp, app)) = with_smtp(backend).await else {
        return;
    };
    let r = app.register_free("spender@test.com").await;
    let token = r.data()["token"].as_str().unwrap().to_owned();
    // 1000 credits, threshold 950, 15 credits a request: the 4th spend crosses (955 → 940).
    for _ in 0..6 {
        let spent = app
            .post(
                "/billing/credits/usage/",
                Some(&token),
                json!({"operation_type": "idea_generation"}),
            )
            .await;
        assert_eq!(spent.status, StatusCode::CREATED, "{}", spent.body);
    }
    let low = &smtp
        .wait_for(1, to("spender@test.com", "running low"))
        .await[0];
    says(low, &["940 credits left", &format!("{PUBLIC}/credits/")]);
    wait_until_idle(&app).await;
    let told = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject.contains("running low"))
        .count();
    assert_eq!(told, 1, "once per crossing, not once per spend below");
}

async fn an_unreachable_smtp_server_never_fails_the_change(backend: Backend) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(app) = notifying_app(backend, Some(format!("smtp://127.0.0.1:{closed}"))).await else {
        return;
    };
    let started = Instant::now();
    let r = app.register_free("patient@test.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the sign-up did not wait for SMTP"
    );
    // The welcome is kept and retried later.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = job::Entity::find()
            .filter(job::Column::Kind.eq("mail.welcome"))
            .all(app.db.conn())
            .await
            .unwrap();
        if let Some(j) = jobs
            .first()
            .filter(|j| j.attempts >= 1 && j.state == JobState::Pending)
        {
            assert!(
                j.last_error.as_deref().unwrap_or_default().contains("SMTP"),
                "{:?}",
                j.last_error
            );
            assert!(j.run_at > chrono::Utc::now(), "retried later");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the welcome was not attempted: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_rolled_back_review_mails_nothing(backend: Backend) {
    let Some(app) = notifying_app(backend, None).await else {
        return;
    };
    let (token, invoice, _) = register_paid_as(&app, "bulk@test.com", "bulk-books@test.com").await;
    let payment = app.confirm(&token, invoice, "89.00", "BT-1").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let user =
        tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
            .await
            .unwrap();
    let staff = app.login("admin@example.com", "adminpass").await;
    // A bulk approval (as the panel makes it) with an id that does not exist: nothing is
    // approved, so nothing is announced.
    let actor = tollgate::domain::staff::StaffActor::verify(user).expect("staff");
    let bulk = tollgate::domain::payment_review::approve(
        &app.db,
        &actor,
        &[payment, 999_999],
        None,
        &tollgate::domain::idempotency::Seal::none(),
    )
    .await;
    assert!(bulk.is_err(), "all or none");
    let key = format!("mail.payment_approved:payment:{payment}");
    let approved = job::Entity::find()
        .filter(job::Column::UniqueKey.eq(key.as_str()))
        .all(app.db.conn())
        .await
        .unwrap();
    assert!(approved.is_empty(), "no receipt for a rolled-back approval");
    assert_eq!(app.approve(&staff, payment).await.status, StatusCode::OK);
    let approved = job::Entity::find()
        .filter(job::Column::UniqueKey.eq(key.as_str()))
        .all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(approved.len(), 1, "one receipt once it committed");
}

/// Waits for a mail file whose subject contains `subject`, in the app's mail folder.
async fn mail_file(app: &TestApp, subject: &str) -> Captured {
    smtp::mail_file(&app.mail_dir, |m| m.subject.contains(subject)).await
}

async fn without_smtp_mails_are_written_as_files(backend: Backend) {
    let Some(app) = notifying_app(backend, None).await else {
        return;
    };
    app.register_free("files@test.com").await;
    let mail = mail_file(&app, "free trial").await;
    assert!(mail.to.contains("files@test.com"));
    says(&mail, &["1000 credits"]);
}

/// Waits until no job is pending or running.
async fn wait_until_idle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let busy = job::Entity::find()
            .filter(job::Column::State.is_in([JobState::Pending, JobState::Running]))
            .all(app.db.conn())
            .await
            .unwrap();
        if busy.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "jobs still busy: {busy:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn the_portal_resets_a_forgotten_password(backend: Backend) {
    let Some(app) = notifying_app(backend, None).await else {
        return;
    };
    app.register_free("portal-reset@test.com").await;
    let mut browser = common::admin::Panel::new(&app);
    let login = browser.get("/login/").await;
    assert!(
        login.body.contains("href=\"/password-reset/\""),
        "the sign-in page offers it"
    );
    browser.get("/password-reset/").await;
    let sent = browser
        .post("/password-reset/", &[("email", "portal-reset@test.com")])
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(
        sent.body
            .contains("a link to reset its password has been sent"),
        "{}",
        sent.body
    );

    let mail = mail_file(&app, "Reset your Acme password").await;
    let at = mail.text.find("/password-reset/?token=").expect("the link");
    let link: String = mail.text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = link
        .trim_start_matches("/password-reset/?token=")
        .to_owned();
    let form = browser.get(&link).await;
    assert!(form.body.contains("name=\"new_password\""), "{}", form.body);
    let weak = browser
        .post(
            "/password-reset/",
            &[("token", &token), ("new_password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(weak.body.contains("id=\"e-new_password\""), "{}", weak.body);
    let done = browser
        .post(
            "/password-reset/",
            &[("token", &token), ("new_password", "Portal-Pass-2026")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Your password is changed"),
        "{}",
        done.body
    );
    app.login("portal-reset@test.com", "Portal-Pass-2026").await;
    let reused = browser
        .post(
            "/password-reset/",
            &[("token", &token), ("new_password", "Another-Pass-2026")],
        )
        .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert!(
        reused.body.contains("invalid or has expired"),
        "{}",
        reused.body
    );
}
