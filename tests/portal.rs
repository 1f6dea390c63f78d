//! The customer portal over plain HTTP, on both databases: who may see which page, the forms'
//! refusals (shown beside their fields, nothing created), and that each form changes exactly
//! what the API's call of the same domain function changes. The browser journeys are
//! `portal_browser.rs`.

mod common;

use common::admin::{Page, Panel};
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use tollgate::entities::{payment, user};

on_both_backends!(
    anonymous_visitors_are_sent_to_sign_in_and_back,
    staff_and_wrong_passwords_get_the_same_answer,
    another_accounts_invoice_is_answered_like_a_missing_one,
    bad_sign_ups_change_nothing_and_keep_what_was_typed,
    sign_up_offers_the_countrys_methods_and_signs_in,
    i_have_paid_refusals_are_shown_beside_their_fields,
    i_have_paid_submits_for_review_and_the_banner_follows,
    forms_without_the_csrf_token_are_refused,
    billing_edits_leave_issued_invoices_alone,
);

/// Form fields, as (name, value).
type Fields<'a> = &'a [(&'a str, &'a str)];

fn field_error<'a>(page: &'a Page, field: &str) -> Option<&'a str> {
    let marker = format!("id=\"e-{field}\">");
    let at = page.body.find(&marker)? + marker.len();
    page.body[at..].split('<').next()
}

async fn count_users(app: &TestApp) -> u64 {
    user::Entity::find().count(app.db.conn()).await.unwrap()
}

async fn count_payments(app: &TestApp) -> u64 {
    payment::Entity::find().count(app.db.conn()).await.unwrap()
}

async fn anonymous_visitors_are_sent_to_sign_in_and_back(app: TestApp) {
    let (_, invoice) = app.paid_customer("back@test.com").await;
    let mut browser = Panel::new(&app);
    let path = format!("/invoices/{invoice}/");
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login = page.location.expect("to the login page");
    assert_eq!(login, format!("/login/?next=%2Finvoices%2F{invoice}%2F"));
    let signed_in = browser
        .login_at(&login, "back@test.com", PASSWORD, &path)
        .await;
    assert_eq!(signed_in.location.as_deref(), Some(path.as_str()));
    // `next` never leaves the site.
    for outside in ["//evil.example/", "https://evil.example/", "/\\evil"] {
        let mut other = Panel::new(&app);
        let page = other
            .login_at("/login/", "back@test.com", PASSWORD, outside)
            .await;
        assert_eq!(page.location.as_deref(), Some("/"), "{outside}");
    }
}

