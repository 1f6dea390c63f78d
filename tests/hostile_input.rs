//! What an attacker sends gets a clear 4xx and changes nothing: control characters in every
//! text field of every operation and in every query parameter (the list is read from the API's
//! own OpenAPI description, so new fields are covered), JSON-number amounts that only a float
//! would round to the invoice total, crafted `next` values on the panel's login, and request
//! ids that are not plain tokens. On SQLite and PostgreSQL.

mod common;

use common::TestApp;
use common::admin::Panel;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    control_characters_in_any_body_field_are_refused,
    control_characters_in_any_query_parameter_are_refused,
    json_number_amounts_are_read_exactly,
    the_panel_login_keeps_next_inside_the_panel,
    request_ids_are_plain_tokens,
);

/// Strings with a control character, as JSON would carry them.
const HOSTILE: [&str; 3] = ["a\u{0}b", "\u{1b}[31mred", "x\u{7f}"];

/// A customer's and a staff member's tokens, for operations that need either.
async fn identities(app: &TestApp) -> [String; 2] {
    let (customer, _) = app.paid_customer("paid@test.com").await;
    [customer, app.staff_token("admin@example.com").await]
}

/// The string properties of an operation's JSON body, through its `$ref`.
fn string_fields(spec: &Value, op: &Value) -> Vec<String> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let schema = match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(_, p)| {
            let t = &p["type"];
            t == "string" || t.as_array().is_some_and(|ts| ts.contains(&json!("string")))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

async fn control_characters_in_any_body_field_are_refused(app: TestApp) {
    let spec = app.openapi().await;
    let tokens = identities(&app).await;
    let mut checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let Some(op) = ops.get("post") else { continue };
        // A provider's event is not a client's input: its raw bytes are checked against the
        // provider's signature first (tests/card_payments.rs, tests/paypal_payments.rs).
        if path.starts_with("/billing/webhooks/") {
            continue;
        }
        let path = path.replace("{id}", "1");
        for field in string_fields(&spec, op) {
            for text in HOSTILE {
                let body = json!({ field.as_str(): text });
                let mut answer = app.post(&path, None, body.clone()).await;
                for token in &tokens {
                    if ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&answer.status) {
                        break;
                    }
                    answer = app.post(&path, Some(token), body.clone()).await;
                }
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_REQUEST,
                    "POST {path} {field}={text:?}: {}",
                    answer.body
                );
                assert!(
                    answer.body["errors"][field.as_str()].is_array(),
                    "POST {path}: the field is named: {}",
                    answer.body
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 40,
        "only {checked} fields were found in the description"
    );
    let verify = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert!(verify.is_empty(), "{verify:?}");
}

async fn control_characters_in_any_query_parameter_are_refused(app: TestApp) {
    let spec = app.openapi().await;
    let tokens = identities(&app).await;
    let mut checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let path = path.replace("{id}", "1");
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for param in params.iter().filter(|p| p["in"] == "query") {
            let name = param["name"].as_str().unwrap();
            for raw in ["a%00b", "%1b", "1%7f"] {
                let url = format!("{path}?{name}={raw}");
                let answer = app.get(&url, Some(&tokens[1])).await;
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_REQUEST,
                    "GET {url}: {}",
                    answer.body
                );
                assert!(answer.body["errors"][name].is_array(), "{}", answer.body);
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 30,
        "only {checked} parameters were found in the description"
    );
    // The panel's lists take the same rule, answered as a page.
    let mut panel = Panel::staff(&app, "panel@example.com").await;
    let lists = tollgate::web::admin::RECORDS
        .iter()
        .map(|record| record.meta.list);
    for list in lists {
        for query in ["q=a%00b", "q=%1b%5B31m", "status=%00"] {
            let page = panel.get(&format!("{list}?{query}")).await;
            assert_eq!(
                page.status,
                StatusCode::BAD_REQUEST,
                "{list}?{query}: {}",
                page.body
            );
            assert!(
                page.body.contains("control characters"),
                "{list}: {}",
                page.body
            );
        }
    }
    // ... and its forms: a NUL in a login field is refused before anything is looked up.
    let mut fresh = Panel::new(&app);
    let page = fresh.login("admin\u{0}@example.com", "adminpass").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}

async fn json_number_amounts_are_read_exactly(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    for amount in ["88.99999999999999999", "89.0000000000000000001", "8.9e1"] {
        let body = format!(
            r#"{{"invoice_id": {invoice}, "payment_method": "bank_transfer",
                 "manual_reference": "REF", "amount": {amount}}}"#
        );
        let resp = app
            .client
            .post(app.url("/billing/admin/payments/confirm/"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{amount}");
        let answer: Value = resp.json().await.unwrap();
        assert!(answer["errors"]["amount"].is_array(), "{answer}");
    }
    // The exact number is still accepted, as the string is.
    let body = json!({"invoice_id": invoice, "payment_method": "bank_transfer",
                      "manual_reference": "REF", "amount": 89.00});
    let answer = app
        .post("/billing/admin/payments/confirm/", Some(&token), body)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

async fn the_panel_login_keeps_next_inside_the_panel(app: TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
        .await
        .unwrap();
    // The form copies `next` into a hidden field only when it is a path inside the panel.
    let mut panel = Panel::new(&app);
    for (next, kept) in [
        ("%2Fadmin%2Fbilling%2Fpayment%2F", "/admin/billing/payment/"),
        ("%2Fadmin%2F%0D%0ASet-Cookie%3A%20x%3Dy", "/admin/"),
        ("%2F%2Fevil.example%2Fadmin", "/admin/"),
        ("https%3A%2F%2Fevil.example%2F", "/admin/"),
        ("%2Fadmin%5C..%5Cevil", "/admin/"),
    ] {
        let page = panel.get(&format!("/admin/login/?next={next}")).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        assert!(
            page.body
                .contains(&format!("name=\"next\" value=\"{kept}\"")),
            "{next}: {}",
            page.body
        );
    }
    // Posted directly, a crafted `next` falls back to the panel's home.
    for next in ["/admin/\r\nSet-Cookie: x=y", "/admin/é", "//evil.example/"] {
        let page = sign_in_with_next(&app, next).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            page.body
        );
        assert_eq!(page.location.as_deref(), Some("/admin/"), "{next:?}");
    }
    let page = sign_in_with_next(&app, "/admin/\u{0}").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

/// A fresh browser signs in to the panel, posting `next` with the form.
async fn sign_in_with_next(app: &TestApp, next: &str) -> common::admin::Page {
    let mut panel = Panel::new(app);
    panel.get("/admin/login/").await;
    let fields = [
        ("email", "admin@example.com"),
        ("password", "adminpass"),
        ("next", next),
    ];
    panel.post("/admin/login/", &fields).await
}

async fn request_ids_are_plain_tokens(app: TestApp) {
    let send = |id: &'static str| {
        app.client
            .get(app.url("/billing/plans/"))
            .header("x-request-id", id)
            .send()
    };
    let kept = send("client-req_42.a:b").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "client-req_42.a:b");
    for hostile in ["<script>alert(1)</script>", "a b", "\"quoted\""] {
        let resp = send(hostile).await.unwrap();
        let echoed = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(echoed, hostile);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["request_id"],
            echoed.as_str(),
            "a fresh id is used throughout"
        );
    }
    let long: &'static str = Box::leak("x".repeat(200).into_boxed_str());
    let resp = send(long).await.unwrap();
    assert_ne!(resp.headers()["x-request-id"], long);
}