async fn staff_and_wrong_passwords_get_the_same_answer(app: TestApp) {
    app.register_free("member@test.com").await;
    tollgate::domain::accounts::create_staff_user(&app.db, "staff@test.com", "adminpass")
        .await
        .unwrap();
    let mut staff = Panel::new(&app);
    let as_staff = staff
        .login_at("/login/", "staff@test.com", "adminpass", "/")
        .await;
    let mut wrong = Panel::new(&app);
    let wrong_password = wrong
        .login_at("/login/", "member@test.com", "not-the-password", "/")
        .await;
    assert_eq!(as_staff.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    let message = "Please enter the correct email and password of your account.";
    assert!(as_staff.body.contains(message) && wrong_password.body.contains(message));
    // A customer is not staff in the panel either.
    let mut customer = Panel::new(&app);
    let page = customer.login("member@test.com", PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

async fn another_accounts_invoice_is_answered_like_a_missing_one(app: TestApp) {
    let (_, theirs) = app.paid_customer("theirs@test.com").await;
    app.paid_customer("mine@test.com").await;
    let mut mine = Panel::customer(&app, "mine@test.com").await;
    mine.get("/").await; // the session's CSRF token, for the forged payment below
    let other = mine.get(&format!("/invoices/{theirs}/")).await;
    let missing = mine.get("/invoices/999999/").await;
    let garbage = mine.get("/invoices/abc/").await;
    for page in [&other, &missing, &garbage] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("Invoice not found"), "{}", page.body);
    }
    let paid = mine
        .post(
            &format!("/invoices/{theirs}/pay/"),
            &[
                ("payment_method", "bank_transfer"),
                ("manual_reference", "X-1"),
                ("amount", "89.00"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::NOT_FOUND);
    assert_eq!(count_payments(&app).await, 0);
}

async fn bad_sign_ups_change_nothing_and_keep_what_was_typed(app: TestApp) {
    app.register_free("taken@test.com").await;
    let users = count_users(&app).await;
    let mut visitor = Panel::new(&app);
    visitor.get("/signup/").await;
    // (the fields that differ from a good form, the field refused, its message)
    let cases: [(Fields, &str, &str); 3] = [
        (
            &[
                ("email", "new@test.com"),
                ("password_confirm", "Other123!x"),
            ],
            "password_confirm",
            "Passwords do not match.",
        ),
        (
            &[("email", "taken@test.com"), ("password_confirm", PASSWORD)],
            "email",
            "A user with this email already exists.",
        ),
        (
            &[
                ("email", "new@test.com"),
                ("password_confirm", PASSWORD),
                ("payment_method", "local_wallet"),
                ("billing_country", "US"),
            ],
            "payment_method",
            "This payment method is not available in your country.",
        ),
    ];
    for (fields, field, message) in cases {
        let mut form = vec![
            ("plan_slug", "starter"),
            ("password", PASSWORD),
            ("first_name", "Typed"),
            ("last_name", "Name"),
            ("billing_country", "PK"),
            ("payment_method", "bank_transfer"),
        ];
        form.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
        form.extend_from_slice(fields);
        let page = visitor.post("/signup/", &form).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(field_error(&page, field), Some(message), "{field}");
        assert!(page.body.contains("value=\"Typed\""), "values kept");
        assert!(!page.body.contains(PASSWORD), "passwords are not sent back");
    }
    assert_eq!(count_users(&app).await, users, "nothing created");
}

async fn sign_up_offers_the_countrys_methods_and_signs_in(app: TestApp) {
    let mut visitor = Panel::new(&app);
    let pk = visitor.get("/signup/methods/?country=PK").await;
    assert!(pk.body.contains("value=\"bank_transfer\"") && pk.body.contains("JazzCash"));
    let us = visitor.get("/signup/methods/?country=US").await;
    assert!(us.body.contains("value=\"bank_transfer\"") && !us.body.contains("local_wallet"));
    // Without JavaScript: the form's button shows them, and nothing is created.
    visitor.get("/signup/?plan=starter").await;
    let refreshed = visitor
        .post(
            "/signup/",
            &[
                ("plan_slug", "starter"),
                ("billing_country", "PK"),
                ("refresh", "1"),
            ],
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    assert!(
        refreshed.body.contains("JazzCash")
            && refreshed.body.contains("<option value=\"PK\" selected>")
    );
    let form = [
        ("plan_slug", "starter"),
        ("email", "portal@test.com"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("first_name", "Por"),
        ("last_name", "Tal"),
        ("billing_country", "PK"),
        ("billing_city", "Lahore"),
        ("payment_method", "local_wallet"),
    ];
    let done = visitor.post("/signup/", &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let home = visitor.get("/").await;
    assert!(home.body.contains("pending_payment"), "{}", home.body);
    assert!(
        home.body
            .contains("Your account is not active yet — pay invoice INV-")
    );
    // The API sees the same account, made by the same domain function.
    let token = app.login("portal@test.com", PASSWORD).await;
    let me = app.get("/auth/me/", Some(&token)).await;
    assert_eq!(me.data()["user"]["account"]["status"], "pending_payment");
    assert_eq!(
        me.data()["user"]["account"]["billing_email"],
        "portal@test.com"
    );
}

async fn i_have_paid_refusals_are_shown_beside_their_fields(app: TestApp) {
    let (_, invoice) = app.paid_customer("refused@test.com").await;
    let mut portal = Panel::customer(&app, "refused@test.com").await;
    let path = format!("/invoices/{invoice}/");
    let page = portal.get(&path).await;
    assert!(page.body.contains("ABC Bank") && page.body.contains("I have paid"));
    let pay = format!("{path}pay/");
    let empty = portal
        .post(
            &pay,
            &[
                ("payment_method", "bank_transfer"),
                ("manual_reference", ""),
                ("amount", "89.00"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        field_error(&empty, "manual_reference"),
        Some("This field is required.")
    );
    let wrong = portal
        .post(
            &pay,
            &[
                ("payment_method", "bank_transfer"),
                ("manual_reference", "BT-1"),
                ("amount", "80.00"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(field_error(&wrong, "amount").is_some(), "{}", wrong.body);
    assert!(
        wrong.body.contains("value=\"BT-1\""),
        "the reference is kept"
    );
    assert_eq!(count_payments(&app).await, 0, "nothing created");
}

async fn i_have_paid_submits_for_review_and_the_banner_follows(app: TestApp) {
    let (_, invoice) = app.paid_customer("paying@test.com").await;
    let mut portal = Panel::customer(&app, "paying@test.com").await;
    let path = format!("/invoices/{invoice}/");
    portal.get(&path).await;
    let fields = [
        ("payment_method", "bank_transfer"),
        ("manual_reference", "BT-20251208-12345"),
        ("amount", "89.00"),
        ("manual_notes", "Transferred via ABC Bank"),
    ];
    let done = portal.post(&format!("{path}pay/"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = portal.get(&path).await;
    assert!(page.body.contains(
        "Payment confirmation submitted for review. You will be notified once approved."
    ));
    assert!(page.body.contains("Payment pending — we are checking your transfer of 89.00 USD (ref BT-20251208-12345) submitted just now."), "{}", page.body);
    assert!(
        !page.body.contains("Submit confirmation"),
        "no second confirmation offered"
    );
    // A second one is refused on the form, as the API refuses it.
    let again = portal.post(&format!("{path}pay/"), &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(count_payments(&app).await, 1);
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let (_, invoice) = app.paid_customer("csrf@test.com").await;
    let mut portal = Panel::customer(&app, "csrf@test.com").await;
    portal.get("/").await;
    let forged = [
        ("csrf_token", "forged"),
        ("manual_reference", "X"),
        ("amount", "89.00"),
    ];
    let page = portal
        .post(&format!("/invoices/{invoice}/pay/"), &forged)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let signup = Panel::new(&app)
        .post(
            "/signup/",
            &[("csrf_token", "forged"), ("email", "x@test.com")],
        )
        .await;
    assert_eq!(signup.status, StatusCode::FORBIDDEN);
    assert_eq!(count_payments(&app).await, 0);
}

async fn billing_edits_leave_issued_invoices_alone(app: TestApp) {
    let (token, invoice) = app.paid_customer("billing@test.com").await;
    let mut portal = Panel::customer(&app, "billing@test.com").await;
    portal.get("/billing/").await;
    let refused = portal
        .post(
            "/billing/",
            &[("billing_email", "not-an-email"), ("billing_country", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        field_error(&refused, "billing_country"),
        Some("This field is required for paid plans.")
    );
    let saved = portal
        .post(
            "/billing/",
            &[("billing_city", "Lahore"), ("billing_country", "pk")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let me = app.get("/auth/me/", Some(&token)).await;
    assert_eq!(me.data()["user"]["account"]["billing_city"], "Lahore");
    assert_eq!(me.data()["user"]["account"]["billing_country"], "PK");
    let issued = app
        .get(&format!("/billing/invoices/{invoice}/"), Some(&token))
        .await;
    let snapshot = &issued.data()["metadata"]["billing_snapshot"];
    assert_eq!(snapshot["billing_city"], "Karachi", "{snapshot}");
}
